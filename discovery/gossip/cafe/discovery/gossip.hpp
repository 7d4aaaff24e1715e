#pragma once

#include "cafe/discovery/plugin.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

/// libcluster Gossip's `config:` keys, with its defaults (3.5.0).
struct gossip_options {
  /// `port`: the UDP port every node binds and sends to.
  uint16_t port = 45892;
  /// `if_addr`: the address the socket binds. Leave it at 0.0.0.0: a socket
  /// bound to a unicast address never receives the group's packets (the
  /// same holds for libcluster).
  std::string if_addr = "0.0.0.0";
  /// `multicast_addr`: the group (or, with `broadcast_only`, the broadcast
  /// address) heartbeats go to. Unset: 233.252.1.32 (libcluster 3.3+;
  /// older releases used 230.1.1.251), or 255.255.255.255 with
  /// `broadcast_only`.
  std::optional<std::string> multicast_addr;
  /// `multicast_if`: the interface (by address) heartbeats leave from and
  /// the group is joined on. Unset: the kernel's choice by route.
  std::optional<std::string> multicast_if;
  /// `multicast_ttl`.
  int multicast_ttl = 1;
  /// `broadcast_only`: no multicast options; heartbeats go to the broadcast
  /// address `multicast_addr`.
  bool broadcast_only = false;
  /// `secret`: heartbeats are AES-256-CBC encrypted under SHA-256(secret);
  /// plaintext ones (and those under another secret) are dropped.
  std::optional<std::string> secret;
  /// A fixed heartbeat interval (cafe's own). Unset: libcluster's, a
  /// random 1..5000 ms after each heartbeat (`:rand.uniform(5_000)`).
  std::optional<std::chrono::milliseconds> interval;
  /// How long to wait before opening the socket again when it fails (the
  /// port taken by a process without SO_REUSEADDR, no multicast route).
  std::chrono::milliseconds retry{std::chrono::seconds{5}};

  /// The group or broadcast address heartbeats go to.
  std::string destination() const;
};

/// Counters, for tests and diagnostics.
struct gossip_stats {
  uint64_t sent = 0;
  uint64_t received = 0;
  /// Heartbeats of other nodes reported to the sink.
  uint64_t heard = 0;
  /// Undecodable packets: garbage, plaintext under a secret, another
  /// secret.
  uint64_t dropped = 0;
};

/// libcluster's `Cluster.Strategy.Gossip`, wire-compatible with 3.5: every
/// node sends `heartbeat::` + term_to_binary(%{node: node()}) (encrypted
/// with a secret) to a multicast group, or a broadcast address, and binds
/// the same port to hear the others. A heartbeat from another node makes it
/// wanted (`sink::heard`) for the keeper's grace period; the keeper
/// connects it, as libcluster's connect_nodes does.
///
/// The socket binds `if_addr:port` with SO_REUSEADDR (so several nodes on
/// one host share the port), sets SO_BROADCAST, joins the group (on
/// `multicast_if`, else the kernel's choice) with loopback on and the TTL,
/// and sends heartbeats from that socket, as libcluster does. Packets that
/// do not decode are dropped, and logged once per sender address and port.
class gossip : public plugin {
public:
  /// `self` is this node's name: announced, and ignored when heard.
  gossip(boost::asio::io_context& io, etf::atom self, gossip_options opts);

  ~gossip() override;

  std::string_view name() const noexcept override;

  void start(sink& to) override;

  void stop() override;

  gossip_stats stats() const;

  struct state;

private:
  std::shared_ptr<state> state_;
};

} // namespace cafe::discovery
