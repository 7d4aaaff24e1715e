#pragma once

#include "cafe/expected.hpp"
#include "http/shared_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <string>

namespace cafe::chat::http {

/// Accepts connections and hands each, on a strand of its own, to an HTTP
/// session; refuses with a canned 503 over `max_connections`.
class listener : public std::enable_shared_from_this<listener> {
public:
  listener(boost::asio::io_context& io, std::shared_ptr<shared_state> state);

  /// Binds and listens (`bind` empty: `::` dual-stack, else 0.0.0.0); the
  /// port bound.
  expected<uint16_t, std::string> open(const std::string& bind, uint16_t port);

  /// Starts accepting.
  void run();

  /// Stops accepting; `done` runs on the acceptor's strand once closed.
  template <class F>
  void close(F done) {
    boost::asio::post(acceptor_.get_executor(),
                      [self = shared_from_this(), done = std::move(done)] {
                        boost::system::error_code ec;
                        self->acceptor_.close(ec);
                        self->retry_.cancel();
                        done();
                      });
  }

private:
  void do_accept();
  void on_accept(boost::system::error_code ec,
                 boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::shared_ptr<shared_state> state_;
};

} // namespace cafe::chat::http
