// The facade: what users call, in terms of the shared state.

#include "cafe/actor/bridge.hpp"

#include "actor_process.hpp"
#include "bridge_state.hpp"
#include "erlang_proxy.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace cafe::actor {

namespace {

const etf::term& normal() {
  static const etf::term x{etf::atom{"normal"}};
  return x;
}

} // namespace

bridge::bridge(caf::actor_system& sys, std::shared_ptr<node::node> node,
               type_registry types)
  : state_(std::make_shared<state>(sys, std::move(node), std::move(types))) {
  state_->node->monitor_nodes(
    [weak = std::weak_ptr<state>{state_}](etf::atom peer, bool up) {
      if (auto self = weak.lock())
        self->on_node(peer, up);
    });
}

bridge::~bridge() {
  // The actors may live on, but not as Erlang processes: their pids end
  // now, so Erlang monitors and links on them fire, and the node lets go of
  // them (an actor nobody else holds then ends as unreachable).
  std::vector<etf::pid> gone;
  // Released after the lock: the last reference to an actor ends it.
  std::unordered_map<etf::pid, local_entry> entries;
  {
    std::lock_guard guard{state_->mtx};
    for (auto& [pid, ptr] : state_->actors)
      gone.push_back(pid);
    entries.swap(state_->actors);
    state_->pids.clear();
    state_->calls.clear();
  }
  for (auto& pid : gone)
    state_->node->remove_process(pid, etf::term{etf::atom{"shutdown"}});
  state_->node->remove_process(state_->anonymous, normal());
  // Proxies may outlive the bridge in actors' hands; their monitors end
  // now.
  std::vector<caf::strong_actor_ptr> proxies;
  {
    std::lock_guard guard{state_->mtx};
    for (auto& [pid, w] : state_->pid_proxies)
      if (auto p = caf::actor_cast<caf::strong_actor_ptr>(w))
        proxies.push_back(std::move(p));
    for (auto& [name, w] : state_->name_proxies)
      if (auto p = caf::actor_cast<caf::strong_actor_ptr>(w))
        proxies.push_back(std::move(p));
  }
  for (auto& p : proxies)
    static_cast<erlang_proxy*>(p->get())->release_monitor();
}

node::node& bridge::node() const noexcept {
  return *state_->node;
}

const type_registry& bridge::types() const noexcept {
  return state_->types;
}

etf::pid bridge::pid_of(const caf::actor& x) {
  return state_->pid_of(caf::actor_cast<caf::strong_actor_ptr>(x));
}

caf::actor bridge::actor_of(const etf::pid& x) {
  return state_->actor_of(x);
}

caf::actor bridge::remote(etf::atom name, etf::atom node) {
  return caf::actor_cast<caf::actor>(
    state_->proxy_for(registered_name{name, node}));
}

etf::pid bridge::bind(const caf::actor& x, delivery how) {
  return state_->bind(caf::actor_cast<caf::strong_actor_ptr>(x), how);
}

bool bridge::register_name(etf::atom name, const caf::actor& x) {
  return state_->node->register_name(name, pid_of(x));
}

bool bridge::register_name(etf::atom name, const caf::actor& x, delivery how) {
  return state_->node->register_name(name, bind(x, how));
}

void bridge::unregister_name(etf::atom name) {
  state_->node->unregister_name(name);
}

void bridge::monitor_nodes(const caf::actor& subscriber) {
  std::lock_guard guard{state_->mtx};
  state_->node_watchers.push_back(
    caf::actor_cast<caf::weak_actor_ptr>(subscriber));
}

void bridge::demonitor_nodes(const caf::actor& subscriber) {
  auto addr = caf::actor_cast<caf::weak_actor_ptr>(subscriber);
  std::lock_guard guard{state_->mtx};
  auto& ws = state_->node_watchers;
  ws.erase(std::remove(ws.begin(), ws.end(), addr), ws.end());
}

void bridge::monitor_node(const caf::actor& subscriber, etf::atom node) {
  auto weak_sub = caf::actor_cast<caf::weak_actor_ptr>(subscriber);
  {
    std::lock_guard guard{state_->mtx};
    state_->node_monitors[node].push_back(weak_sub);
  }
  // Like erlang:monitor_node/2: connect, and report at once if that fails.
  state_->node->connect(node, [weak = std::weak_ptr<state>{state_}, weak_sub,
                               node](bool ok) {
    auto self = weak.lock();
    if (ok || !self)
      return;
    bool listed = false;
    {
      std::lock_guard guard{self->mtx};
      if (auto i = self->node_monitors.find(node);
          i != self->node_monitors.end()) {
        auto& ws = i->second;
        auto j = std::find(ws.begin(), ws.end(), weak_sub);
        if (j != ws.end()) {
          ws.erase(j);
          listed = true;
        }
      }
    }
    if (auto sub = caf::actor_cast<caf::actor>(weak_sub); sub && listed)
      caf::anon_send(sub, nodedown_atom::value, node);
  });
}

size_t bridge::process_count() const {
  std::lock_guard guard{state_->mtx};
  return state_->actors.size();
}

size_t bridge::proxy_count() const {
  // A proxy's entry goes with its destructor.
  std::lock_guard guard{state_->mtx};
  return state_->pid_proxies.size() + state_->name_proxies.size();
}

} // namespace cafe::actor
