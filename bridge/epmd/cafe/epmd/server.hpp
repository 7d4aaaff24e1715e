#pragma once

#include "cafe/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::epmd {

/// An EPMD inside the node, for machines without a running epmd: real
/// `erl` nodes register with it and `epmd -names` lists them. It follows
/// epmd's rules (cafe::epmd::session/registry) and serves until stopped.
class server {
public:
  virtual ~server();

  /// Listens on `port` at `addresses`, by epmd's rules for
  /// `ERL_EPMD_ADDRESS`: none means every interface, and a list without the
  /// loopback address gets 127.0.0.1 added. Only local peers may register.
  static expected<std::shared_ptr<server>, std::string>
  start(boost::asio::io_context& io, const std::vector<std::string>& addresses,
        uint16_t port);

  virtual uint16_t port() const noexcept = 0;

  virtual void stop() = 0;
};

} // namespace cafe::epmd
