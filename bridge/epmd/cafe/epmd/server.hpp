#pragma once

#include "cafe/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

  /// Listens on `port` at every address of `addresses` (loopback ones:
  /// 127.0.0.1 and whatever the host name resolves to, so that peers that
  /// look the host up find it).
  static expected<std::shared_ptr<epmd_server>, std::string>
  start(boost::asio::io_context& io, const std::vector<std::string>& addresses,
        uint16_t port);

  virtual uint16_t port() const noexcept = 0;

  virtual void stop() = 0;
};

} // namespace cafe::connection
