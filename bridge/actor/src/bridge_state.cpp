// The bridge's shared state: pids for local actors, the proxies in use,
// outgoing calls and node subscriptions (bridge_state.hpp).

#include "bridge_state.hpp"

#include "actor_process.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/distribution/flags.hpp"
#include "cafe/node/gen_call.hpp"
#include "erlang_proxy.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_actor.hpp>
#include <caf/send.hpp>
#include <caf/uri.hpp>
#include <functional>

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

etf::atom node_of(const proxy_target& target) {
  if (auto p = std::get_if<etf::pid>(&target))
    return p->node;
  return std::get<registered_name>(target).node;
}

} // namespace

bridge::state::state(caf::actor_system& sys_ref, std::shared_ptr<node::node> n,
                     type_registry ts)
  : sys(sys_ref), node(std::move(n)), types(std::move(ts)) {
  anonymous = node->make_pid();
  node->add_process(anonymous, std::make_shared<anonymous_process>());
}

bridge::state::~state() {
  // nop
}

caf::actor bridge::state::actor_of(const etf::pid& x) {
  if (x.node == node->name()) {
    caf::strong_actor_ptr local;
    {
      std::lock_guard guard{mtx};
      if (auto i = actors.find(x); i != actors.end())
        local = caf::actor_cast<caf::strong_actor_ptr>(i->second.ptr);
    }
    if (local)
      return caf::actor_cast<caf::actor>(std::move(local));
  }
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
    return anonymous;
  if (auto proxy = dynamic_cast<erlang_proxy*>(x->get())) {
    if (auto p = std::get_if<etf::pid>(&proxy->target()))
      return *p;
    return anonymous; // a name has no pid to give
  }
  etf::pid pid;
  {
    std::lock_guard guard{mtx};
    if (auto i = pids.find(x->id()); i != pids.end()) {
      if (how)
        actors[i->second].proc->set_delivery(*how);
      return i->second;
    }
    pid = node->make_pid();
    auto proc = std::make_shared<actor_process>(x, pid, weak_from_this());
    if (how)
      proc->set_delivery(*how);
    pids.emplace(x->id(), pid);
    actors.emplace(pid, local_entry{caf::actor_cast<caf::weak_actor_ptr>(x),
                                    x->id(), proc});
    node->add_process(pid, std::move(proc));
  }
  // Runs at once if the actor is gone already; then the pid is dead too.
  auto on_exit = [weak = weak_from_this(), pid](const caf::error& reason) {
    if (auto self = weak.lock())
      self->process_exited(pid, reason);
  };
  if (locked) {
    // With arguments: CAF 0.17's argument-less spawn trips UBSan.
    using hook = std::function<void(const caf::error&)>;
    sys.spawn<caf::hidden>(
      [](caf::event_based_actor*, caf::strong_actor_ptr target, hook fn) {
        target->get()->attach_functor(std::move(fn));
      },
      x, hook{std::move(on_exit)});
  } else {
    x->get()->attach_functor(std::move(on_exit));
  }
  return pid;
}

caf::strong_actor_ptr bridge::state::proxy_for(const proxy_target& target) {
  // Strong references taken under the lock are released after it: the last
  // one runs a proxy's destructor, which takes the lock itself.
  caf::strong_actor_ptr result;
  caf::strong_actor_ptr stale;
  std::lock_guard guard{mtx};
  auto& slot = std::holds_alternative<etf::pid>(target)
                 ? pid_proxies[std::get<etf::pid>(target)]
                 : name_proxies[std::get<registered_name>(target)];
  result = caf::actor_cast<caf::strong_actor_ptr>(slot);
  // A name can be registered again after its process ended: a new proxy.
  if (result && static_cast<erlang_proxy*>(result->get())->dead()
      && std::holds_alternative<registered_name>(target))
    stale.swap(result);
  if (!result) {
    caf::actor_config cfg;
    result = caf::make_actor<erlang_proxy, caf::strong_actor_ptr>(
      sys.next_actor_id(), node_id_of(node_of(target)), &sys, cfg, target,
      weak_from_this());
    slot = caf::actor_cast<caf::weak_actor_ptr>(result);
  }
  return result;
}

void bridge::state::proxy_destroyed(const proxy_target& target,
                                    caf::actor_control_block* p) {
  std::lock_guard guard{mtx};
  if (auto pid = std::get_if<etf::pid>(&target)) {
    if (auto i = pid_proxies.find(*pid);
        i != pid_proxies.end() && i->second.get() == p)
      pid_proxies.erase(i);
  } else if (auto i = name_proxies.find(std::get<registered_name>(target));
             i != name_proxies.end() && i->second.get() == p) {
    name_proxies.erase(i);
  }
}

