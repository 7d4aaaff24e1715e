#include "http/listener.hpp"

#include "cafe/log.hpp"
#include "http/http_session.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace cafe::chat::http {

listener::listener(net::io_context& io, std::shared_ptr<shared_state> state)
  : io_(io), acceptor_(net::make_strand(io)), retry_(acceptor_.get_executor()),
    state_(std::move(state)) {
  // nop
}

expected<uint16_t, std::string> listener::open(const std::string& bind,
                                               uint16_t port) {
  auto try_open = [&](const tcp::endpoint& ep, bool dual) -> error_code {
    error_code ec;
    if (acceptor_.is_open())
      acceptor_.close(ec);
    acceptor_.open(ep.protocol(), ec);
    if (ec)
      return ec;
    if (dual)
      acceptor_.set_option(net::ip::v6_only(false), ec);
    acceptor_.set_option(net::socket_base::reuse_address{true}, ec);
    acceptor_.bind(ep, ec);
    if (ec)
      return ec;
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    return ec;
  };
  error_code ec;
  if (bind.empty()) {
    ec = try_open({net::ip::address_v6::any(), port}, true);
    if (ec)
      ec = try_open({net::ip::address_v4::any(), port}, false);
  } else {
    auto addr = net::ip::make_address(bind, ec);
    if (ec)
      return unexpected{"bad bind address " + bind + ": " + ec.message()};
    ec = try_open({addr, port}, false);
  }
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return unexpected{"cannot listen on " + (bind.empty() ? "*" : bind) + ":"
                      + std::to_string(port) + ": " + ec.message()};
  }
  auto ep = acceptor_.local_endpoint(ec);
  if (ec)
    return unexpected{"cannot read the bound port: " + ec.message()};
  return ep.port();
}

void listener::run() {
  net::post(acceptor_.get_executor(),
            [self = shared_from_this()] { self->do_accept(); });
}

void listener::do_accept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(net::make_strand(io_),
                         [self = shared_from_this()](error_code ec,
                                                     tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open() || state_->stopping())
    return;
  if (ec) {
    // Out of descriptors and the like: pause instead of spinning.
    logger().warn("http: accept failed: {}", ec.message());
    retry_.expires_after(std::chrono::milliseconds{100});
    retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec && self->acceptor_.is_open())
        self->do_accept();
    });
    return;
  }
  if (auto slot = state_->admit())
    run_http_session(std::move(socket), state_, std::move(*slot));
  else
    refuse(std::move(socket));
  do_accept();
}

void listener::refuse(tcp::socket socket) {
  error_code ec;
  auto peer = socket.remote_endpoint(ec);
  logger().warn("http: refused a connection from {}: over max_connections {}",
                ec ? std::string{"?"} : peer.address().to_string(),
                state_->config().max_connections);
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*sock, net::buffer(state_->busy_response()),
                   [sock, state = state_](error_code, size_t) {
                     error_code ignored;
                     sock->shutdown(tcp::socket::shutdown_both, ignored);
                     sock->close(ignored);
                   });
}

} // namespace cafe::chat::http
