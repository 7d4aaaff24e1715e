#pragma once

#include "cafe/etf/compare.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace cafe::global {

/// The version of global's protocol spoken (OTP 25-27 use 8: the "verify
/// connection" messages `init_connect_ack`/`cancel_connect` and the
/// prevent_overlapping_partitions messages of version 7).
inline constexpr int64_t protocol_version = 8;

/// Orders terms the way Erlang does (names and lock ids are any term).
struct term_less {
  bool operator()(const etf::term& x, const etf::term& y) const {
    return etf::compare(x, y) < 0;
  }
};

// -- what the core asks its owner to do --------------------------------------

/// `{Name, Node} ! Msg` from the local `from` (`noconnect`: never sets up a
/// connection, as global's "volatile" sends).
struct send_named {
  etf::pid from;
  etf::atom name;
  etf::atom node;
  etf::term msg;
  bool noconnect = false;
};

/// `To ! Msg` from the local `from`.
struct send_pid {
  etf::pid from;
  etf::pid to;
  etf::term msg;
  bool noconnect = false;
};

/// gen:reply/2 to a peer's `{'$gen_call', {From, Tag}, _}`: `{Tag, Value}`
/// to the tag's alias if it has one, else to `to`.
struct gen_reply {
  etf::pid from;
  etf::pid to;
  etf::term tag;
  etf::term value;
};

/// erlang:monitor(process, Who) from `from`; the DOWN comes back as
/// `server_core::down(id, Reason)`.
struct monitor_pid {
  uint64_t id = 0;
  etf::pid from;
  etf::pid who;
};

/// erlang:monitor(process, {Name, Node}) from `from` (a call's callee).
struct monitor_named {
  uint64_t id = 0;
  etf::pid from;
  etf::atom name;
  etf::atom node;
};

/// Drops the monitor `id` (no DOWN follows).
struct demonitor {
  uint64_t id = 0;
};

/// Connects to `node` (global's monitor_node with allow_passive_connect);
/// the outcome comes back as `server_core::connected(node, ok)`.
struct connect_node {
  etf::atom node;
};

/// net_kernel:async_disconnect(Node) (prevent_overlapping_partitions).
struct disconnect_node {
  etf::atom node;
};

/// erlang:exit(Who, Reason) from `from`: a name clash's loser.
struct exit_pid {
  etf::pid from;
  etf::pid who;
  etf::term reason;
};

/// Answers the local API request `call` (see the API section).
struct reply {
  uint64_t call = 0;
  etf::term value;
};

/// Calls `server_core::timeout(id)` after `after`.
struct start_timer {
  uint64_t id = 0;
  std::chrono::milliseconds after{0};
};

using effect = std::variant<send_named, send_pid, gen_reply, monitor_pid,
                            monitor_named, demonitor, connect_node,
                            disconnect_node, exit_pid, reply, start_timer>;

/// What one input asks for, to be carried out in order.
using effects = std::vector<effect>;

/// How the core is set up.
struct core_config {
  /// This node's name.
  etf::atom node;
  /// The process registered as `global_name_server`.
  etf::pid server;
  /// The locker: holds the partition lock while partitions merge (peers
  /// monitor it). A process of its own, as on BEAM.
  etf::pid locker;
  /// The registrar: holds the `global` lock while a name is (un)registered.
  etf::pid registrar;
  /// Makes fresh references (call tags).
  std::function<etf::reference()> make_ref;
  /// `-connect_all false` turns global off towards new nodes, as on BEAM.
  bool connect_all = true;
  /// `-kernel prevent_overlapping_partitions` (default true).
  bool prevent_overlapping_partitions = true;
  /// Seeds the locker's random choices and back-off.
  uint64_t seed = 0;
  /// The creation of this node (part of lost_connection's identity).
  uint32_t creation = 0;
};

/// A name's resolve function, as global's register_name/3 takes it: any
/// fun (kept as received, run only if it is one of global's own), or one
/// of the three global offers.
enum class resolver_kind : uint8_t {
  random_exit_name,
  random_notify_name,
  notify_all_name,
};

/// `fun global:F/3` for `kind`.
etf::term method_term(resolver_kind kind);

