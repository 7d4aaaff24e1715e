// Sending: messages and control messages to peers, connecting on first use.

#include "cafe/log.hpp"
#include "node_impl.hpp"

namespace cafe::node {

distribution::flags_t node::impl::flags_of(etf::atom peer) const {
  std::lock_guard guard{mtx};
  if (auto i = peers.find(peer); i != peers.end() && i->second.up)
    return i->second.flags;
  return 0;
}

send_status node::impl::send_message(const etf::pid& from, const etf::pid& to,
                                     const etf::term& msg, bool force) {
  std::shared_ptr<connection::dist_connection> conn;
  distribution::flags_t fs = 0;
  {
    std::lock_guard guard{mtx};
    if (auto i = peers.find(to.node); i != peers.end() && i->second.up) {
      conn = i->second.conn;
      fs = i->second.flags;
    }
  }
  // Not up yet: queued (and connected) by send_control; SEND is what every
  // peer understands.
  if (!conn)
    return send_control(to.node, distribution::send{etf::atom{}, to}, &msg,
                        force);
  // SEND_SENDER tells the receiver who sent; SEND is for old peers.
  if (fs & distribution::flag::send_sender)
    return conn->send(distribution::send_sender{from, to}, &msg, force);
  return conn->send(distribution::send{etf::atom{}, to}, &msg, force);
}

send_status node::impl::send_control(etf::atom peer,
                                     distribution::control_message ctl,
                                     const etf::term* payload, bool force) {
  std::unique_lock guard{mtx};
  if (stopped)
    return send_status::closed;
  auto& st = peers[peer];
  if (st.up) {
    auto conn = st.conn;
    guard.unlock();
    return conn->send(ctl, payload, force);
  }
  if (!force && st.queue.size() >= cfg.max_pending_messages)
    return send_status::busy;
  st.queue.push_back({std::move(ctl), payload
                                        ? std::optional<etf::term>{*payload}
                                        : std::optional<etf::term>{}});
  connect_locked(peer);
  return send_status::ok;
}

void node::impl::connect_locked(etf::atom peer) {
  auto& st = peers[peer];
  if (st.conn || st.connecting || stopped)
    return;
  st.connecting = true;
  auto host = std::string{host_of(peer.text())};
  auto alive = std::string{alive_of(peer.text())};
  auto weak = weak_from_this();
  registrar->lookup(alive, host, settings.setup_time,
                    [weak, peer](expected<peer_endpoint, std::string> res) {
                      auto self = weak.lock();
                      if (!self)
                        return;
                      if (!res) {
                        logger().warn("dist: cannot connect to {}: {}",
                                      peer.text(), res.error());
                        self->connect_failed(peer);
                        return;
                      }
                      std::lock_guard guard{self->mtx};
                      auto i = self->peers.find(peer);
                      if (i == self->peers.end() || i->second.conn
                          || self->stopped)
                        return;
                      i->second.connecting = false;
                      i->second.conn = connection::dist_connection::connect(
                        self->io, self->settings, self,
                        std::string{peer.text()}, res->address, res->port);
                    });
}

void node::impl::connect_failed(etf::atom peer) {
  std::vector<std::function<void(bool)>> waiters;
  {
    std::lock_guard guard{mtx};
    auto i = peers.find(peer);
    if (i == peers.end() || i->second.conn)
      return;
    waiters = std::move(i->second.waiters);
    peers.erase(i);
  }
  for (auto& w : waiters)
    w(false);
  node_down(peer);
}

} // namespace cafe::node
