// The node's side of its connections: handshake decisions, connections
// coming up and going down (connection::owner).

#include "cafe/handshake/status.hpp"
#include "cafe/log.hpp"
#include "node_impl.hpp"

namespace cafe::node {

using conn_ptr = std::shared_ptr<connection::dist_connection>;

handshake::status
node::impl::on_peer_name(const conn_ptr& conn,
                         const handshake::decide_status& info) {
  auto peer = etf::atom::make(info.peer_node);
  if (!peer)
    return handshake::status::not_allowed;
  std::lock_guard guard{mtx};
  if (stopped)
    return handshake::status::not_allowed;
  if (peers.up(*peer))
    return handshake::status::alive;
  if (peers.attempt_under_way(*peer)) {
    // Both sides dial at once: the greater name keeps its own attempt
    // (net_kernel's rule), so both ends settle on the same connection.
    auto verdict = handshake::simultaneous_status(name_text, info.peer_node);
    auto ours = verdict == handshake::status::nok;
    logger().debug("dist: simultaneous connect with {}: {} attempt wins",
                   info.peer_node, ours ? "our" : "the peer's");
    if (ours)
      return verdict;
    peers.close_attempt(*peer, "simultaneous connect: the peer's attempt wins");
  }
  peers.set_connection(*peer, conn);
  return handshake::status::ok;
}

bool node::impl::on_alive(const conn_ptr& conn) {
  // The peer believes we are connected. If our table has another live
  // connection, keep that one; otherwise the peer's is stale.
  std::lock_guard guard{mtx};
  return !peers.up_elsewhere(conn->peer(), conn);
}

void node::impl::on_replace(const conn_ptr& conn) {
  auto peer = conn->peer();
  peer_table::replaced displaced;
  std::vector<peer_table::node_watcher> watchers;
  {
    std::lock_guard guard{mtx};
    displaced = peers.replace(peer, conn);
    if (displaced.was_up)
      watchers = peers.watchers();
  }
  if (!displaced.old)
    return;
  displaced.old->close("replaced by a new connection from the same node");
  // The table no longer names the old connection, so its on_down is
  // ignored: the nodedown happens here. The peer restarted, and what
  // crossed the old connection (links, monitors) ends with noconnection,
  // before the new connection comes up.
  if (displaced.was_up) {
    node_down(peer);
    for (auto& w : watchers)
      w(peer, false);
  }
}

void node::impl::on_up(const conn_ptr& conn) {
  auto peer = conn->peer();
  peer_table::waiter_list waiters;
  std::vector<peer_table::node_watcher> watchers;
  {
    std::lock_guard guard{mtx};
    // What was sent while connecting goes first, in order.
    auto up = peers.bring_up(peer, conn);
    if (!up) {
      // Lost a race we already settled: keep the table's connection.
      conn->close("duplicate connection");
      return;
    }
    waiters = std::move(*up);
    watchers = peers.watchers();
  }
  cafe::logger().info("node {}: connected to {}", name_text, peer.text());
  for (auto& w : waiters)
    w(true);
  for (auto& w : watchers)
    w(peer, true);
}

void node::impl::on_message(const conn_ptr& conn, distribution::message& msg) {
  handle(conn, msg);
}

void node::impl::on_down(const conn_ptr& conn, const std::string&) {
  auto peer = conn->peer();
  std::optional<peer_table::removed> gone;
  std::vector<peer_table::node_watcher> watchers;
  {
    std::lock_guard guard{mtx};
    gone = peers.remove(peer, conn);
    if (!gone)
      return; // an attempt that lost a race, or a refused handshake
    if (gone->was_up)
      watchers = peers.watchers();
  }
  for (auto& w : gone->waiters)
    w(false);
  // Links and monitors set up while connecting fire too (noconnection).
  node_down(peer);
  for (auto& w : watchers)
    w(peer, false);
}

} // namespace cafe::node
