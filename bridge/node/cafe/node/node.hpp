#pragma once

#include "cafe/connection/dist_connection.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/config.hpp"
#include "cafe/node/local_process.hpp"
#include "cafe/node/spawn.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::node {

class mailbox;

/// What happened to a message handed to the node.
using connection::send_status;

/// A distributed Erlang node: its name and creation, the pids and
/// references it mints, its local processes and registered names, and one
/// connection per peer node, set up on first use. It answers the BEAM's
/// net_kernel (so `net_adm:ping` gets `pong`), monitors, links and exit
/// signals, and routes every message to the local process it names.
///
/// Thread-safe. Callbacks into local processes run on io threads.
class node : public std::enable_shared_from_this<node> {
public:
  /// Validates the name, listens and announces the node through its
  /// registrar (by default: registers with EPMD, starting one inside the
  /// node when none runs).
  /// `io` must be running (on other threads) for the whole node lifetime.
  static expected<std::shared_ptr<node>, std::string>
  start(boost::asio::io_context& io, config cfg);

  ~node();

  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Runs the `on_stop` hooks, closes every connection, unregisters from
  /// EPMD, stops listening.
  void stop();

  /// Runs `fn` at the start of `stop` (before the connections close), last
  /// added first; holds it, and what it captures, until then. A service
  /// started on the node (e.g. `global`) hands it its own stop.
  void on_stop(std::function<void()> fn);

  // -- identity ---------------------------------------------------------------

  /// The full node name, e.g. `cafe@localhost`.
  etf::atom name() const noexcept;

  /// The creation EPMD handed out.
  uint32_t creation() const noexcept;

  /// The port of the distribution listener.
  uint16_t port() const noexcept;

  /// The cookie in use.
  const std::string& cookie() const noexcept;

  /// Whether an EPMD runs inside this node (none answered at start-up).
  bool runs_embedded_epmd() const noexcept;

  /// A fresh pid of this node (not yet bound to a process).
  etf::pid make_pid();

  /// A fresh reference of this node.
  etf::reference make_ref();

  // -- local processes --------------------------------------------------------

  /// A mailbox: a process that queues what it receives (exit signals and
  /// DOWN notifications arrive as {'EXIT', From, Reason} and {'DOWN', Ref,
  /// process, Who, Reason} messages). Registered under `name` if given.
  std::shared_ptr<mailbox> make_mailbox(std::optional<std::string> name = {});

  /// Binds `proc` to `pid` (from `make_pid`).
  void add_process(const etf::pid& pid, std::shared_ptr<local_process> proc);

  /// Ends the process `pid` with `reason`: its links and monitors fire.
  void remove_process(const etf::pid& pid, const etf::term& reason);

  /// Registers `name` for the local `pid`; false if the name is taken.
  bool register_name(etf::atom name, const etf::pid& pid);

  void unregister_name(etf::atom name);

  std::optional<etf::pid> whereis(etf::atom name) const;

  /// Local processes alive right now (net_kernel included).
  size_t process_count() const;

  /// Their pids (erlang:processes/0).
  std::vector<etf::pid> processes() const;

  /// The registered names (erlang:registered/0).
  std::vector<etf::atom> registered() const;

  /// Whether the local `pid` is alive (erlang:is_process_alive/1).
  bool alive(const etf::pid& pid) const;

  // -- messages and signals ---------------------------------------------------

  /// Sends `msg` from the local `from` to the process `to` (any node).
  /// `force` queues it even when the connection is over its busy limit,
  /// for senders that cannot wait (actors on CAF's scheduler threads).
  send_status send(const etf::pid& from, const etf::pid& to,
                   const etf::term& msg, bool force = false);

  /// erlang:send(To, Msg, [noconnect]): like `send` (forced), but never
  /// sets up a connection: with none up to `to`'s node, nothing is sent and
  /// the answer is `closed`. For protocol processes (pg scopes) that must
  /// not end a netsplit by themselves.
  send_status send_noconnect(const etf::pid& from, const etf::pid& to,
                             const etf::term& msg);

  /// Sends `msg` to the process registered as `name` on `to_node`.
  send_status send(const etf::pid& from, etf::atom name, etf::atom to_node,
                   const etf::term& msg, bool force = false);

