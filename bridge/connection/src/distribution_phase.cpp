// The distribution phase of a tcp_connection: frames in, messages to the
// node, and ticks both ways.

#include "cafe/log.hpp"
#include "tcp_connection.hpp"

#include <boost/asio/bind_executor.hpp>

namespace cafe::connection::detail {

void tcp_connection::do_read() {
  if (closed_)
    return;
  if (!up_) {
    socket_.async_read_some(
      asio::buffer(handshake_buf_),
      asio::bind_executor(strand_,
                          [self = shared_from_this()](auto ec, size_t n) {
                            self->on_handshake_read(ec, n);
                          }));
    return;
  }
  auto room = reader_.prepare(read_chunk);
  socket_.async_read_some(
    asio::buffer(room.data(), room.size()),
    asio::bind_executor(strand_,
                        [self = shared_from_this()](auto ec, size_t n) {
                          self->on_read(ec, n);
                        }));
}

void tcp_connection::on_read(boost::system::error_code ec, size_t n) {
  if (ec)
    return shutdown(read_error(ec, ""));
  reader_.commit(n);
  read_since_tick_ = true;
  if (process_frames())
    do_read();
}

bool tcp_connection::process_frames() {
  auto self = shared_from_this();
  auto node = node_.lock();
  for (;;) {
    auto fr = reader_.next();
    if (!fr) {
      shutdown("bad frame: " + distribution::to_string(fr.error()));
      return false;
    }
    if (fr->kind == distribution::frame_kind::incomplete)
      return !closed_;
    if (fr->kind == distribution::frame_kind::tick)
      continue;
    auto ev = receiver_->receive(fr->bytes, msg_);
    if (!ev) {
      // OTP kills the connection on any invalid message; so do we, and
      // only this one.
      shutdown("invalid distribution message: "
               + distribution::to_string(ev.error()));
      return false;
    }
    if (*ev == distribution::receive_event::message && node)
      node->on_message(self, msg_);
    if (closed_)
      return false;
  }
}

std::string tcp_connection::read_error(boost::system::error_code ec,
                                       const char* when) {
  std::string what = ec == asio::error::eof ? "connection closed by peer"
                                            : ec.message();
  if (*when != '\0') {
    what += ' ';
    what += when;
  }
  return what;
}

void tcp_connection::arm_tick_timer() {
  auto interval = cfg_.ticktime / cfg_.tick_intensity;
  tick_timer_.expires_after(interval);
  tick_timer_.async_wait([self = shared_from_this()](auto ec) {
    if (!ec)
      self->on_tick();
  });
}

void tcp_connection::on_tick() {
  if (closed_)
    return;
  // Down after a whole ticktime without reading anything (OTP:
  // net_tick_timeout after `intensity` silent intervals).
  if (read_since_tick_) {
    silent_intervals_ = 0;
  } else if (++silent_intervals_ >= cfg_.tick_intensity) {
    return shutdown("net_tick_timeout");
  }
  read_since_tick_ = false;
  {
    std::lock_guard guard{mtx_};
    if (!wrote_since_tick_) {
      out_.append_tick();
      schedule_write_locked();
    }
    wrote_since_tick_ = false;
  }
  arm_tick_timer();
}

} // namespace cafe::connection::detail
