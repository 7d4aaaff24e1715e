#pragma once

#include "cafe/connection/dist_connection.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cafe::connection {

/// Accepts distribution connections and runs the acceptor side of the
/// handshake on each, reporting to the node through `owner`.
class listener {
public:
  virtual ~listener();

  /// Binds every address of `addresses` on one port (port 0: the kernel
  /// picks one) and listens. Peers queue in the backlog until `run`: the
  /// node learns its port first, registers it with EPMD, and only then
  /// knows the creation its handshakes need.
  static expected<std::shared_ptr<listener>, std::string>
  bind(boost::asio::io_context& io, const std::vector<std::string>& addresses,
       uint16_t port);

  /// Starts accepting.
  virtual void run(const settings& cfg, std::weak_ptr<owner> node) = 0;

  /// The bound port (what EPMD tells peers).
  virtual uint16_t port() const noexcept = 0;

  virtual void stop() = 0;
};

} // namespace cafe::connection
