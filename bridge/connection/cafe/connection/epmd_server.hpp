#pragma once

#include "cafe/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::connection {

/// An EPMD inside the node, for machines without a running epmd: real
/// `erl` nodes register with it and `epmd -names` lists them. It follows
/// epmd's rules (cafe::epmd::session/registry) and serves until stopped.
class epmd_server {
public:
  virtual ~epmd_server();

  /// Listens on `address:port` (loopback by default).
  static expected<std::shared_ptr<epmd_server>, std::string>
  start(boost::asio::io_context& io, const std::string& address,
        uint16_t port);

  virtual uint16_t port() const noexcept = 0;

  virtual void stop() = 0;
};

} // namespace cafe::connection
