#pragma once

// Private to cafe::connection: what the listener and the embedded EPMD share
// with the connection code. Not installed.

#include "cafe/connection/dist_connection.hpp"
#include "cafe/expected.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

namespace cafe::connection::detail {

/// Runs the acceptor side of the handshake on a freshly accepted socket.
void start_accepted(boost::asio::io_context& io,
                    boost::asio::ip::tcp::socket sock, const settings& cfg,
                    std::weak_ptr<owner> node);

/// Opens, binds and listens one acceptor per address, all on one port: the
/// first bind picks it when `port` is 0. Returns the port.
template <class Executor>
expected<uint16_t, std::string>
bind_all(const Executor& ex, const std::vector<std::string>& addresses,
         uint16_t port,
         std::vector<boost::asio::ip::tcp::acceptor>& acceptors) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  for (auto& address : addresses) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(address, ec);
    if (ec)
      return unexpected{"bad address " + address + ": " + ec.message()};
    tcp::endpoint ep{addr, port};
    auto& acc = acceptors.emplace_back(ex);
    acc.open(ep.protocol(), ec);
    if (!ec)
      acc.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acc.bind(ep, ec);
    if (!ec)
      acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return unexpected{"cannot listen on " + address + ":"
                        + std::to_string(port) + ": " + ec.message()};
    port = acc.local_endpoint().port();
  }
  return port;
}

} // namespace cafe::connection::detail
