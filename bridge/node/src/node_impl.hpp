#pragma once

// The node's identity and the parts of its state (process_table,
// peer_table, link_table, monitor_table) under its one lock, shared by its
// source files (node.cpp: life cycle and the facade; connections.cpp:
// connections coming and going; sending.cpp: what leaves; routing.cpp: what
// arrives; signals.cpp: links, monitors, exits). Not installed.

#include "cafe/connection/listener.hpp"
#include "cafe/node/node.hpp"
#include "cafe/node/registrar.hpp"
#include "cafe/node/spawn.hpp"
#include "link_table.hpp"
#include "monitor_table.hpp"
#include "peer_table.hpp"
#include "process_table.hpp"
#include "spawn_table.hpp"

#include <atomic>
#include <mutex>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::node {

struct node::impl : connection::owner,
                    std::enable_shared_from_this<node::impl> {
  impl(boost::asio::io_context& io_ctx, config c) : io(io_ctx), cfg(c) {}

  // -- identity (immutable after start) ---------------------------------------

  boost::asio::io_context& io;
  config cfg;
  etf::atom name;
  std::string name_text;
  uint32_t creation = 0;
  std::string cookie;
  connection::settings settings;
  std::weak_ptr<node> self;

  std::shared_ptr<connection::listener> listener;
  /// How this node is announced and its peers found (EPMD by default).
  std::shared_ptr<class registrar> registrar;

  std::atomic<uint64_t> next_pid{1};
  std::atomic<uint64_t> next_ref{1};

  bool is_local(const etf::pid& p) const noexcept {
    return p.node == name && p.creation == creation;
  }

  bool is_local(const etf::reference& r) const noexcept {
    return r.node == name && r.creation == creation;
  }

  // -- mutable state, guarded by mtx ------------------------------------------

  // One lock for all parts, which never lock on their own: one event
  // touches several (a process that ends drops its names, links and
  // monitors at once). Process objects are called, and let go of, only
  // after it is released: a process may own a CAF actor that calls back
  // into the node.
  mutable std::mutex mtx;
  process_table processes;
  peer_table peers;
  link_table links;
  monitor_table monitors;
  spawn_table pending_spawns;
  /// Serves peers' spawn requests; none: they get `notsup`.
  spawn_server spawns;
  /// Run first by `stop`, last added first (services that must leave while
  /// the connections are up); they also keep what they capture alive.
  std::vector<std::function<void()>> stop_hooks;
  bool stopped = false;

  // -- sending (sending.cpp) --------------------------------------------------

  /// Sends a control message to `peer`: through its connection when up,
  /// queued while it is being set up, after a connect otherwise. `force`
  /// ignores the busy limit (protocol replies).
  send_status send_control(etf::atom peer, distribution::control_message ctl,
                           const etf::term* payload, bool force = false);

  /// Sends a message from a local process to a remote pid, in the form
  /// the connection negotiated (SEND_SENDER, else SEND). Without
  /// `connect`, nothing is sent (`closed`) unless the connection is up.
  send_status send_message(const etf::pid& from, const etf::pid& to,
                           const etf::term& msg, bool force,
                           bool connect = true);

  /// Starts connecting to `peer` if nothing is under way; requires mtx.
  void connect_locked(etf::atom peer);

  /// The lookup or connect to `peer` failed before a connection existed.
  void connect_failed(etf::atom peer);

  /// Negotiated flags with `peer` (0 if not up).
  distribution::flags_t flags_of(etf::atom peer) const;

  // -- routing (routing.cpp) --------------------------------------------------

  /// Delivers `msg` to the local pid `to`, if it lives.
  void deliver_local(const etf::pid& to, const std::optional<etf::pid>& from,
                     etf::term msg);

  void handle(const std::shared_ptr<connection::dist_connection>& conn,
              distribution::message& msg);

  // -- signals (signals.cpp) --------------------------------------------------

  void link(const etf::pid& from, const etf::pid& to);
  void unlink(const etf::pid& from, const etf::pid& to);
  etf::reference monitor(const etf::pid& from, const etf::term& to,
                         etf::atom to_node, const etf::reference& ref);
  void demonitor(const etf::pid& from, const etf::reference& ref);
  void exit2(const etf::pid& from, const etf::pid& to, const etf::term& reason);

  /// A local process ended: fire its links and monitors.
  void process_down(const etf::pid& pid, const etf::term& reason);

  /// The connection to `peer` is gone: every link and monitor across it
  /// fires with `noconnection`.
  void node_down(etf::atom peer);

  // Incoming signal handlers.
  void on_link(const etf::pid& from, const etf::pid& to);
  void on_unlink_id(uint64_t id, const etf::pid& from, const etf::pid& to);
  void on_unlink_id_ack(uint64_t id, const etf::pid& from, const etf::pid& to);
  void on_exit(const etf::pid& from, const etf::pid& to,
               const etf::term& reason, bool linked);
  void on_monitor(const etf::pid& watcher,
                  const distribution::pid_or_name& target,
                  const etf::reference& ref);
  void on_demonitor(const etf::reference& ref);
  void on_monitor_exit(const distribution::pid_or_name& who, const etf::pid& to,
                       const etf::reference& ref, const etf::term& reason);

  /// Sends an exit signal (link broken) or monitor exit to a process,
  /// choosing the PAYLOAD_* form when negotiated.
  void send_link_exit(const etf::pid& from, const etf::pid& to,
                      const etf::term& reason);
  void send_monitor_exit(const etf::term& who, const etf::pid& to,
                         const etf::reference& ref, const etf::term& reason);

  // -- remote spawn (spawning.cpp) -------------------------------------------

  void on_spawn_request(const distribution::spawn_request& x,
                        const etf::term& payload);
  void spawned(const incoming_spawn& req, const etf::pid& pid);
  void refuse_spawn(const incoming_spawn& req, etf::atom reason);
  etf::reference
  spawn_request(const etf::pid& from, etf::atom to_node, etf::atom module,
                etf::atom function, etf::list args, spawn_options opts,
                const etf::pid& group_leader, const etf::reference& req_id);
  /// A SPAWN_REPLY for a local requester (from a peer or this node).
  void on_spawn_reply(const etf::reference& req_id, const etf::pid& to,
                      distribution::spawn_flags flags, const etf::term& result);
  /// Requests to `peer` still waiting end with `noconnection`.
  void fail_pending_spawns(etf::atom peer);

  // -- connection::owner (node.cpp) -------------------------------------------

  handshake::status
  on_peer_name(const std::shared_ptr<connection::dist_connection>& conn,
               const handshake::decide_status& info) override;
  bool
  on_alive(const std::shared_ptr<connection::dist_connection>& conn) override;
  void
  on_replace(const std::shared_ptr<connection::dist_connection>& conn) override;
  void on_up(const std::shared_ptr<connection::dist_connection>& conn) override;
  void on_message(const std::shared_ptr<connection::dist_connection>& conn,
                  distribution::message& msg) override;
  void on_down(const std::shared_ptr<connection::dist_connection>& conn,
               const std::string& reason) override;
};

/// The host part of `node_name` ("" if none).
std::string_view host_of(std::string_view node_name);

/// The alive part of `node_name`.
std::string_view alive_of(std::string_view node_name);

/// Completes `alive` to `alive@host` the way `erl` does (a name with a host
/// is kept) and checks the result against the rules for `long_names`.
expected<std::string, std::string> complete_node_name(const std::string& name,
                                                      bool long_names);

} // namespace cafe::node
