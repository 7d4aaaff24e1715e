#include "cafe/pg/scope.hpp"

#include "cafe/distribution/flags.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/node/local_process.hpp"

#include <utility>

namespace cafe::pg {

using namespace etf::literals;

/// The scope's pid on the node: what peers send to and monitor.
class scope::process : public node::local_process {
public:
  explicit process(std::weak_ptr<scope> owner) : owner_(std::move(owner)) {
    // nop
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    if (auto s = owner_.lock())
      s->on_message(std::move(msg));
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // A scope outlives its links, as the node's other services do.
  }

  void down(const etf::reference& ref, const etf::term& who,
            const etf::term&) override {
    if (auto s = owner_.lock())
      s->on_down(ref, who);
  }

private:
  std::weak_ptr<scope> owner_;
};

namespace {

/// One effect with what carrying it out needs from the scope's tables,
/// looked up while the lock was held.
struct pending {
  effect what;
  etf::reference ref;
  watcher fn;
};

/// Whether a scope should ask `peer`'s scope to sync when it connects:
/// a visible node, as a BEAM scope's net_kernel:monitor_nodes(true) sees
/// them, or a hidden one that runs processes (it serves spawns: a BEAM or
/// cafe node), which a BEAM scope never discovers by itself. Never an
/// erl_interface C node (erl_call, a `-hidden` ei program): it takes the
/// first message it gets for its answer.
bool may_run_a_scope(node::node& owner, etf::atom peer) {
  for (auto x : owner.nodes(false))
    if (x == peer)
      return true;
  auto conn = owner.connection_to(peer);
  return conn && (conn->flags() & distribution::flag::spawn) != 0;
}

} // namespace

expected<std::shared_ptr<scope>, std::string>
scope::start(const std::shared_ptr<node::node>& owner, etf::atom name) {
  auto self = owner->make_pid();
  auto result = std::shared_ptr<scope>(new scope(owner, name, self));
  owner->add_process(self, std::make_shared<process>(result));
  if (!owner->register_name(name, self)) {
    owner->remove_process(self, "normal"_atom);
    return unexpected{"pg scope " + std::string{name.text()}
                      + ": the name is registered already"};
  }
  std::weak_ptr<scope> weak = result;
  std::weak_ptr<node::node> weak_owner = owner;
  owner->monitor_nodes([weak, weak_owner](etf::atom peer, bool up) {
    auto s = weak.lock();
    auto o = weak_owner.lock();
    if (s && o && up && may_run_a_scope(*o, peer))
      s->on_nodeup(peer);
  });
  for (auto& peer : owner->nodes(true))
    if (may_run_a_scope(*owner, peer))
      result->on_nodeup(peer);
  return result;
}

scope::scope(std::shared_ptr<node::node> owner, etf::atom name, etf::pid self)
  : owner_(owner), name_(name), self_(self), core_(name, self) {
  // nop
}

scope::~scope() {
  stop();
}

void scope::stop() {
  std::vector<etf::reference> refs;
  {
    std::lock_guard guard{mtx_};
    if (stopped_)
      return;
    stopped_ = true;
    for (auto& [pid, ref] : monitors_)
      refs.push_back(ref);
    monitors_.clear();
    watchers_.clear();
  }
  auto owner = owner_.lock();
  if (!owner)
    return;
  for (auto& ref : refs)
    owner->demonitor(self_, ref);
  if (owner->whereis(name_) == self_)
    owner->unregister_name(name_);
  // Peers' monitors fire: they drop what this scope told them.
  owner->remove_process(self_, "shutdown"_atom);
}

etf::atom scope::name() const noexcept {
  return name_;
}

const etf::pid& scope::self() const noexcept {
  return self_;
}

// -- carrying out what the core asks -----------------------------------------

template <class Step>
void scope::apply(Step&& step) {
  std::unique_lock guard{mtx_};
  effects fx = step(core_);
  if (!stopped_)
    std::move(fx.begin(), fx.end(), std::back_inserter(outbox_));
  carry_out(guard);
}

void scope::carry_out(std::unique_lock<std::mutex>& guard) {
  if (draining_)
    return; // the thread draining right now takes these too, in order
  draining_ = true;
  auto owner = owner_.lock();
  while (!outbox_.empty()) {
    // Look up what the effects need while the tables cannot change.
    std::vector<pending> batch;
    batch.reserve(outbox_.size());
    for (auto& fx : outbox_) {
      pending p{std::move(fx), {}, {}};
      if (auto m = std::get_if<monitor_pid>(&p.what)) {
        if (!owner)
          continue;
        p.ref = owner->make_ref();
        monitors_[m->who] = p.ref;
      } else if (auto d = std::get_if<demonitor_pid>(&p.what)) {
        auto i = monitors_.find(d->who);
        if (i == monitors_.end())
          continue;
        p.ref = i->second;
        monitors_.erase(i);
      } else if (auto n = std::get_if<notify>(&p.what)) {
        auto i = watchers_.find(n->watch);
        if (i == watchers_.end())
          continue;
        p.fn = i->second;
      }
      batch.push_back(std::move(p));
    }
    outbox_.clear();
    guard.unlock();
    for (auto& p : batch) {
      if (!owner)
        break;
      std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, send_to_pid>)
            // pg sends with noconnect: only a peer's DOWN and a nodeup's
            // discover decide when scopes sync again, never a send that
            // would end a netsplit by itself.
            owner->send_noconnect(self_, x.to, x.msg);
          else if constexpr (std::is_same_v<T, send_to_scope>)
            owner->send(self_, name_, x.node, x.msg, true);
          else if constexpr (std::is_same_v<T, monitor_pid>)
            owner->monitor(self_, x.who, x.who.node, p.ref);
          else if constexpr (std::is_same_v<T, demonitor_pid>)
            owner->demonitor(self_, p.ref);
          else
            p.fn(x.event);
        },
        p.what);
    }
    guard.lock();
  }
  draining_ = false;
}