/// The global_name_server of one node (OTP 25's `global.erl`, protocol
/// version 8) and its locker, registrar and resolvers, as a state machine.
/// It does no I/O: every input returns the messages to send, monitors to
/// set, connections to make, timers to start and local callers to answer,
/// for the owner (global::server) to carry out in order.
///
/// Between servers (PROTOCOL.md §6.4, global.erl's protocol comments):
/// on nodeup `init_connect` both ways, `init_connect_ack`, the lockers'
/// `lock_set` (proxied by the servers) until each partition is locked,
/// `exchange` of the names, `resolved` with the clash resolutions,
/// `new_nodes` to the rest of each partition, `in_sync` from every node
/// that joins; `cancel_connect`, `lost_connection` and `remove_connection`
/// for out-of-sync setups and prevent_overlapping_partitions. Locks and
/// names are set by gen_server multi_calls (`{set_lock, Id}`, `{del_lock,
/// Id}`, `{register, Name, Pid, Method}`, `{unregister, Name}`), which this
/// core both makes and serves.
///
/// Anything else sent to the server is refused (`receive` returns an
/// error for the owner to log): it is never answered, as a BEAM server
/// answers no unknown call.
class server_core {
public:
  explicit server_core(core_config cfg);

  ~server_core();

  server_core(const server_core&) = delete;
  server_core& operator=(const server_core&) = delete;

  const core_config& config() const noexcept {
    return cfg_;
  }

  // -- inputs from the node ---------------------------------------------------

  /// A visible node came up (global ignores hidden nodes).
  effects nodeup(etf::atom node);

  /// A visible node went down.
  effects nodedown(etf::atom node);

  /// A message to one of the core's processes (`to`: server, locker or
  /// registrar). Errors name what was wrong; nothing was done.
  expected<effects, std::string> receive(const etf::pid& to,
                                         const etf::term& msg);

  /// The monitor `id` fired with `reason`.
  effects down(uint64_t id, const etf::term& reason);

  /// The timer `id` ran out.
  effects timeout(uint64_t id);

  /// A `connect_node` ended.
  effects connected(etf::atom node, bool ok);

  // -- the local API (each answered by a `reply` with `call`) -----------------

  /// global:register_name/3 (`re_register`: re_register_name/3): takes the
  /// `global` lock on every known node, then registers on all of them.
  /// Answers `yes` or `no`.
  effects register_name(uint64_t call, const etf::term& name,
                        const etf::pid& pid, const etf::term& method,
                        bool re_register);

  /// global:unregister_name/1; answers `ok`.
  effects unregister_name(uint64_t call, const etf::term& name);

  /// global:set_lock({ResourceId, LockRequesterId}, Nodes, Retries) for the
  /// process `owner` (the lock lives while it does); nullopt retries is
  /// `infinity`. Answers `true` or `false`.
  effects set_lock(uint64_t call, const etf::term& id, const etf::pid& owner,
                   const std::vector<etf::atom>& nodes,
                   std::optional<uint32_t> retries);

  /// global:del_lock(Id, Nodes) for `owner`; answers `true`.
  effects del_lock(uint64_t call, const etf::term& id, const etf::pid& owner,
                   const std::vector<etf::atom>& nodes);

  /// global:sync/1: answers `ok` once in sync with `nodes` (each one
  /// synced, or down).
  effects sync(uint64_t call, const std::vector<etf::atom>& nodes);

  /// Runs the resolve function `method` for the clash of `name` between
  /// `pid1` and `pid2` here (global:resolve_it/4, which a peer calls by
  /// rpc on the node of one of the processes): global's own three funs run
  /// as on BEAM; any other fun cannot run on cafe and yields the
  /// `{'EXIT', ...}` that makes global unregister the name.
  etf::term resolve_it(const etf::term& method, const etf::term& name,
                       const etf::pid& pid1, const etf::pid& pid2,
                       effects& out);

  // -- queries ----------------------------------------------------------------

  /// The pid registered as `name` (global:whereis_name/1 also checks that
  /// a local one is alive: the owner does, see server::whereis_name).
  std::optional<etf::pid> whereis(const etf::term& name) const;

  /// global:registered_names/0.
  std::vector<etf::term> registered_names() const;

  /// Nodes this server is in sync with (global's `known`).
  std::vector<etf::atom> known() const;

  /// Nodes synced since they came up.
  std::vector<etf::atom> synced() const;

  /// Whether `x` is a process of this node.
  bool is_local(const etf::pid& x) const noexcept;

  /// Held locks: resource -> requester id.
  std::vector<std::pair<etf::term, etf::term>> locks() const;

  /// The names registered for `pid`.
  std::vector<etf::term> names_of(const etf::pid& pid) const;

private:
  struct impl;
  core_config cfg_;
  std::unique_ptr<impl> impl_;
};

} // namespace cafe::global
