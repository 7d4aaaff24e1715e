#pragma once

#include "cafe/epmd/node_info.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::epmd {

/// A node's registration with EPMD: the TCP connection that must stay open
/// while the node is distributed (closing it unregisters the node).
class registration {
public:
  virtual ~registration();

  uint32_t creation() const noexcept {
    return creation_;
  }

  /// Unregisters by closing the connection.
  virtual void close() = 0;

protected:
  uint32_t creation_ = 0;
};

/// EPMD requests over Asio. The blocking forms are for start-up and other
/// non-io threads (they wait for the io_context to do the work, so it must
/// be running); every request is bounded by a timeout, and errors are
/// one-line reasons.
namespace client {

/// ALIVE2_REQ to the EPMD at `address:port`; keeps the connection.
expected<std::unique_ptr<registration>, std::string>
register_node(boost::asio::io_context& io, const std::string& address,
              uint16_t epmd_port, const node_info& node,
              std::chrono::milliseconds timeout);

/// PORT_PLEASE2_REQ for the alive name `name` at `host:epmd_port`.
expected<node_info, std::string>
port_please(boost::asio::io_context& io, const std::string& host,
            uint16_t epmd_port, const std::string& name,
            std::chrono::milliseconds timeout);

/// `port_please` without blocking: `done` runs on an io_context thread.
void async_port_please(
  boost::asio::io_context& io, const std::string& host, uint16_t epmd_port,
  const std::string& name, std::chrono::milliseconds timeout,
  std::function<void(expected<node_info, std::string>)> done);

/// NAMES_REQ at `host:epmd_port` without blocking: `done` runs on an
/// io_context thread.
void async_names(boost::asio::io_context& io, const std::string& host,
                 uint16_t epmd_port, std::chrono::milliseconds timeout,
                 std::function<void(expected<names_resp, std::string>)> done);

/// NAMES_REQ at `host:epmd_port`.
expected<names_resp, std::string>
names(boost::asio::io_context& io, const std::string& host, uint16_t epmd_port,
      std::chrono::milliseconds timeout);

/// Whether something accepts TCP connections on `address:port`.
bool reachable(boost::asio::io_context& io, const std::string& address,
               uint16_t port, std::chrono::milliseconds timeout);

} // namespace client

} // namespace cafe::epmd
