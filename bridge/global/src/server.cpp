#include "cafe/global/server.hpp"

#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/node/gen_call.hpp"
#include "cafe/node/local_process.hpp"

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

namespace cafe::global {

using namespace etf::literals;
using clock_type = std::chrono::steady_clock;

namespace {

etf::atom server_name_atom() {
  return etf::atom{"global_name_server"};
}

} // namespace

struct server::state : std::enable_shared_from_this<state> {
  std::weak_ptr<node::node> owner;
  options opts;
  etf::pid server_pid, locker_pid, registrar_pid;
  mutable std::mutex mtx;
  std::unique_ptr<server_core> core;
  effects outbox;
  bool draining = false;
  bool stopped = false;
  /// Monitors the core asked for: its id -> (watcher, node reference).
  std::unordered_map<uint64_t, std::pair<etf::pid, etf::reference>> mons;
  std::unordered_map<etf::reference, uint64_t> mon_ids;
  std::set<etf::atom> visible;
  uint64_t next_call = 1;
  std::map<uint64_t, std::shared_ptr<std::promise<etf::term>>> waiting;

  // Timers run on a thread of their own (the core's back-offs and the
  // locker's waits are short and few).
  std::mutex timer_mtx;
  std::condition_variable timer_cv;
  std::multimap<clock_type::time_point, uint64_t> due;
  bool timer_stop = false;
  std::thread timer_thread;

  template <class Step>
  void apply(Step&& step);
  void carry_out(std::unique_lock<std::mutex>& guard);
  void on_message(const etf::pid& to, const etf::term& msg);
  void on_down(const etf::reference& ref, const etf::term& reason);
  void run_timers();
  void schedule(uint64_t id, std::chrono::milliseconds after);
  template <class Step>
  expected<etf::term, std::string> call(Step&& step);
};

/// One of the server's processes on the node (server, locker, registrar).
class server::process : public node::local_process {
public:
  process(std::weak_ptr<state> st, etf::pid self)
    : st_(std::move(st)), self_(std::move(self)) {
    // nop
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    if (auto s = st_.lock())
      s->on_message(self_, msg);
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // global's processes trap exits.
  }

  void down(const etf::reference& ref, const etf::term&,
            const etf::term& reason) override {
    if (auto s = st_.lock())
      s->on_down(ref, reason);
  }

private:
  std::weak_ptr<state> st_;
  etf::pid self_;
};

template <class Step>
void server::state::apply(Step&& step) {
  std::unique_lock guard{mtx};
  if (stopped)
    return;
  effects fx = step(*core);
  std::move(fx.begin(), fx.end(), std::back_inserter(outbox));
  carry_out(guard);
}

void server::state::carry_out(std::unique_lock<std::mutex>& guard) {
  if (draining)
    return; // the draining thread takes these too, in order
  draining = true;
  auto node = owner.lock();
  while (!outbox.empty() && node) {
    // References for monitors are made while the tables cannot change.
    struct item {
      effect what;
      etf::pid from;
      etf::reference ref;
      std::shared_ptr<std::promise<etf::term>> promise;
    };
    std::vector<item> batch;
    for (auto& fx : outbox) {
      item it{std::move(fx), {}, {}, {}};
      if (auto m = std::get_if<monitor_pid>(&it.what)) {
        it.ref = node->make_ref();
        mons[m->id] = {m->from, it.ref};
        mon_ids[it.ref] = m->id;
      } else if (auto m = std::get_if<monitor_named>(&it.what)) {
        it.ref = node->make_ref();
        mons[m->id] = {m->from, it.ref};
        mon_ids[it.ref] = m->id;
      } else if (auto d = std::get_if<demonitor>(&it.what)) {
        auto i = mons.find(d->id);
        if (i == mons.end())
          continue;
        it.from = i->second.first;
        it.ref = i->second.second;
        mon_ids.erase(i->second.second);
        mons.erase(i);
      } else if (auto r = std::get_if<reply>(&it.what)) {
        auto i = waiting.find(r->call);
        if (i == waiting.end())
          continue; // the caller gave up
        it.promise = std::move(i->second);
        waiting.erase(i);
      }
      batch.push_back(std::move(it));
    }
    outbox.clear();
    guard.unlock();
    std::weak_ptr<state> weak = shared_from_this();
    for (auto& it : batch) {
      std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, send_named>) {
            if (x.noconnect) {
              auto up = node->nodes(true);
              if (std::find(up.begin(), up.end(), x.node) == up.end())
                return;
            }
            node->send(x.from, x.name, x.node, x.msg, true);
          } else if constexpr (std::is_same_v<T, send_pid>) {
            if (x.noconnect)
              node->send_noconnect(x.from, x.to, x.msg);
            else
              node->send(x.from, x.to, x.msg, true);
          } else if constexpr (std::is_same_v<T, gen_reply>) {
            node::gen_call_request req{x.to, x.tag, {}};
            node::send_gen_reply(*node, x.from, req, x.value, true);
          } else if constexpr (std::is_same_v<T, monitor_pid>) {
            node->monitor(x.from, x.who, x.who.node, it.ref);
          } else if constexpr (std::is_same_v<T, monitor_named>) {
            node->monitor(x.from, x.name, x.node, it.ref);
          } else if constexpr (std::is_same_v<T, demonitor>) {
            node->demonitor(it.from, it.ref);
          } else if constexpr (std::is_same_v<T, connect_node>) {
            auto peer = x.node;
            node->connect(peer, [weak, peer](bool ok) {
              if (auto s = weak.lock())
                s->apply([&](server_core& c) { return c.connected(peer, ok); });
            });
          } else if constexpr (std::is_same_v<T, disconnect_node>) {
            node->disconnect(x.node);
          } else if constexpr (std::is_same_v<T, exit_pid>) {
            node->exit(x.from, x.who, x.reason);
          } else if constexpr (std::is_same_v<T, reply>) {
            it.promise->set_value(x.value);
          } else if constexpr (std::is_same_v<T, start_timer>) {
            schedule(x.id, x.after);
          }
        },
        it.what);
    }
    guard.lock();
  }
  draining = false;
}

