// A tcp_connection's side that other threads call (send, wait_writable,
// close), its start, the writing of batches and the one way it closes.

#include "tcp_connection.hpp"

#include "cafe/log.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>

namespace cafe::connection::detail {

send_status tcp_connection::send(const distribution::control_message& ctl,
                                 const etf::term* payload, bool force) {
  std::unique_lock guard{mtx_};
  if (closed_ || !out_.distributing())
    return send_status::closed;
  if (!force && out_.size() >= cfg_.busy_limit)
    return send_status::busy;
  if (auto res = out_.push(ctl, payload, sender_of(ctl)); !res) {
    cafe::logger().warn("dist: cannot send to {}: {}", peer_name_,
                        distribution::to_string(res.error()));
    return send_status::rejected;
  }
  wrote_since_tick_ = true;
  // An idle connection writes at once from the caller's thread, saving a
  // strand hop on every round trip. The posted write still runs, so what
  // a burst queues meanwhile goes out batched.
  if (!write_in_flight_ && !out_.has_fragments() && fd_ >= 0) {
    auto ready = out_.ready();
    auto n = ::send(fd_, ready.data(), ready.size(),
                    MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0)
      out_.consume(static_cast<size_t>(n));
  }
  schedule_write_locked();
  return send_status::ok;
}

bool tcp_connection::wait_writable(std::chrono::milliseconds timeout) {
  std::unique_lock guard{mtx_};
  writable_.wait_for(guard, timeout, [this] {
    return closed_ || out_.size() < cfg_.busy_limit;
  });
  return !closed_ && out_.size() < cfg_.busy_limit;
}

void tcp_connection::close(std::string reason) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] {
    self->shutdown(reason);
  });
}

size_t tcp_connection::queued_bytes() const noexcept {
  std::lock_guard guard{mtx_};
  return out_.size();
}

void tcp_connection::start() {
  asio::post(strand_, [self = shared_from_this()] { self->on_start(); });
}

void tcp_connection::connect_to(std::string host, uint16_t port) {
  asio::post(strand_, [self = shared_from_this(), host, port] {
    self->arm_setup_timer();
    auto resolver = std::make_shared<tcp::resolver>(self->strand_);
    resolver->async_resolve(
      host, std::to_string(port),
      [self, resolver, host](auto ec, tcp::resolver::results_type eps) {
        if (ec)
          return self->shutdown("cannot resolve " + host + ": " + ec.message());
        asio::async_connect(
          self->socket_, eps,
          asio::bind_executor(self->strand_, [self](auto ec, const auto&) {
            if (ec)
              return self->shutdown("cannot connect: " + ec.message());
            boost::system::error_code ignored;
            self->socket_.set_option(tcp::no_delay(true), ignored);
            self->on_start();
          }));
      });
  });
}

void tcp_connection::schedule_write_locked() {
  if (write_in_flight_)
    return;
  write_in_flight_ = true;
  asio::post(strand_, [self = shared_from_this()] { self->do_write(); });
}

void tcp_connection::do_write() {
  std::span<const uint8_t> batch;
  {
    std::lock_guard guard{mtx_};
    if (!closed_)
      batch = out_.next_batch();
    if (batch.empty()) {
      write_in_flight_ = false;
      writable_.notify_all();
      if (close_after_write_ && !closed_)
        asio::post(strand_, [self = shared_from_this()] {
          self->shutdown(self->failure_);
        });
      return;
    }
  }
  asio::async_write(
    socket_, asio::buffer(batch.data(), batch.size()),
    asio::bind_executor(strand_, [self = shared_from_this()](auto ec, size_t) {
      self->on_write(ec);
    }));
}

void tcp_connection::on_write(boost::system::error_code ec) {
  {
    std::lock_guard guard{mtx_};
    out_.written();
  }
  writable_.notify_all();
  if (ec)
    return shutdown("write failed: " + ec.message());
  do_write();
}

void tcp_connection::shutdown(const std::string& reason) {
  {
    std::lock_guard guard{mtx_};
    if (closed_)
      return;
    closed_ = true;
    fd_ = -1;
    out_.clear();
  }
  writable_.notify_all();
  boost::system::error_code ignored;
  tick_timer_.cancel();
  setup_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  auto& log = cafe::logger();
  auto who = peer_name_.empty() ? std::string{"an unnamed peer"} : peer_name_;
  if (up_)
    log.info("dist: connection to {} down: {}", who, reason);
  else
    log.warn("dist: connection {} {} failed: {}", initiated_ ? "to" : "from",
             who, reason);
  if (auto node = node_.lock())
    node->on_down(shared_from_this(), reason);
}

} // namespace cafe::connection::detail
