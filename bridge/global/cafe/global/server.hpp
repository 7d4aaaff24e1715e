#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/global/server_core.hpp"
#include "cafe/node/node.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::global {

/// How `server::start` sets up global on a node.
struct options {
  /// erl's `-connect_all false` when off: this node then takes no part in
  /// global with nodes that come up (no init_connect, no names from them,
  /// no connections to the nodes its peers know), exactly as a BEAM node
  /// started with that flag. Default on, as on BEAM.
  bool connect_all = true;
  /// `-kernel prevent_overlapping_partitions` (default true since OTP 25):
  /// when a node reports a lost connection, disconnect from the other side
  /// so that partitions stay fully connected.
  bool prevent_overlapping_partitions = true;
  /// How long the blocking calls below wait before giving up (global
  /// itself waits forever).
  std::chrono::milliseconds timeout{std::chrono::seconds{60}};
};

/// OTP's `global` on a cafe node: the process registered as
/// `global_name_server` (with its locker and registrar processes) that
/// takes part in global's protocol (version 8, OTP 25-27) with every
/// visible node, BEAM or cafe. So, once it runs:
/// - `global:sync()` on a BEAM node returns with this node connected;
/// - names registered anywhere in the cluster are known here
///   (`whereis_name`), and names registered here are known everywhere
///   (`global:whereis_name/1` on BEAM gives the local pid, a CAF actor's or
///   a mailbox's);
/// - a registration takes the cluster-wide `global` lock on every known
///   node, cafe nodes included, like global:register_name/2;
/// - when partitions merge with the same name on both sides, the name's
///   resolve function decides (the default, global:random_exit_name/3,
///   keeps the process on the node with the smaller name and kills the
///   other with the exit reason `kill`);
/// - names vanish when their process ends or its node goes down;
/// - with `connect_all`, the nodes a peer knows are connected to.
///
/// Thread-safe. The blocking calls wait for peers: never call them on an
/// io thread or inside a CAF actor's handler (use them from plain threads,
/// or wrap them in a blocking actor / an rpc function running on the
/// scheduler). Non-blocking ones: `whereis_name`, `registered_names`,
/// `send`, `known`, `synced`, `resolve_it`.
///
/// For the rpc layer: `global:whereis_name/1`, `registered_names/0`,
/// `register_name/2,3`, `unregister_name/1` and `sync/0` map onto the
/// methods of the same names; `global:resolve_it/4`, which a BEAM node
/// calls on this node during a clash, onto `resolve_it`.
class server : public std::enable_shared_from_this<server> {
public:
  /// Starts global on `owner`: registers `global_name_server` and starts
  /// the protocol with every visible node already connected. Fails when
  /// the name is taken.
  static expected<std::shared_ptr<server>, std::string>
  start(const std::shared_ptr<node::node>& owner, options opts = {});

  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Ends the server's processes (`shutdown`): peers drop the names and
  /// locks they held for them; names of this node's processes stay known
  /// on peers until those processes end.
  void stop();

  /// The process registered as `global_name_server`.
  const etf::pid& self() const noexcept;

  // -- names ------------------------------------------------------------------

  /// global:register_name(Name, Pid, Method): `yes` (true) when `pid`
  /// now has the name everywhere, false when the name is taken or `pid`
  /// has another name. `method` is a `fun global:F/3` (see method_term) or
  /// any fun a BEAM node can run. Error: timed out.
  expected<bool, std::string>
  register_name(const etf::term& name, const etf::pid& pid,
                const etf::term& method
                = method_term(resolver_kind::random_exit_name));

  /// global:re_register_name/3: registers even when taken (moves the name).
  expected<void, std::string>
  re_register_name(const etf::term& name, const etf::pid& pid,
                   const etf::term& method
                   = method_term(resolver_kind::random_exit_name));

  /// global:unregister_name/1.
  expected<void, std::string> unregister_name(const etf::term& name);

  /// global:whereis_name/1 (a local process only while it is alive).
  std::optional<etf::pid> whereis_name(const etf::term& name) const;

  /// global:registered_names/0.
  std::vector<etf::term> registered_names() const;

  /// global:send/2 from the local `from` (default: the server): the pid
  /// the message went to, or nothing when the name is unknown.
  std::optional<etf::pid> send(const etf::term& name, const etf::term& msg,
                               std::optional<etf::pid> from = {});

  // -- locks ------------------------------------------------------------------

  /// global:set_lock({ResourceId, LockRequesterId}, Nodes, Retries) held
  /// by `owner` (a local process; default: the server); `nodes` empty
  /// means this node and every visible node; `retries` nullopt is
  /// `infinity` (bounded by the timeout). True when set.
  expected<bool, std::string> set_lock(const etf::term& id,
                                       std::vector<etf::atom> nodes = {},
                                       std::optional<uint32_t> retries = {},
                                       std::optional<etf::pid> owner = {});

  /// global:del_lock(Id, Nodes) for `owner`.
  expected<void, std::string> del_lock(const etf::term& id,
                                       std::vector<etf::atom> nodes = {},
                                       std::optional<etf::pid> owner = {});

  /// global:trans(Id, Fun, Nodes, Retries): runs `fn` holding the lock;
  /// nullopt when the lock could not be set (`aborted`).
  std::optional<etf::term> trans(const etf::term& id,
                                 const std::function<etf::term()>& fn,
                                 std::vector<etf::atom> nodes = {},
                                 std::optional<uint32_t> retries = {});

  // -- sync -------------------------------------------------------------------

  /// global:sync/0: returns when in sync with every visible node (each has
  /// exchanged names with this one, or went down). Error: timed out.
  expected<void, std::string> sync();

  /// Nodes global knows (in sync with), and those synced.
  std::vector<etf::atom> known() const;
  std::vector<etf::atom> synced() const;

  /// global:resolve_it(Method, Name, Pid1, Pid2) for a peer's rpc.
  etf::term resolve_it(const etf::term& method, const etf::term& name,
                       const etf::pid& pid1, const etf::pid& pid2);

  class process;
  struct state;

private:
  explicit server(std::shared_ptr<state> st);

  std::shared_ptr<state> st_;
};

} // namespace cafe::global
