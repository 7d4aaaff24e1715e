#include "cafe/pubsub/pubsub.hpp"

#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/node/local_process.hpp"
#include "subscribers.hpp"

namespace cafe::pubsub {

using namespace etf::literals;

etf::term dispatched(etf::atom dispatcher, const std::string& topic,
                     const etf::term& message) {
  return etf::make_tuple("dispatch"_atom, dispatcher, etf::binary{topic},
                         message);
}

/// A PG2 worker: hands what other nodes forward to this node's
/// subscribers. The first worker also holds the subscribers' monitors.
class pubsub::worker : public node::local_process {
public:
  explicit worker(std::weak_ptr<pubsub> owner) : owner_(std::move(owner)) {
    // nop
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    auto owner = owner_.lock();
    if (!owner)
      return;
    if (auto fwd = parse_forward_to_local(msg))
      owner->dispatch(std::nullopt, fwd->topic, fwd->message, fwd->dispatcher);
    else
      cafe::logger().debug("pubsub {}: ignored {}", owner->cfg_.name,
                           etf::to_string(msg));
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // Workers outlive their links.
  }

  void down(const etf::reference& ref, const etf::term& who,
            const etf::term&) override {
    auto owner = owner_.lock();
    if (auto pid = who.get_if<etf::pid>(); owner && pid)
      owner->on_subscriber_down(ref, *pid);
  }

private:
  std::weak_ptr<pubsub> owner_;
};

expected<std::shared_ptr<pubsub>, std::string>
pubsub::start(const std::shared_ptr<node::node>& owner,
              std::shared_ptr<pg::scope> scope, config cfg) {
  if (cfg.pool_size == 0)
    return unexpected{std::string{"pubsub: pool_size must be at least 1"}};
  if (cfg.broadcast_pool_size == 0)
    cfg.broadcast_pool_size = cfg.pool_size;
  if (cfg.broadcast_pool_size > cfg.pool_size)
    return unexpected{
      std::string{"pubsub: broadcast_pool_size exceeds pool_size"}};
  if (!scope || scope->name() != scope_name())
    return unexpected{"pubsub: needs the pg scope "
                      + std::string{scope_name().text()}};
  auto result = std::shared_ptr<pubsub>(new pubsub(owner, scope, cfg));
  for (auto& group : result->groups_) {
    auto pid = owner->make_pid();
    owner->add_process(pid, std::make_shared<worker>(result));
    result->workers_.push_back(pid);
    if (!owner->register_name(group, pid)) {
      result->stop();
      return unexpected{"pubsub " + cfg.name + ": the name "
                        + std::string{group.text()} + " is registered already"};
    }
  }
  // Joined only once all are registered: a peer that sees a member can
  // also reach it by name.
  for (size_t i = 0; i < result->groups_.size(); ++i)
    if (auto ok = scope->join(result->groups_[i], result->workers_[i]); !ok)
      return unexpected{ok.error()};
  return result;
}

pubsub::pubsub(std::shared_ptr<node::node> owner,
               std::shared_ptr<pg::scope> scope, config cfg)
  : owner_(owner), scope_(std::move(scope)), cfg_(std::move(cfg)),
    groups_(group_names(cfg_.name, cfg_.pool_size)),
    subs_(std::make_unique<subscribers>()) {
  // nop
}

pubsub::~pubsub() {
  stop();
}

void pubsub::stop() {
  if (stopped_.exchange(true))
    return;
  auto owner = owner_.lock();
  auto monitors = subs_->clear();
  if (!owner)
    return;
  if (!workers_.empty())
    for (auto& [pid, ref] : monitors)
      owner->demonitor(workers_.front(), ref);
  for (size_t i = 0; i < workers_.size(); ++i) {
    // Leaving first, so that no peer forwards to a worker that is gone.
    (void)scope_->leave(groups_[i], workers_[i]);
    if (owner->whereis(groups_[i]) == workers_[i])
      owner->unregister_name(groups_[i]);
    owner->remove_process(workers_[i], "shutdown"_atom);
  }
}

const config& pubsub::settings() const noexcept {
  return cfg_;
}

const std::vector<etf::atom>& pubsub::groups() const noexcept {
  return groups_;
}

// -- subscribers --------------------------------------------------------------

void pubsub::subscribe(const etf::pid& subscriber, const std::string& topic) {
  auto owner = owner_.lock();
  if (!owner || stopped_)
    return;
  auto ref = owner->make_ref();
  if (subs_->add(subscriber, topic, ref))
    owner->monitor(workers_.front(), subscriber, subscriber.node, ref);
}

void pubsub::unsubscribe(const etf::pid& subscriber, const std::string& topic) {
  auto owner = owner_.lock();
  auto ref = subs_->remove(subscriber, topic);
  if (owner && ref)
    owner->demonitor(workers_.front(), *ref);
}

size_t pubsub::subscriber_count(const std::string& topic) const {
  return subs_->count(topic);
}

void pubsub::on_subscriber_down(const etf::reference& ref,
                                const etf::pid& who) {
  subs_->remove_all(who, ref);
}

// -- publishing ---------------------------------------------------------------

void pubsub::broadcast(const std::string& topic, const etf::term& message,
                       etf::atom dispatcher) {
  forward(workers_.front(), topic, message, dispatcher);
  dispatch(std::nullopt, topic, message, dispatcher);
}

void pubsub::broadcast_from(const etf::pid& from, const std::string& topic,
                            const etf::term& message, etf::atom dispatcher) {
  forward(from, topic, message, dispatcher);
  dispatch(from, topic, message, dispatcher);
}

void pubsub::local_broadcast(const std::string& topic, const etf::term& message,
                             etf::atom dispatcher) {
  dispatch(std::nullopt, topic, message, dispatcher);
}

void pubsub::local_broadcast_from(const etf::pid& from,
                                  const std::string& topic,
                                  const etf::term& message,
                                  etf::atom dispatcher) {
  dispatch(from, topic, message, dispatcher);
}

void pubsub::direct_broadcast(etf::atom node, const std::string& topic,
                              const etf::term& message, etf::atom dispatcher) {
  auto owner = owner_.lock();
  if (!owner || stopped_)
    return;
  if (node == owner->name()) {
    dispatch(std::nullopt, topic, message, dispatcher);
    return;
  }
  auto i = pick_group(workers_.front(), cfg_.broadcast_pool_size);
  owner->send(workers_[i], groups_[i], node,
              forward_to_local(topic, message, dispatcher), true);
}

void pubsub::forward(const etf::pid& broadcaster, const std::string& topic,
                     const etf::term& message, etf::atom dispatcher) {
  auto owner = owner_.lock();
  if (!owner || stopped_)
    return;
  auto i = pick_group(broadcaster, cfg_.broadcast_pool_size);
  std::optional<etf::term> msg;
  for (auto& member : scope_->members(groups_[i])) {
    if (member.node == owner->name())
      continue;
    if (!msg)
      msg = forward_to_local(topic, message, dispatcher);
    owner->send(workers_[i], member, *msg, true);
  }
}

void pubsub::dispatch(const std::optional<etf::pid>& from,
                      const std::string& topic, const etf::term& message,
                      etf::atom dispatcher) {
  auto owner = owner_.lock();
  if (!owner || stopped_)
    return;
  auto targets = subs_->of(topic);
  if (targets.empty())
    return;
  auto msg = dispatcher == default_dispatcher()
               ? message
               : dispatched(dispatcher, topic, message);
  auto& sender = from ? *from : workers_.front();
  for (auto& pid : targets)
    if (!from || !(pid == *from))
      owner->send(sender, pid, msg, true);
}

} // namespace cafe::pubsub