void server::state::on_message(const etf::pid& to, const etf::term& msg) {
  apply([&](server_core& c) {
    auto fx = c.receive(to, msg);
    if (fx)
      return std::move(*fx);
    cafe::logger().warn("global: dropped {}: {}", etf::to_string(msg),
                        fx.error());
    return effects{};
  });
}

void server::state::on_down(const etf::reference& ref,
                            const etf::term& reason) {
  apply([&](server_core& c) {
    auto i = mon_ids.find(ref);
    if (i == mon_ids.end())
      return effects{};
    auto id = i->second;
    mons.erase(id);
    mon_ids.erase(i);
    return c.down(id, reason);
  });
}

void server::state::schedule(uint64_t id, std::chrono::milliseconds after) {
  std::lock_guard guard{timer_mtx};
  due.emplace(clock_type::now() + after, id);
  timer_cv.notify_one();
}

void server::state::run_timers() {
  std::unique_lock guard{timer_mtx};
  while (!timer_stop) {
    if (due.empty()) {
      timer_cv.wait(guard);
      continue;
    }
    auto first = due.begin();
    if (first->first > clock_type::now()) {
      timer_cv.wait_until(guard, first->first);
      continue;
    }
    auto id = first->second;
    due.erase(first);
    guard.unlock();
    apply([&](server_core& c) { return c.timeout(id); });
    guard.lock();
  }
}

template <class Step>
expected<etf::term, std::string> server::state::call(Step&& step) {
  auto promise = std::make_shared<std::promise<etf::term>>();
  auto result = promise->get_future();
  uint64_t id = 0;
  {
    std::lock_guard guard{mtx};
    if (stopped)
      return unexpected{std::string{"global: stopped"}};
    id = next_call++;
    waiting.emplace(id, promise);
  }
  apply([&](server_core& c) { return step(c, id); });
  if (result.wait_for(opts.timeout) != std::future_status::ready) {
    std::lock_guard guard{mtx};
    waiting.erase(id);
    return unexpected{std::string{"global: timed out"}};
  }
  auto value = result.get();
  if (value == etf::term{"$stopped"_atom}) {
    std::lock_guard guard{mtx};
    if (stopped)
      return unexpected{std::string{"global: stopped"}};
  }
  return value;
}

// -- start / stop
// ----------------------------------------------------------------

