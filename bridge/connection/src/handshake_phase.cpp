// The handshake phase of a tcp_connection: the dist_util steps of our role,
// the node's decisions, and the hand-over to the distribution phase.

#include "cafe/log.hpp"
#include "tcp_connection.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

namespace cafe::connection::detail {

void tcp_connection::on_start() {
  arm_setup_timer();
  if (initiator_)
    handle(initiator_->start());
  do_read();
}

void tcp_connection::arm_setup_timer() {
  setup_timer_.expires_after(cfg_.setup_time);
  setup_timer_.async_wait([self = shared_from_this()](auto ec) {
    if (!ec && !self->up_)
      self->shutdown("handshake timed out (net_setuptime)");
  });
}

void tcp_connection::handle(handshake::progress prog) {
  if (!prog.output.empty()) {
    std::lock_guard guard{mtx_};
    out_.append(prog.output);
    schedule_write_locked();
  }
  auto self = shared_from_this();
  auto node = node_.lock();
  std::visit(
    [&](auto& ev) {
      using T = std::decay_t<decltype(ev)>;
      if constexpr (std::is_same_v<T, handshake::decide_status>) {
        {
          std::lock_guard guard{mtx_};
          peer_name_ = ev.peer_node;
          if (auto a = etf::atom::make(peer_name_))
            peer_ = *a;
        }
        auto verdict = node ? node->on_peer_name(self, ev)
                            : handshake::status::not_allowed;
        handle(acceptor_->decide(verdict));
      } else if constexpr (std::is_same_v<T, handshake::decide_alive>) {
        handle(initiator_->answer_alive(node && node->on_alive(self)));
      } else if constexpr (std::is_same_v<T, handshake::wait_pending>) {
        if (node)
          node->on_replace(self);
        handle(acceptor_->pending_done());
      } else if constexpr (std::is_same_v<T, handshake::done>) {
        on_handshake_done(ev);
      } else if constexpr (std::is_same_v<T, handshake::failure>) {
        if (ev.reason == handshake::errc::nok) {
          // The peer's own attempt wins. Like OTP, wait to be dropped:
          // the node replaces this connection when the peer's arrives,
          // keeping whoever waits for it; the setup timer ends the wait
          // if it never does. Failing now would fail those waiters.
          awaiting_peer_ = true;
          return;
        }
        failure_ = ev.detail.empty() ? std::string{"handshake failed"}
                                     : "handshake failed: " + ev.detail;
        // Write what the machine produced (e.g. "snot_allowed"), then go.
        close_after_write_ = true;
        std::lock_guard guard{mtx_};
        if (out_.size() == 0 && !write_in_flight_)
          asio::post(strand_, [self] { self->shutdown(self->failure_); });
      }
    },
    prog.ev);
}

void tcp_connection::on_handshake_done(handshake::done& ev) {
  if (ev.won_simultaneous)
    cafe::logger().debug("dist: simultaneous connect with {}: our attempt "
                         "wins",
                         ev.peer_node);
  setup_timer_.cancel();
  {
    std::lock_guard guard{mtx_};
    peer_name_ = ev.peer_node;
    if (auto a = etf::atom::make(peer_name_))
      peer_ = *a;
    flags_ = ev.flags;
    peer_creation_ = ev.peer_creation;
    distribution::sender_config scfg;
    scfg.flags = ev.flags;
    scfg.max_fragment_size = cfg_.max_fragment_size;
    out_.start_distribution(scfg);
    fd_ = socket_.native_handle();
  }
  distribution::receiver_config rcfg;
  rcfg.flags = ev.flags;
  rcfg.reassembly = cfg_.reassembly;
  rcfg.term_limits = cfg_.term_limits;
  if (auto local = etf::atom::make(cfg_.handshake.node))
    rcfg.local_node = *local;
  rcfg.peer_node = peer_;
  receiver_.emplace(rcfg);
  up_ = true;
  reader_.feed(ev.leftover);
  cafe::logger().debug("dist: connection to {} up (flags {:#x})", peer_name_,
                       flags_);
  if (auto node = node_.lock())
    node->on_up(shared_from_this());
  arm_tick_timer();
  // Frames may have arrived together with the last handshake message.
  process_frames();
}

void tcp_connection::on_handshake_read(boost::system::error_code ec, size_t n) {
  if (ec)
    return shutdown(read_error(ec, "during the handshake"));
  arm_setup_timer();
  std::span<const uint8_t> bytes{handshake_buf_.data(), n};
  if (initiator_)
    handle(initiator_->feed(bytes));
  else
    handle(acceptor_->feed(bytes));
  if (!closed_ && !close_after_write_ && !awaiting_peer_)
    do_read();
}

} // namespace cafe::connection::detail
