// The facade: what users call, in terms of the shared state.

#include "cafe/actor/bridge.hpp"

#include "bridge_state.hpp"

#include <caf/actor_cast.hpp>

namespace cafe::actor {

bridge::bridge(caf::actor_system& sys, std::shared_ptr<node::node> node,
               type_registry types)
  : state_(std::make_shared<state>(sys, std::move(node), std::move(types))) {
  state_->node().monitor_nodes(
    [weak = std::weak_ptr<state>{state_}](etf::atom peer, bool up) {
      if (auto self = weak.lock())
        self->on_node(peer, up);
    });
}

bridge::~bridge() {
  state_->shutdown();
}

node::node& bridge::node() const noexcept {
  return state_->node();
}

const type_registry& bridge::types() const noexcept {
  return state_->types();
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
  return state_->node().register_name(name, pid_of(x));
}

bool bridge::register_name(etf::atom name, const caf::actor& x, delivery how) {
  return state_->node().register_name(name, bind(x, how));
}

void bridge::unregister_name(etf::atom name) {
  state_->node().unregister_name(name);
}

void bridge::monitor_nodes(const caf::actor& subscriber) {
  state_->monitor_nodes(subscriber);
}

void bridge::demonitor_nodes(const caf::actor& subscriber) {
  state_->demonitor_nodes(subscriber);
}

void bridge::monitor_node(const caf::actor& subscriber, etf::atom node) {
  state_->monitor_node(subscriber, node);
}

size_t bridge::process_count() const {
  return state_->process_count();
}

size_t bridge::proxy_count() const {
  return state_->proxy_count();
}

} // namespace cafe::actor