expected<std::shared_ptr<server>, std::string>
server::start(const std::shared_ptr<node::node>& owner, options opts) {
  auto st = std::make_shared<state>();
  st->owner = owner;
  st->opts = opts;
  st->server_pid = owner->make_pid();
  st->locker_pid = owner->make_pid();
  st->registrar_pid = owner->make_pid();
  core_config cfg;
  cfg.node = owner->name();
  cfg.server = st->server_pid;
  cfg.locker = st->locker_pid;
  cfg.registrar = st->registrar_pid;
  std::weak_ptr<node::node> weak_owner = owner;
  cfg.make_ref = [weak_owner] {
    auto o = weak_owner.lock();
    return o ? o->make_ref() : etf::reference{};
  };
  cfg.connect_all = opts.connect_all;
  cfg.prevent_overlapping_partitions = opts.prevent_overlapping_partitions;
  cfg.seed = std::random_device{}();
  cfg.creation = owner->creation();
  st->core = std::make_unique<server_core>(std::move(cfg));
  for (auto& p : {st->server_pid, st->locker_pid, st->registrar_pid})
    owner->add_process(p, std::make_shared<process>(st, p));
  if (!owner->register_name(server_name_atom(), st->server_pid)) {
    for (auto& p : {st->server_pid, st->locker_pid, st->registrar_pid})
      owner->remove_process(p, "normal"_atom);
    return unexpected{
      std::string{"global: global_name_server is registered already"}};
  }
  st->timer_thread = std::thread{[raw = st.get()] { raw->run_timers(); }};
  std::shared_ptr<server> result{new server(st)};
  std::weak_ptr<state> weak = st;
  owner->monitor_nodes([weak, weak_owner](etf::atom peer, bool up) {
    auto s = weak.lock();
    auto o = weak_owner.lock();
    if (!s || !o)
      return;
    if (up) {
      auto vis = o->nodes(false);
      if (std::find(vis.begin(), vis.end(), peer) == vis.end())
        return; // global ignores hidden nodes
      {
        std::lock_guard guard{s->mtx};
        if (!s->visible.insert(peer).second)
          return;
      }
      s->apply([&](server_core& c) { return c.nodeup(peer); });
    } else {
      {
        std::lock_guard guard{s->mtx};
        if (s->visible.erase(peer) == 0)
          return;
      }
      s->apply([&](server_core& c) { return c.nodedown(peer); });
    }
  });
  for (auto peer : owner->nodes(false)) {
    {
      std::lock_guard guard{st->mtx};
      if (!st->visible.insert(peer).second)
        continue;
    }
    st->apply([&](server_core& c) { return c.nodeup(peer); });
  }
  return result;
}

server::server(std::shared_ptr<state> st) : st_(std::move(st)) {
  // nop
}

server::~server() {
  stop();
}

void server::stop() {
  std::map<uint64_t, std::shared_ptr<std::promise<etf::term>>> waiting;
  {
    std::lock_guard guard{st_->mtx};
    if (st_->stopped)
      return;
    st_->stopped = true;
    waiting.swap(st_->waiting);
  }
  // Callers still waiting learn at once (see state::call).
  for (auto& [id, p] : waiting)
    p->set_value("$stopped"_atom);
  {
    std::lock_guard guard{st_->timer_mtx};
    st_->timer_stop = true;
    st_->timer_cv.notify_one();
  }
  if (st_->timer_thread.joinable()
      && st_->timer_thread.get_id() != std::this_thread::get_id())
    st_->timer_thread.join();
  auto owner = st_->owner.lock();
  if (!owner)
    return;
  if (owner->whereis(server_name_atom()) == st_->server_pid)
    owner->unregister_name(server_name_atom());
  for (auto& p : {st_->server_pid, st_->locker_pid, st_->registrar_pid})
    owner->remove_process(p, "shutdown"_atom);
}

const etf::pid& server::self() const noexcept {
  return st_->server_pid;
}

// -- the API
// -------------------------------------------------------------------

expected<bool, std::string> server::register_name(const etf::term& name,
                                                  const etf::pid& pid,
                                                  const etf::term& method) {
  auto r = st_->call([&](server_core& c, uint64_t id) {
    return c.register_name(id, name, pid, method, false);
  });
  if (!r)
    return unexpected{r.error()};
  return *r == etf::term{"yes"_atom};
}

expected<void, std::string> server::re_register_name(const etf::term& name,
                                                     const etf::pid& pid,
                                                     const etf::term& method) {
  auto r = st_->call([&](server_core& c, uint64_t id) {
    return c.register_name(id, name, pid, method, true);
  });
  if (!r)
    return unexpected{r.error()};
  return {};
}

