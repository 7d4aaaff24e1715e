#pragma once

#include "cafe/discovery/plugin.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

struct local_epmd_options {
  /// The EPMD asked (this host's, as for libcluster's LocalEpmd).
  std::string epmd_address = "127.0.0.1";
  uint16_t epmd_port = 4369;
  /// How often EPMD is asked again (libcluster asks once, at start).
  std::chrono::milliseconds interval{std::chrono::seconds{5}};
};

/// libcluster's `Cluster.Strategy.LocalEpmd`: every node registered with
/// the local EPMD (`NAMES_REQ`), named `name@<our host>`, polled every
/// `interval`, so nodes started later join and nodes gone are let go.
class local_epmd : public plugin {
public:
  /// `self` is this node's name: its host part names the peers' host.
  local_epmd(boost::asio::io_context& io, etf::atom self,
             local_epmd_options opts = {});

  ~local_epmd() override;

  std::string_view name() const noexcept override;

  void start(sink& to) override;

  void stop() override;

  struct state;

private:
  std::shared_ptr<state> state_;
};

} // namespace cafe::discovery
