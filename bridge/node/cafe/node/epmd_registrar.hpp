#pragma once

#include "cafe/node/registrar.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::node {

/// Where the EPMD registrar registers and looks up.
struct epmd_settings {
  /// The EPMD this node registers with: the local one, as for `erl`.
  std::string address = "127.0.0.1";
  uint16_t port = 4369;
  /// Start an EPMD inside the node when none answers at `address:port`.
  bool embedded = true;
  /// Where an embedded EPMD listens (epmd's `ERL_EPMD_ADDRESS` rules:
  /// empty is every interface).
  std::vector<std::string> listen_addresses;
};

/// The registrar `erl` uses: registers with the local EPMD (starting one
/// inside the node if none runs) and asks the EPMD on a peer's host for
/// its port, after resolving the host as the BEAM does.
std::shared_ptr<registrar> make_epmd_registrar(boost::asio::io_context& io,
                                               epmd_settings cfg);

/// erl's `-erl_epmd_port PORT`: every node listens on `port` of its host,
/// so a lookup only resolves the host and no EPMD is needed. Like erl, the
/// node still registers with a local EPMD when one answers; otherwise its
/// creation is random.
std::shared_ptr<registrar>
make_fixed_port_registrar(boost::asio::io_context& io, uint16_t port,
                          epmd_settings local_epmd);

} // namespace cafe::node
