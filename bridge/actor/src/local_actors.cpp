#include "local_actors.hpp"

#include "actor_process.hpp"

#include <caf/actor_cast.hpp>

namespace cafe::actor {

local_actors::local_actors(node::node& node) : node_(node) {
  // nop
}

caf::strong_actor_ptr local_actors::find(const etf::pid& pid) const {
  std::lock_guard guard{mtx_};
  if (auto i = actors_.find(pid); i != actors_.end())
    return caf::actor_cast<caf::strong_actor_ptr>(i->second.ptr);
  return nullptr;
}

std::pair<etf::pid, bool>
local_actors::bind(const caf::strong_actor_ptr& x, std::optional<delivery> how,
                   const std::weak_ptr<bridge::state>& owner) {
  std::lock_guard guard{mtx_};
  if (auto i = pids_.find(x->id()); i != pids_.end()) {
    if (how)
      actors_[i->second].proc->set_delivery(*how);
    return {i->second, false};
  }
  // The node learns of the process before the lock goes: whoever finds the
  // pid here may send from it at once, and replies must find their way.
  auto pid = node_.make_pid();
  auto proc = std::make_shared<actor_process>(x, pid, owner);
  if (how)
    proc->set_delivery(*how);
  pids_.emplace(x->id(), pid);
  actors_.emplace(pid, local_entry{caf::actor_cast<caf::weak_actor_ptr>(x),
                                   x->id(), proc});
  node_.add_process(pid, std::move(proc));
  return {pid, true};
}

std::shared_ptr<actor_process> local_actors::remove(const etf::pid& pid) {
  std::lock_guard guard{mtx_};
  auto i = actors_.find(pid);
  if (i == actors_.end())
    return nullptr;
  pids_.erase(i->second.id);
  auto result = std::move(i->second.proc);
  actors_.erase(i);
  return result;
}

local_actors::entry_map local_actors::take_all() {
  entry_map result;
  std::lock_guard guard{mtx_};
  result.swap(actors_);
  pids_.clear();
  return result;
}

size_t local_actors::size() const {
  std::lock_guard guard{mtx_};
  return actors_.size();
}

} // namespace cafe::actor
