#pragma once

#include "cafe/connection/dist_connection.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace cafe::connection {

/// Accepts distribution connections and runs the acceptor side of the
/// handshake on each, reporting to the node through `owner`.
class listener {
public:
  virtual ~listener();

  /// Binds `address:port` (port 0: any) and starts accepting.
  static expected<std::shared_ptr<listener>, std::string>
  start(boost::asio::io_context& io, const settings& cfg,
        std::weak_ptr<owner> node, const std::string& address,
        uint16_t port);

  /// The bound port (what EPMD tells peers).
  virtual uint16_t port() const noexcept = 0;

  virtual void stop() = 0;
};

} // namespace cafe::connection