void scope::on_message(etf::term msg) {
  apply([&](scope_core& core) {
    auto fx = core.receive(msg);
    if (fx)
      return std::move(*fx);
    cafe::logger().warn("pg scope {}: dropped {}: {}", name_.text(),
                        etf::to_string(msg), fx.error());
    return effects{};
  });
}

void scope::on_down(const etf::reference& ref, const etf::term& who) {
  auto pid = who.get_if<etf::pid>();
  if (pid == nullptr)
    return;
  apply([&](scope_core& core) {
    auto i = monitors_.find(*pid);
    if (i == monitors_.end() || !(i->second == ref))
      return effects{}; // a monitor dropped meanwhile
    monitors_.erase(i);
    return core.is_local(*pid) ? core.member_down(*pid) : core.peer_down(*pid);
  });
}

void scope::on_nodeup(etf::atom peer) {
  discover(peer);
}

// -- membership ---------------------------------------------------------------

namespace {

expected<void, std::string> check_local(const scope_core& core,
                                        const std::vector<etf::pid>& pids) {
  for (auto& p : pids)
    if (!core.is_local(p))
      return unexpected{"nolocal: " + etf::to_string(etf::term{p})};
  return {};
}

} // namespace

expected<void, std::string> scope::join(const etf::term& group,
                                        const etf::pid& pid) {
  if (auto ok = check_local(core_, {pid}); !ok)
    return ok;
  apply([&](scope_core& core) { return core.join(group, {pid}, false); });
  return {};
}

expected<void, std::string> scope::join(const etf::term& group,
                                        const std::vector<etf::pid>& pids) {
  if (auto ok = check_local(core_, pids); !ok)
    return ok;
  apply([&](scope_core& core) { return core.join(group, pids, true); });
  return {};
}

expected<bool, std::string> scope::leave(const etf::term& group,
                                         const etf::pid& pid) {
  if (auto ok = check_local(core_, {pid}); !ok)
    return unexpected{ok.error()};
  bool joined = false;
  apply([&](scope_core& core) {
    auto fx = core.leave(group, {pid}, false);
    joined = fx.has_value();
    return fx ? std::move(*fx) : effects{};
  });
  return joined;
}

expected<bool, std::string> scope::leave(const etf::term& group,
                                         const std::vector<etf::pid>& pids) {
  if (auto ok = check_local(core_, pids); !ok)
    return unexpected{ok.error()};
  bool joined = false;
  apply([&](scope_core& core) {
    auto fx = core.leave(group, pids, true);
    joined = fx.has_value();
    return fx ? std::move(*fx) : effects{};
  });
  return joined;
}

std::vector<etf::pid> scope::members(const etf::term& group) const {
  std::lock_guard guard{mtx_};
  return core_.members(group);
}

std::vector<etf::pid> scope::local_members(const etf::term& group) const {
  std::lock_guard guard{mtx_};
  return core_.local_members(group);
}

std::vector<etf::term> scope::which_groups() const {
  std::lock_guard guard{mtx_};
  return core_.which_groups();
}

std::vector<etf::term> scope::which_local_groups() const {
  std::lock_guard guard{mtx_};
  return core_.which_local_groups();
}

// -- watches ------------------------------------------------------------------

scope::watch_handle scope::monitor_scope(watcher fn) {
  std::lock_guard guard{mtx_};
  auto id = core_.watch(std::nullopt);
  watchers_.emplace(id, std::move(fn));
  return {id, core_.all_groups()};
}

scope::watch_handle scope::monitor(const etf::term& group, watcher fn) {
  std::lock_guard guard{mtx_};
  auto id = core_.watch(group);
  watchers_.emplace(id, std::move(fn));
  watch_handle result{id, {}};
  if (auto xs = core_.members(group); !xs.empty())
    result.snapshot.emplace(group, std::move(xs));
  return result;
}

bool scope::demonitor(uint64_t id) {
  std::lock_guard guard{mtx_};
  watchers_.erase(id);
  return core_.unwatch(id);
}

// -- peers --------------------------------------------------------------------

void scope::discover(etf::atom node) {
  apply([&](scope_core& core) { return core.discover(node); });
}

std::vector<etf::pid> scope::peers() const {
  std::lock_guard guard{mtx_};
  return core_.peers();
}

} // namespace cafe::pg
