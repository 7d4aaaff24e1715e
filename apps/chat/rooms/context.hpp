#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/groups/topics.hpp"
#include "rooms/census.hpp"
#include "rooms/peers.hpp"

#include <atomic>
#include <caf/actor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace cafe::chat::rooms {

class directory;

struct chat_config {
  /// Messages kept per room.
  size_t history = 100;
  /// Longest message body in bytes.
  size_t max_body = 2000;
  /// How often a node tells its presences, and how many silent ticks make
  /// a node count as gone.
  std::chrono::milliseconds tick{1000};
  int silent_ticks = 3;
  /// How long a new room waits for the other nodes' history before it
  /// answers its first joins.
  std::chrono::milliseconds history_wait{1000};
  /// With discovery configured, a node that has just started expects peers:
  /// for this long after the start, a new room waits for the first peer's
  /// history (or the end of this window) before it answers joins, so a
  /// client that reconnects to a restarted node gets the history.
  std::chrono::milliseconds startup_wait{3000};
};

/// Counters for /metrics.
struct chat_stats {
  /// Phoenix sockets open on this node (a gauge).
  std::atomic<uint64_t> clients{0};
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> messages_rejected{0};
  std::atomic<uint64_t> deliveries{0};
  std::atomic<uint64_t> pubsub_out{0};
  std::atomic<uint64_t> pubsub_in{0};
  std::atomic<uint64_t> joins{0};
};

/// What rooms and the presence keeper share.
struct context {
  std::string node_name;
  chat_config cfg;
  /// Discovery is configured: peers are expected (see `startup_wait`).
  bool expect_peers = false;
  std::chrono::steady_clock::time_point started
    = std::chrono::steady_clock::now();
  std::shared_ptr<actor::bridge> bridge;
  std::shared_ptr<groups::topics> topics;
  std::shared_ptr<rooms::peers> peers;
  std::shared_ptr<chat_stats> stats = std::make_shared<chat_stats>();
  std::shared_ptr<rooms::census> census = std::make_shared<rooms::census>();
  /// Set once, before the first room starts.
  caf::actor keeper;
  std::weak_ptr<rooms::directory> rooms;
};

using context_ptr = std::shared_ptr<const context>;

/// Milliseconds since the Unix epoch.
int64_t now_ms();

} // namespace cafe::chat::rooms