expected<void, std::string> server::unregister_name(const etf::term& name) {
  auto r = st_->call(
    [&](server_core& c, uint64_t id) { return c.unregister_name(id, name); });
  if (!r)
    return unexpected{r.error()};
  return {};
}

std::optional<etf::pid> server::whereis_name(const etf::term& name) const {
  std::optional<etf::pid> result;
  {
    std::lock_guard guard{st_->mtx};
    result = st_->core->whereis(name);
    if (!result || !st_->core->is_local(*result))
      return result;
  }
  auto owner = st_->owner.lock();
  if (!owner || !owner->alive(*result))
    return std::nullopt;
  return result;
}

std::vector<etf::term> server::registered_names() const {
  std::lock_guard guard{st_->mtx};
  return st_->core->registered_names();
}

std::optional<etf::pid> server::send(const etf::term& name,
                                     const etf::term& msg,
                                     std::optional<etf::pid> from) {
  auto to = whereis_name(name);
  auto owner = st_->owner.lock();
  if (!to || !owner)
    return std::nullopt;
  owner->send(from.value_or(st_->server_pid), *to, msg, true);
  return to;
}

namespace {

std::vector<etf::atom> default_nodes(node::node& owner,
                                     std::vector<etf::atom> nodes) {
  if (!nodes.empty())
    return nodes;
  nodes = owner.nodes(false);
  nodes.insert(nodes.begin(), owner.name());
  return nodes;
}

} // namespace

expected<bool, std::string> server::set_lock(const etf::term& id,
                                             std::vector<etf::atom> nodes,
                                             std::optional<uint32_t> retries,
                                             std::optional<etf::pid> owner) {
  auto o = st_->owner.lock();
  if (!o)
    return unexpected{std::string{"global: the node is gone"}};
  nodes = default_nodes(*o, std::move(nodes));
  auto who = owner.value_or(st_->server_pid);
  auto r = st_->call([&](server_core& c, uint64_t call) {
    return c.set_lock(call, id, who, nodes, retries);
  });
  if (!r)
    return unexpected{r.error()};
  return *r == etf::term{true};
}

expected<void, std::string> server::del_lock(const etf::term& id,
                                             std::vector<etf::atom> nodes,
                                             std::optional<etf::pid> owner) {
  auto o = st_->owner.lock();
  if (!o)
    return unexpected{std::string{"global: the node is gone"}};
  nodes = default_nodes(*o, std::move(nodes));
  auto who = owner.value_or(st_->server_pid);
  auto r = st_->call([&](server_core& c, uint64_t call) {
    return c.del_lock(call, id, who, nodes);
  });
  if (!r)
    return unexpected{r.error()};
  return {};
}

std::optional<etf::term>
server::trans(const etf::term& id, const std::function<etf::term()>& fn,
              std::vector<etf::atom> nodes, std::optional<uint32_t> retries) {
  auto o = st_->owner.lock();
  if (!o)
    return std::nullopt;
  nodes = default_nodes(*o, std::move(nodes));
  auto ok = set_lock(id, nodes, retries);
  if (!ok || !*ok)
    return std::nullopt;
  struct release {
    server* self;
    const etf::term& id;
    std::vector<etf::atom>& nodes;
    ~release() {
      (void)self->del_lock(id, nodes);
    }
  } guard{this, id, nodes};
  return fn();
}

expected<void, std::string> server::sync() {
  auto o = st_->owner.lock();
  if (!o)
    return unexpected{std::string{"global: the node is gone"}};
  auto nodes = o->nodes(false);
  auto r = st_->call(
    [&](server_core& c, uint64_t call) { return c.sync(call, nodes); });
  if (!r)
    return unexpected{r.error()};
  return {};
}

std::vector<etf::atom> server::known() const {
  std::lock_guard guard{st_->mtx};
  return st_->core->known();
}

std::vector<etf::atom> server::synced() const {
  std::lock_guard guard{st_->mtx};
  return st_->core->synced();
}

etf::term server::resolve_it(const etf::term& method, const etf::term& name,
                             const etf::pid& pid1, const etf::pid& pid2) {
  etf::term result;
  st_->apply([&](server_core& c) {
    effects out;
    result = c.resolve_it(method, name, pid1, pid2, out);
    return out;
  });
  return result;
}

} // namespace cafe::global
