#include "rooms/directory.hpp"

#include "rooms/room.hpp"

#include <caf/send.hpp>

namespace cafe::chat::rooms {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

directory::directory(caf::actor_system& sys, context_ptr ctx)
  : sys_(sys), ctx_(std::move(ctx)) {
  // nop
}

caf::actor directory::open(const std::string& name) {
  std::lock_guard guard{mtx_};
  if (auto i = rooms_.find(name); i != rooms_.end())
    return i->second;
  if (stopped_)
    return {};
  auto r = sys_.spawn(room, ctx_, name);
  rooms_.emplace(name, r);
  return r;
}

std::optional<caf::actor> directory::find(const std::string& name) const {
  std::lock_guard guard{mtx_};
  if (auto i = rooms_.find(name); i != rooms_.end())
    return i->second;
  return std::nullopt;
}

std::vector<std::string> directory::names() const {
  std::lock_guard guard{mtx_};
  std::vector<std::string> result;
  for (auto& [name, r] : rooms_)
    result.push_back(name);
  return result;
}

size_t directory::size() const {
  std::lock_guard guard{mtx_};
  return rooms_.size();
}

void directory::stop() {
  std::map<std::string, caf::actor> rooms;
  {
    std::lock_guard guard{mtx_};
    stopped_ = true;
    rooms.swap(rooms_);
  }
  for (auto& [name, r] : rooms)
    caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
}

} // namespace cafe::chat::rooms
