#pragma once

#include "cafe/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace cafe::node {

/// Where a peer node accepts distribution connections.
struct peer_endpoint {
  /// An IP address in text.
  std::string address;
  uint16_t port = 0;
};

/// How a node makes itself known and finds its peers: the seam OTP calls
/// the epmd module (`-epmd_module`: register_node, address_please,
/// port_please). EPMD is the default (`make_epmd_registrar`); a fixed port
/// without EPMD is erl's `-erl_epmd_port` (`make_fixed_port_registrar`);
/// discovery may bring its own.
class registrar {
public:
  virtual ~registrar();

  /// The port the distribution listener should bind, given the configured
  /// one (0: the kernel chooses).
  virtual uint16_t listen_port(uint16_t configured) const;

  /// Announces the node `alive` listening on `port` and returns its
  /// creation. Called once, at start-up, from a thread that is not an io
  /// thread (it may block until the io threads have done the work).
  virtual expected<uint32_t, std::string>
  announce(const std::string& alive, uint16_t port) = 0;

  /// Finds where the node `alive@host` listens; `done` runs once, on an io
  /// thread, within `timeout`.
  using lookup_handler
    = std::function<void(expected<peer_endpoint, std::string>)>;
  virtual void lookup(const std::string& alive, const std::string& host,
                      std::chrono::milliseconds timeout, lookup_handler done)
    = 0;

  /// Withdraws the announcement (the node stops).
  virtual void withdraw() = 0;

  /// Whether an EPMD runs inside this node for it.
  virtual bool runs_embedded_epmd() const noexcept;
};

} // namespace cafe::node
