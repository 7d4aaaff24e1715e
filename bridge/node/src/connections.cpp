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
  auto& st = peers[*peer];
  if (st.up)
    return handshake::status::alive;
  if (st.conn || st.connecting) {
    // Both sides dial at once: the greater name keeps its own attempt
    // (net_kernel's rule), so both ends settle on the same connection.
    auto verdict = handshake::simultaneous_status(name_text, info.peer_node);
    if (verdict == handshake::status::nok)
      return verdict;
    if (st.conn)
      st.conn->close("simultaneous connect: the peer's attempt wins");
    st.connecting = false;
  }
  st.conn = conn;
  return handshake::status::ok;
}

bool node::impl::on_alive(const conn_ptr& conn) {
  // The peer believes we are connected. If our table has another live
  // connection, keep that one; otherwise the peer's is stale.
  std::lock_guard guard{mtx};
  auto i = peers.find(conn->peer());
  return i == peers.end() || !i->second.up || i->second.conn == conn;
}

void node::impl::on_replace(const conn_ptr& conn) {
  auto peer = conn->peer();
  conn_ptr old;
  bool was_up = false;
  std::vector<std::function<void(etf::atom, bool)>> watchers;
  {
    std::lock_guard guard{mtx};
    auto& st = peers[peer];
    if (st.conn != conn) {
      old = st.conn;
      was_up = st.up;
      st.conn = conn;
      st.up = false;
      if (was_up)
        watchers = node_watchers;
    }
  }
  if (!old)
    return;
  old->close("replaced by a new connection from the same node");
  // The table no longer names the old connection, so its on_down is
  // ignored: the nodedown happens here. The peer restarted, and what
  // crossed the old connection (links, monitors) ends with noconnection,
  // before the new connection comes up.
  if (was_up) {
    node_down(peer);
    for (auto& w : watchers)
      w(peer, false);
  }
}

void node::impl::on_up(const conn_ptr& conn) {
  auto peer = conn->peer();
  std::vector<std::function<void(bool)>> waiters;
  std::vector<std::function<void(etf::atom, bool)>> watchers;
  {
    std::lock_guard guard{mtx};
    auto& st = peers[peer];
    if (st.conn && st.conn != conn) {
      // Lost a race we already settled: keep the table's connection.
      conn->close("duplicate connection");
      return;
    }
    st.conn = conn;
    st.connecting = false;
    st.up = true;
    st.flags = conn->flags();
    // What was sent while connecting goes first, in order. It was accepted
    // already, so the busy limit does not apply to it.
    for (auto& q : st.queue)
      conn->send(q.control, q.payload ? &*q.payload : nullptr, true);
    st.queue.clear();
    waiters = std::move(st.waiters);
    watchers = node_watchers;
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
  std::vector<std::function<void(bool)>> waiters;
  std::vector<std::function<void(etf::atom, bool)>> watchers;
  bool was_up = false;
  {
    std::lock_guard guard{mtx};
    auto i = peers.find(peer);
    if (i == peers.end() || i->second.conn != conn)
      return; // an attempt that lost a race, or a refused handshake
    was_up = i->second.up;
    waiters = std::move(i->second.waiters);
    peers.erase(i);
    if (was_up)
      watchers = node_watchers;
  }
  for (auto& w : waiters)
    w(false);
  // Links and monitors set up while connecting fire too (noconnection).
  node_down(peer);
  for (auto& w : watchers)
    w(peer, false);
}

} // namespace cafe::node
