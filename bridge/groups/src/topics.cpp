#include "cafe/groups/topics.hpp"

namespace cafe::groups {

topics::topics(std::shared_ptr<actor::bridge> br,
               std::shared_ptr<pubsub::pubsub> ps)
  : bridge_(std::move(br)), pubsub_(std::move(ps)) {
  for (auto& name : pubsub_->groups())
    if (auto pid = bridge_->node().whereis(name))
      workers_.push_back(bridge_->actor_of(*pid));
}

pubsub::pubsub& topics::pubsub() const noexcept {
  return *pubsub_;
}

void topics::subscribe(const caf::actor& x, const std::string& topic) {
  pubsub_->subscribe(bridge_->pid_of(x), topic);
}

void topics::unsubscribe(const caf::actor& x, const std::string& topic) {
  pubsub_->unsubscribe(bridge_->pid_of(x), topic);
}

void topics::broadcast(const std::string& topic, const etf::term& msg) const {
  pubsub_->broadcast(topic, msg);
}

void topics::broadcast_from(const caf::actor& sender, const std::string& topic,
                            const etf::term& msg) const {
  pubsub_->broadcast_from(bridge_->pid_of(sender), topic, msg);
}

void topics::local_broadcast(const std::string& topic,
                             const etf::term& msg) const {
  pubsub_->local_broadcast(topic, msg);
}

void topics::local_broadcast_from(const caf::actor& sender,
                                  const std::string& topic,
                                  const etf::term& msg) const {
  pubsub_->local_broadcast_from(bridge_->pid_of(sender), topic, msg);
}

void topics::direct_broadcast(etf::atom node, const std::string& topic,
                              const etf::term& msg) const {
  pubsub_->direct_broadcast(node, topic, msg);
}

} // namespace cafe::groups