void bridge::state::process_exited(const etf::pid& pid,
                                   const caf::error& reason) {
  // Released after the lock: it holds a reference to the actor.
  std::shared_ptr<actor_process> proc;
  {
    std::lock_guard guard{mtx};
    auto i = actors.find(pid);
    if (i == actors.end())
      return;
    pids.erase(i->second.id);
    proc = std::move(i->second.proc);
    actors.erase(i);
    for (auto j = calls.begin(); j != calls.end();)
      j = j->second.caller == pid ? calls.erase(j) : std::next(j);
  }
  node->remove_process(pid, to_exit_term(reason));
}

caf::message_id bridge::state::next_request_id() {
  auto n = next_request.fetch_add(1) & caf::message_id::request_id_mask;
  return caf::make_message_id(n);
}

void bridge::state::call(const caf::strong_actor_ptr& from, caf::message_id mid,
                         const caf::strong_actor_ptr& callee,
                         const proxy_target& target, const etf::term& msg) {
  auto caller = pid_of(from);
  auto ref = node->make_ref();
  {
    std::lock_guard guard{mtx};
    calls.emplace(ref,
                  outgoing_call{caller, mid,
                                caf::actor_cast<caf::weak_actor_ptr>(callee)});
  }
  // As in gen:call, the tag is a monitor on the callee: a callee that is
  // gone, or goes, fails the call with the DOWN reason at once.
  if (auto p = std::get_if<etf::pid>(&target)) {
    node->monitor(caller, etf::term{*p}, p->node, ref);
  } else {
    auto& n = std::get<registered_name>(target);
    node->monitor(caller, etf::term{n.name}, n.node, ref);
  }
  send(from, target, node::make_gen_call(caller, ref, msg));
}

std::optional<outgoing_call>
bridge::state::take_call(const etf::pid& caller, const etf::reference& ref) {
  std::lock_guard guard{mtx};
  auto i = calls.find(ref);
  if (i == calls.end() || !(i->second.caller == caller))
    return std::nullopt;
  auto result = std::move(i->second);
  calls.erase(i);
  return result;
}

void bridge::state::send(const caf::strong_actor_ptr& from,
                         const proxy_target& target, const etf::term& msg) {
  auto self = pid_of(from);
  // CAF senders never block: the message is queued past the busy limit.
  if (auto p = std::get_if<etf::pid>(&target))
    node->send(self, *p, msg, true);
  else {
    auto& n = std::get<registered_name>(target);
    node->send(self, n.name, n.node, msg, true);
  }
}

void bridge::state::on_node(etf::atom peer, bool up) {
  // The node reports every connection; monitor_nodes(true) only visible
  // nodes (published), and a nodedown only after their nodeup.
  bool visible = false;
  if (up) {
    auto conn = node->connection_to(peer);
    visible = conn && (conn->flags() & distribution::flag::published) != 0;
  }
  std::vector<caf::strong_actor_ptr> subscribers;
  std::vector<caf::weak_actor_ptr> one_shot;
  {
    std::lock_guard guard{mtx};
    if (!up)
      visible = visible_nodes.erase(peer) > 0;
    else if (visible)
      visible_nodes.insert(peer);
    for (auto i = node_watchers.begin(); visible && i != node_watchers.end();) {
      if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(*i)) {
        subscribers.push_back(std::move(ptr));
        ++i;
      } else {
        i = node_watchers.erase(i);
      }
    }
    if (!up)
      if (auto i = node_monitors.find(peer); i != node_monitors.end()) {
        one_shot = std::move(i->second);
        node_monitors.erase(i);
      }
  }
  for (auto& w : one_shot)
    if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(w))
      subscribers.push_back(std::move(ptr));
  for (auto& s : subscribers) {
    if (up)
      caf::anon_send(caf::actor_cast<caf::actor>(s), nodeup_atom::value, peer);
    else
      caf::anon_send(caf::actor_cast<caf::actor>(s), nodedown_atom::value,
                     peer);
  }
}

caf::node_id bridge::state::node_id_of(etf::atom peer) {
  // Requires mtx. CAF prints and compares proxies by node: each Erlang
  // node gets an id of its own.
  if (auto i = node_ids.find(peer); i != node_ids.end())
    return i->second;
  caf::node_id result;
  if (auto u = caf::make_uri("erlang://" + std::string{peer.text()}))
    result = caf::make_node_id(std::move(*u));
  node_ids.emplace(peer, result);
  return result;
}

} // namespace cafe::actor
