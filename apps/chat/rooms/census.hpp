#pragma once

#include <map>
#include <mutex>
#include <string>

namespace cafe::chat::rooms {

/// Members per room, cluster-wide, as the presence keeper last counted
/// them: read by HTTP handlers without asking an actor. Thread-safe.
class census {
public:
  void update(std::map<std::string, size_t> users_per_room) {
    std::lock_guard guard{mtx_};
    counts_ = std::move(users_per_room);
  }

  std::map<std::string, size_t> snapshot() const {
    std::lock_guard guard{mtx_};
    return counts_;
  }

private:
  mutable std::mutex mtx_;
  std::map<std::string, size_t> counts_;
};

} // namespace cafe::chat::rooms
