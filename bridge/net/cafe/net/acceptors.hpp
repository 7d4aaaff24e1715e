#pragma once

#include "cafe/expected.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace cafe::net {

/// Opens, binds and listens one acceptor per address, all on one port: the
/// first bind picks it when `port` is 0. Returns the port. Acceptors are
/// appended to `acceptors`, which must not be resized while they accept
/// (handlers keep references to the elements).
template <class Executor>
expected<uint16_t, std::string>
listen_on(const Executor& ex, const std::vector<std::string>& addresses,
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

/// Whether `address` (an IP address in text) is the wildcard address.
inline bool is_any_address(const std::string& address) {
  return address == "0.0.0.0" || address == "::";
}

} // namespace cafe::net
