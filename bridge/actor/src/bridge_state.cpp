// The bridge's shared state (bridge_state.hpp): the operations that span
// its parts and the node.

#include "bridge_state.hpp"

#include "actor_process.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/distribution/flags.hpp"
#include "cafe/node/gen_call.hpp"
#include "erlang_proxy.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <functional>
#include <vector>

namespace cafe::actor {

namespace {

/// The pid of messages without a CAF sender: replies to it vanish, as
/// they would for a process that already ended.
class anonymous_process : public node::local_process {
public:
  void deliver(const std::optional<etf::pid>&, etf::term) override {
    // nop
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // nop
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {
    // nop
  }
};

const etf::term& normal() {
  static const etf::term x{etf::atom{"normal"}};
  return x;
}

} // namespace

bridge::state::state(caf::actor_system& sys, std::shared_ptr<node::node> n,
                     type_registry ts)
  : sys_(sys), node_(std::move(n)), types_(std::move(ts)), actors_(*node_),
    proxies_(sys) {
  anonymous_ = node_->make_pid();
  node_->add_process(anonymous_, std::make_shared<anonymous_process>());
}

bridge::state::~state() {
  // nop
}

caf::actor bridge::state::actor_of(const etf::pid& x) {
  if (x.node == node_->name())
    if (auto local = actors_.find(x))
      return caf::actor_cast<caf::actor>(std::move(local));
  return caf::actor_cast<caf::actor>(proxy_for(x));
}

etf::pid bridge::state::pid_of(const caf::strong_actor_ptr& x) {
  return bind(x, std::nullopt);
}

etf::pid bridge::state::pid_of_locked(const caf::strong_actor_ptr& x) {
  return bind(x, std::nullopt, true);
}

etf::pid bridge::state::bind(const caf::strong_actor_ptr& x,
                             std::optional<delivery> how, bool locked) {
  if (!x)
    return anonymous_;
  if (auto proxy = dynamic_cast<erlang_proxy*>(x->get())) {
    if (auto p = std::get_if<etf::pid>(&proxy->target()))
      return *p;
    return anonymous_; // a name has no pid to give
  }
  auto [pid, fresh] = actors_.bind(x, how, weak_from_this());
  if (fresh)
    attach_exit_hook(x, pid, locked);
  return pid;
}

void bridge::state::attach_exit_hook(const caf::strong_actor_ptr& x,
                                     const etf::pid& pid, bool locked) {
  // Runs at once if the actor is gone already; then the pid is dead too.
  auto on_exit = [weak = weak_from_this(), pid](const caf::error& reason) {
    if (auto self = weak.lock())
      self->process_exited(pid, reason);
  };
  if (locked) {
    // With arguments: CAF 0.17's argument-less spawn trips UBSan.
    using hook = std::function<void(const caf::error&)>;
    sys_.spawn<caf::hidden>(
      [](caf::event_based_actor*, caf::strong_actor_ptr target, hook fn) {
        target->get()->attach_functor(std::move(fn));
      },
      x, hook{std::move(on_exit)});
  } else {
    x->get()->attach_functor(std::move(on_exit));
  }
}

caf::strong_actor_ptr bridge::state::proxy_for(const proxy_target& target) {
  return proxies_.get_or_put(target, weak_from_this());
}

void bridge::state::proxy_destroyed(const proxy_target& target,
                                    caf::actor_control_block* p) {
  proxies_.erase(target, p);
}

void bridge::state::process_exited(const etf::pid& pid,
                                   const caf::error& reason) {
  // Released at the end, outside any lock: it holds a reference to the
  // actor.
  auto proc = actors_.remove(pid);
  if (!proc)
    return;
  // Not atomic with the removal: a reply or DOWN taking one of these calls
  // in between goes to the ended actor, as any message to the pid does
  // until the node lets go of it below.
  calls_.drop(pid);
  node_->remove_process(pid, to_exit_term(reason));
}

caf::message_id bridge::state::next_request_id() {
  auto n = next_request_.fetch_add(1) & caf::message_id::request_id_mask;
  return caf::make_message_id(n);
}

void bridge::state::call(const caf::strong_actor_ptr& from, caf::message_id mid,
                         const caf::strong_actor_ptr& callee,
                         const proxy_target& target, const etf::term& msg) {
  auto caller = pid_of(from);
  auto ref = node_->make_ref();
  calls_.add(ref, outgoing_call{caller, mid,
                                caf::actor_cast<caf::weak_actor_ptr>(callee)});
  // As in gen:call, the tag is a monitor on the callee: a callee that is
  // gone, or goes, fails the call with the DOWN reason at once.
  if (auto p = std::get_if<etf::pid>(&target)) {
    node_->monitor(caller, etf::term{*p}, p->node, ref);
  } else {
    auto& n = std::get<registered_name>(target);
    node_->monitor(caller, etf::term{n.name}, n.node, ref);
  }
  send(from, target, node::make_gen_call(caller, ref, msg));
}

std::optional<outgoing_call>
bridge::state::take_call(const etf::pid& caller, const etf::reference& ref) {
  return calls_.take(caller, ref);
}

void bridge::state::send(const caf::strong_actor_ptr& from,
                         const proxy_target& target, const etf::term& msg) {
  auto self = pid_of(from);
  // CAF senders never block: the message is queued past the busy limit.
  if (auto p = std::get_if<etf::pid>(&target))
    node_->send(self, *p, msg, true);
  else {
    auto& n = std::get<registered_name>(target);
    node_->send(self, n.name, n.node, msg, true);
  }
}

void bridge::state::on_node(etf::atom peer, bool up) {
  if (!up) {
    for (auto& s : subscriptions_.nodedown(peer))
      caf::anon_send(caf::actor_cast<caf::actor>(s), nodedown_atom::value,
                     peer);
    return;
  }
  // The node reports every connection; monitor_nodes(true) only visible
  // nodes (published), and a nodedown only after their nodeup.
  auto conn = node_->connection_to(peer);
  auto published = conn && (conn->flags() & distribution::flag::published) != 0;
  for (auto& s : subscriptions_.nodeup(peer, published))
    caf::anon_send(caf::actor_cast<caf::actor>(s), nodeup_atom::value, peer);
}

void bridge::state::monitor_nodes(const caf::actor& subscriber) {
  subscriptions_.add_watcher(caf::actor_cast<caf::weak_actor_ptr>(subscriber));
}

void bridge::state::demonitor_nodes(const caf::actor& subscriber) {
  subscriptions_.remove_watcher(
    caf::actor_cast<caf::weak_actor_ptr>(subscriber));
}

void bridge::state::monitor_node(const caf::actor& subscriber, etf::atom peer) {
  auto weak_sub = caf::actor_cast<caf::weak_actor_ptr>(subscriber);
  subscriptions_.add_monitor(peer, weak_sub);
  // Like erlang:monitor_node/2: connect, and report at once if that fails.
  node_->connect(peer, [weak = weak_from_this(), weak_sub, peer](bool ok) {
    auto self = weak.lock();
    if (ok || !self)
      return;
    auto listed = self->subscriptions_.remove_monitor(peer, weak_sub);
    if (auto sub = caf::actor_cast<caf::actor>(weak_sub); sub && listed)
      caf::anon_send(sub, nodedown_atom::value, peer);
  });
}

void bridge::state::shutdown() {
  // The actors may live on, but not as Erlang processes: their pids end
  // now, so Erlang monitors and links on them fire, and the node lets go of
  // them (an actor nobody else holds then ends as unreachable). Released
  // last, outside any lock: the last reference to an actor ends it.
  auto entries = actors_.take_all();
  calls_.clear();
  for (auto& [pid, entry] : entries)
    node_->remove_process(pid, etf::term{etf::atom{"shutdown"}});
  node_->remove_process(anonymous_, normal());
  // Proxies may outlive the bridge in actors' hands; their monitors end
  // now.
  auto proxies = proxies_.live();
  for (auto& p : proxies)
    static_cast<erlang_proxy*>(p->get())->release_monitor();
}

size_t bridge::state::process_count() const {
  return actors_.size();
}

size_t bridge::state::proxy_count() const {
  return proxies_.size();
}

} // namespace cafe::actor
