#pragma once

#include "rooms/context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cafe::chat::rooms {

/// The rooms of this node by name; opening a room that does not exist
/// starts its actor. Rooms live until `stop`, with their history.
/// Thread-safe.
class directory {
public:
  directory(caf::actor_system& sys, context_ptr ctx);

  /// The room `name` (valid by `valid_room_name`), started if needed.
  caf::actor open(const std::string& name);

  std::optional<caf::actor> find(const std::string& name) const;

  std::vector<std::string> names() const;

  size_t size() const;

  /// Ends every room.
  void stop();

private:
  caf::actor_system& sys_;
  context_ptr ctx_;
  mutable std::mutex mtx_;
  std::map<std::string, caf::actor> rooms_;
  bool stopped_ = false;
};

} // namespace cafe::chat::rooms
