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

struct broadcast_options {
  /// The UDP port every node listens on and announces to.
  uint16_t port = 45893;
  /// Where announcements go: the network's broadcast address
  /// (`10.10.10.255` for nodes named `name@10.10.10.N`;
  /// `127.255.255.255` on loopback).
  std::string addr = "255.255.255.255";
  /// The address announcements leave from (0.0.0.0: the kernel chooses).
  std::string if_addr = "0.0.0.0";
  /// Shared by every node of the cluster; required.
  std::string secret;
  /// Time between announcements.
  std::chrono::milliseconds interval{std::chrono::seconds{2}};
  /// How far an announcement's timestamp may be from this node's clock.
  std::chrono::milliseconds window{std::chrono::seconds{30}};
};

/// Nodes on one broadcast domain announce themselves with UDP broadcasts
/// signed with a shared secret (broadcast_packet.hpp): each announcement
/// keeps its node wanted for the keeper's grace period. A replayed
/// announcement (not newer than the last one of its node) or one outside
/// the window is dropped; one with another secret is dropped and logged
/// once per sender.
class broadcast : public plugin {
public:
  broadcast(boost::asio::io_context& io, etf::atom self,
            broadcast_options opts);

  ~broadcast() override;

  std::string_view name() const noexcept override;

  void start(sink& to) override;

  void stop() override;

  struct state;

private:
  std::shared_ptr<state> state_;
};

} // namespace cafe::discovery
