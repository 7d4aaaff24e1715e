// Sending: messages and control messages to peers, connecting on first use.

#include "cafe/log.hpp"
#include "node_impl.hpp"

#include <limits>

namespace cafe::node {

distribution::flags_t node::impl::flags_of(etf::atom peer) const {
  std::lock_guard guard{mtx};
  return peers.flags(peer);
}

send_status node::impl::send_message(const etf::pid& from, const etf::pid& to,
                                     const etf::term& msg, bool force,
                                     bool connect) {
  peer_table::route route;
  {
    std::lock_guard guard{mtx};
    route = peers.route_to(to.node);
  }
  // Not up yet: queued (and connected) by send_control; SEND is what every
  // peer understands.
  if (!route.conn) {
    if (!connect)
      return send_status::closed;
    return send_control(to.node, distribution::send{etf::atom{}, to}, &msg,
                        force);
  }
  // SEND_SENDER tells the receiver who sent; SEND is for old peers.
  if (route.flags & distribution::flag::send_sender)
    return route.conn->send(distribution::send_sender{from, to}, &msg, force);
  return route.conn->send(distribution::send{etf::atom{}, to}, &msg, force);
}

send_status node::impl::send_control(etf::atom peer,
                                     distribution::control_message ctl,
                                     const etf::term* payload, bool force) {
  std::unique_lock guard{mtx};
  if (stopped)
    return send_status::closed;
  if (auto conn = peers.route_to(peer).conn) {
    guard.unlock();
    return conn->send(ctl, payload, force);
  }
  auto limit = force ? std::numeric_limits<size_t>::max()
                     : cfg.max_pending_messages;
  if (!peers.enqueue(peer, std::move(ctl), payload, limit))
    return send_status::busy;
  connect_locked(peer);
  return send_status::ok;
}

void node::impl::connect_locked(etf::atom peer) {
  if (stopped || !peers.begin_lookup(peer))
    return;
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
                      if (self->stopped || !self->peers.end_lookup(peer))
                        return;
                      self->peers.set_connection(
                        peer,
                        connection::dist_connection::connect(
                          self->io, self->settings, self,
                          std::string{peer.text()}, res->address, res->port));
                    });
}

void node::impl::connect_failed(etf::atom peer) {
  std::optional<peer_table::waiter_list> waiters;
  {
    std::lock_guard guard{mtx};
    waiters = peers.remove_lookup(peer);
    if (!waiters)
      return;
  }
  for (auto& w : *waiters)
    w(false);
  node_down(peer);
}

} // namespace cafe::node
