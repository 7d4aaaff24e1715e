#include "peer_table.hpp"

namespace cafe::node {

// -- looking up ---------------------------------------------------------------

bool peer_table::up(etf::atom peer) const {
  auto i = peers_.find(peer);
  return i != peers_.end() && i->second.up;
}

bool peer_table::up_elsewhere(etf::atom peer,
                              const connection_ptr& conn) const {
  auto i = peers_.find(peer);
  return i != peers_.end() && i->second.up && i->second.conn != conn;
}

bool peer_table::attempt_under_way(etf::atom peer) const {
  auto i = peers_.find(peer);
  return i != peers_.end() && (i->second.conn || i->second.connecting);
}

peer_table::connection_ptr peer_table::connection(etf::atom peer) const {
  if (auto i = peers_.find(peer); i != peers_.end())
    return i->second.conn;
  return nullptr;
}

std::vector<peer_table::connection_ptr> peer_table::connections() const {
  std::vector<connection_ptr> result;
  for (auto& [peer, st] : peers_)
    if (st.conn)
      result.push_back(st.conn);
  return result;
}

std::vector<etf::atom> peer_table::up_nodes(bool hidden) const {
  std::vector<etf::atom> result;
  for (auto& [peer, st] : peers_) {
    if (!st.up)
      continue;
    auto published = (st.flags & distribution::flag::published) != 0;
    if (published || hidden)
      result.push_back(peer);
  }
  return result;
}

// -- before a connection is up ------------------------------------------------

bool peer_table::enqueue(etf::atom peer, distribution::control_message ctl,
                         const etf::term* payload, size_t limit) {
  auto& st = peers_[peer];
  if (st.queue.size() >= limit)
    return false;
  st.queue.push_back({std::move(ctl), payload
                                        ? std::optional<etf::term>{*payload}
                                        : std::optional<etf::term>{}});
  return true;
}

void peer_table::add_waiter(etf::atom peer, waiter fn) {
  peers_[peer].waiters.push_back(std::move(fn));
}

bool peer_table::begin_lookup(etf::atom peer) {
  auto& st = peers_[peer];
  if (st.conn || st.connecting)
    return false;
  st.connecting = true;
  return true;
}

bool peer_table::end_lookup(etf::atom peer) {
  auto i = peers_.find(peer);
  if (i == peers_.end() || i->second.conn)
    return false;
  i->second.connecting = false;
  return true;
}

void peer_table::close_attempt(etf::atom peer, const std::string& reason) {
  auto& st = peers_[peer];
  if (st.conn)
    st.conn->close(reason);
  st.connecting = false;
}

void peer_table::set_connection(etf::atom peer, connection_ptr conn) {
  peers_[peer].conn = std::move(conn);
}

// -- connections coming and going ---------------------------------------------

peer_table::replaced peer_table::replace(etf::atom peer,
                                         const connection_ptr& conn) {
  replaced result;
  auto& st = peers_[peer];
  if (st.conn != conn) {
    result.old = st.conn;
    result.was_up = st.up;
    st.conn = conn;
    st.up = false;
  }
  return result;
}

std::optional<peer_table::waiter_list>
peer_table::bring_up(etf::atom peer, const connection_ptr& conn) {
  auto& st = peers_[peer];
  if (st.conn && st.conn != conn)
    return std::nullopt;
  st.conn = conn;
  st.connecting = false;
  st.up = true;
  st.flags = conn->flags();
  // Accepted already, so the busy limit does not apply.
  for (auto& q : st.queue)
    conn->send(q.control, q.payload ? &*q.payload : nullptr, true);
  st.queue.clear();
  return std::move(st.waiters);
}

std::optional<peer_table::removed>
peer_table::remove(etf::atom peer, const connection_ptr& conn) {
  auto i = peers_.find(peer);
  if (i == peers_.end() || i->second.conn != conn)
    return std::nullopt;
  removed result{std::move(i->second.waiters), i->second.up};
  peers_.erase(i);
  return result;
}

std::optional<peer_table::waiter_list>
peer_table::remove_lookup(etf::atom peer) {
  auto i = peers_.find(peer);
  if (i == peers_.end() || i->second.conn)
    return std::nullopt;
  auto result = std::move(i->second.waiters);
  peers_.erase(i);
  return result;
}

// -- watchers -----------------------------------------------------------------

void peer_table::watch(node_watcher fn) {
  watchers_.push_back(std::move(fn));
}

std::vector<peer_table::node_watcher> peer_table::watchers() const {
  return watchers_;
}

} // namespace cafe::node
