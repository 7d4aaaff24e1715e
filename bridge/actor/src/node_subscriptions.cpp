#include "node_subscriptions.hpp"

#include <algorithm>
#include <caf/actor_cast.hpp>
#include <utility>

namespace cafe::actor {

void node_subscriptions::add_watcher(caf::weak_actor_ptr x) {
  std::lock_guard guard{mtx_};
  watchers_.push_back(std::move(x));
}

void node_subscriptions::remove_watcher(const caf::weak_actor_ptr& x) {
  std::lock_guard guard{mtx_};
  watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), x),
                  watchers_.end());
}

void node_subscriptions::add_monitor(etf::atom node, caf::weak_actor_ptr x) {
  std::lock_guard guard{mtx_};
  monitors_[node].push_back(std::move(x));
}

bool node_subscriptions::remove_monitor(etf::atom node,
                                        const caf::weak_actor_ptr& x) {
  std::lock_guard guard{mtx_};
  auto i = monitors_.find(node);
  if (i == monitors_.end())
    return false;
  auto& xs = i->second;
  auto j = std::find(xs.begin(), xs.end(), x);
  if (j == xs.end())
    return false;
  xs.erase(j);
  return true;
}

std::vector<caf::strong_actor_ptr> node_subscriptions::nodeup(etf::atom peer,
                                                              bool published) {
  std::vector<caf::strong_actor_ptr> result;
  if (!published)
    return result;
  std::lock_guard guard{mtx_};
  visible_.insert(peer);
  collect_watchers(result);
  return result;
}

std::vector<caf::strong_actor_ptr>
node_subscriptions::nodedown(etf::atom peer) {
  std::vector<caf::strong_actor_ptr> result;
  std::vector<caf::weak_actor_ptr> one_shot;
  {
    std::lock_guard guard{mtx_};
    if (visible_.erase(peer) > 0)
      collect_watchers(result);
    if (auto i = monitors_.find(peer); i != monitors_.end()) {
      one_shot = std::move(i->second);
      monitors_.erase(i);
    }
  }
  for (auto& w : one_shot)
    if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(w))
      result.push_back(std::move(ptr));
  return result;
}

void node_subscriptions::collect_watchers(
  std::vector<caf::strong_actor_ptr>& out) {
  for (auto i = watchers_.begin(); i != watchers_.end();) {
    if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(*i)) {
      out.push_back(std::move(ptr));
      ++i;
    } else {
      i = watchers_.erase(i);
    }
  }
}

} // namespace cafe::actor