  /// Sends `msg` to the process alias `alias` (ALIAS_SEND), as gen_server
  /// replies do when the caller's tag is `[alias | Ref]`.
  send_status send_to_alias(const etf::pid& from, const etf::reference& alias,
                            const etf::term& msg, bool force = false);

  /// Blocks (never on an io thread) until the connection to `peer` can take
  /// more output, or `timeout` passes; false if it is gone.
  bool wait_writable(etf::atom peer, std::chrono::milliseconds timeout);

  /// Links the local `from` with `to`.
  void link(const etf::pid& from, const etf::pid& to);

  void unlink(const etf::pid& from, const etf::pid& to);

  /// Monitors the process `to` (a pid, or a name on `to_node`) for the
  /// local `from`; the DOWN carries the returned reference.
  etf::reference monitor(const etf::pid& from, const etf::term& to,
                         etf::atom to_node);

  /// `monitor` with a reference from `make_ref`, for callers that must
  /// know it before the DOWN can arrive (a call's tag is its monitor).
  void monitor(const etf::pid& from, const etf::term& to, etf::atom to_node,
               const etf::reference& ref);

  void demonitor(const etf::pid& from, const etf::reference& ref);

  /// erlang:exit(To, Reason) from the local `from`.
  void exit(const etf::pid& from, const etf::pid& to, const etf::term& reason);

  // -- remote spawn -----------------------------------------------------------

  /// Serves peers' SPAWN_REQUESTs (and this node's own) with `fn` from now
  /// on; until then every request gets `notsup`.
  void serve_spawns(spawn_server fn);

  /// Answers `req` with the new process `pid`, already bound (add_process,
  /// or through the bridge): sets up the link and monitor the caller asked
  /// for, then sends the SPAWN_REPLY. Start the process only afterwards, so
  /// nothing it does reaches the caller before the reply.
  void spawned(const incoming_spawn& req, const etf::pid& pid);

  /// Answers `req` with an error (`badopt`, `system_limit`, ...).
  void refuse_spawn(const incoming_spawn& req, etf::atom reason);

  /// Whether the monitor `ref` on a local process is still held: a caller
  /// that demonitored, or whose node went down, no longer waits.
  bool monitored(const etf::reference& ref) const;

  /// erlang:spawn_request(Node, M, F, Args, Opts) for the local `from`.
  /// The reply reaches `from` as the message `{spawn_reply, ReqId, ok,
  /// Pid}` or `{spawn_reply, ReqId, error, Reason}` (`noconnection` when
  /// `to_node` cannot be reached, `notsup` when it serves no spawns); with
  /// `monitor`, a DOWN with the reference ReqId follows when the process
  /// ends. Returns ReqId.
  etf::reference spawn_request(const etf::pid& from, etf::atom to_node,
                               etf::atom module, etf::atom function,
                               etf::list args, spawn_options opts,
                               const etf::pid& group_leader);

  // -- connections ------------------------------------------------------------

  /// Connects to `peer` (if not connected) and calls `done` with the
  /// outcome, on an io thread.
  void connect(etf::atom peer, std::function<void(bool)> done);

  /// `connect`, blocking up to `timeout` (never on an io thread).
  bool connect(etf::atom peer, std::chrono::milliseconds timeout);

  /// Closes the connection to `peer`; false if there was none.
  bool disconnect(etf::atom peer);

  /// Connected visible nodes (like erlang:nodes()); `hidden` adds the
  /// hidden ones (nodes(connected)).
  std::vector<etf::atom> nodes(bool hidden = false) const;

  /// net_adm:ping: true for pong. Blocks up to `timeout`.
  bool ping(etf::atom peer, std::chrono::milliseconds timeout);

  /// Calls `fn(node, up)` whenever a connection comes up or goes down.
  void monitor_nodes(std::function<void(etf::atom, bool)> fn);

  /// The connection to `peer`, if there is one (up or being set up).
  std::shared_ptr<connection::dist_connection> connection_to(etf::atom peer);

  struct impl;

private:
  explicit node(std::shared_ptr<impl> ptr);

  std::shared_ptr<impl> impl_;
};

} // namespace cafe::node
