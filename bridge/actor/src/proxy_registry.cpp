#include "proxy_registry.hpp"

#include "erlang_proxy.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/make_actor.hpp>
#include <caf/uri.hpp>
#include <string>

namespace cafe::actor {

namespace {

etf::atom node_of(const proxy_target& target) {
  if (auto p = std::get_if<etf::pid>(&target))
    return p->node;
  return std::get<registered_name>(target).node;
}

} // namespace

proxy_registry::proxy_registry(caf::actor_system& sys) : sys_(sys) {
  // nop
}

caf::strong_actor_ptr
proxy_registry::get_or_put(const proxy_target& target,
                           const std::weak_ptr<bridge::state>& owner) {
  // Strong references taken under the lock are released after it: the last
  // one runs a proxy's destructor, which takes the lock itself.
  caf::strong_actor_ptr result;
  caf::strong_actor_ptr stale;
  std::lock_guard guard{mtx_};
  auto& slot = std::holds_alternative<etf::pid>(target)
                 ? pid_proxies_[std::get<etf::pid>(target)]
                 : name_proxies_[std::get<registered_name>(target)];
  result = caf::actor_cast<caf::strong_actor_ptr>(slot);
  // A name can be registered again after its process ended: a new proxy.
  if (result && static_cast<erlang_proxy*>(result->get())->dead()
      && std::holds_alternative<registered_name>(target))
    stale.swap(result);
  if (!result) {
    caf::actor_config cfg;
    result = caf::make_actor<erlang_proxy, caf::strong_actor_ptr>(
      sys_.next_actor_id(), node_id_of(node_of(target)), &sys_, cfg, target,
      owner);
    slot = caf::actor_cast<caf::weak_actor_ptr>(result);
  }
  return result;
}

void proxy_registry::erase(const proxy_target& target,
                           caf::actor_control_block* p) {
  std::lock_guard guard{mtx_};
  if (auto pid = std::get_if<etf::pid>(&target)) {
    if (auto i = pid_proxies_.find(*pid);
        i != pid_proxies_.end() && i->second.get() == p)
      pid_proxies_.erase(i);
  } else if (auto i = name_proxies_.find(std::get<registered_name>(target));
             i != name_proxies_.end() && i->second.get() == p) {
    name_proxies_.erase(i);
  }
}

std::vector<caf::strong_actor_ptr> proxy_registry::live() const {
  std::vector<caf::strong_actor_ptr> result;
  std::lock_guard guard{mtx_};
  for (auto& [pid, w] : pid_proxies_)
    if (auto p = caf::actor_cast<caf::strong_actor_ptr>(w))
      result.push_back(std::move(p));
  for (auto& [name, w] : name_proxies_)
    if (auto p = caf::actor_cast<caf::strong_actor_ptr>(w))
      result.push_back(std::move(p));
  return result;
}

size_t proxy_registry::size() const {
  // A proxy's entry goes with its destructor.
  std::lock_guard guard{mtx_};
  return pid_proxies_.size() + name_proxies_.size();
}

caf::node_id proxy_registry::node_id_of(etf::atom peer) {
  // CAF prints and compares proxies by node: each Erlang node gets an id of
  // its own.
  if (auto i = node_ids_.find(peer); i != node_ids_.end())
    return i->second;
  caf::node_id result;
  if (auto u = caf::make_uri("erlang://" + std::string{peer.text()}))
    result = caf::make_node_id(std::move(*u));
  node_ids_.emplace(peer, result);
  return result;
}

} // namespace cafe::actor
