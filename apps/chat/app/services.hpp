#pragma once

#include "rooms/context.hpp"
#include "rooms/directory.hpp"

#include <memory>

namespace cafe::node {
class node;
}

namespace cafe::chat::app {

/// What the web side of the chat uses of the rest: the rooms, their
/// shared context and the node (for /readyz and /metrics).
struct services {
  rooms::context_ptr ctx;
  std::shared_ptr<rooms::directory> rooms;
  std::weak_ptr<node::node> node;
  /// Messages per second a client may post, and how many at once.
  double rate_per_second = 5;
  double rate_burst = 10;
  /// /readyz waits for a peer only when discovery is configured.
  bool discovery_configured = false;
};

using services_ptr = std::shared_ptr<const services>;

} // namespace cafe::chat::app
