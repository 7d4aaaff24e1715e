#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "core_impl.hpp"

#include <algorithm>

// Names and locks on this node (global.erl's ETS tables and the calls that
// change them), the resolver of name clashes, the registrar and the API.

namespace cafe::global {

etf::term method_term(resolver_kind kind) {
  const char* fn = "random_exit_name";
  if (kind == resolver_kind::random_notify_name)
    fn = "random_notify_name";
  else if (kind == resolver_kind::notify_all_name)
    fn = "notify_all_name";
  return etf::export_fun{"global"_atom, etf::atom{fn}, 3};
}

bool server_core::impl::is_local(const etf::pid& x) const {
  return x.node == cfg.node && x.creation == cfg.server.creation;
}

bool server_core::is_local(const etf::pid& x) const noexcept {
  return impl_->is_local(x);
}

// -- locks
// ---------------------------------------------------------------------

/// can_set_lock/1: nullopt is `false`; else whether it is set already.
std::optional<bool> server_core::impl::can_set_lock(const etf::term& id) const {
  etf::term resource, requester;
  if (!etf::match(id, &resource, &requester))
    return std::nullopt;
  auto i = locks.find(resource);
  if (i == locks.end())
    return false;
  if (i->second.requester == requester)
    return true;
  return std::nullopt;
}

bool server_core::impl::handle_set_lock(const etf::term& id,
                                        const etf::pid& pid, effects& out) {
  auto can = can_set_lock(id);
  if (!can)
    return false;
  auto& xs = id.get<etf::tuple>().elements;
  auto& entry = locks[xs[0]];
  if (!*can)
    entry.requester = xs[1];
  for (auto& [p, mon] : entry.holders)
    if (p == pid)
      return true;
  auto mon = fresh();
  out.emplace_back(monitor_pid{mon, cfg.server, pid});
  entry.holders.insert(entry.holders.begin(), {pid, mon});
  lock_mons.emplace(mon, xs[0]);
  return true;
}

void server_core::impl::handle_del_lock(const etf::term& id,
                                        const etf::pid& pid, effects& out) {
  etf::term resource, requester;
  if (!etf::match(id, &resource, &requester))
    return;
  auto i = locks.find(resource);
  if (i == locks.end() || !(i->second.requester == requester))
    return;
  auto& hs = i->second.holders;
  auto h = std::find_if(hs.begin(), hs.end(),
                        [&](auto& x) { return x.first == pid; });
  if (h == hs.end())
    return;
  out.emplace_back(demonitor{h->second});
  lock_mons.erase(h->second);
  hs.erase(h);
  if (hs.empty()) {
    if (resource == etf::term{global_rid()})
      global_lock_down = false;
    locks.erase(i);
  }
}

void server_core::impl::delete_lock_mon(uint64_t mon, effects&) {
  auto m = lock_mons.find(mon);
  if (m == lock_mons.end())
    return;
  auto resource = m->second;
  lock_mons.erase(m);
  auto i = locks.find(resource);
  if (i == locks.end())
    return;
  auto& hs = i->second.holders;
  hs.erase(std::remove_if(hs.begin(), hs.end(),
                          [&](auto& x) { return x.second == mon; }),
           hs.end());
  if (hs.empty()) {
    // The holder died with the lock: names the lock was to protect that
    // arrive late must not stick (lock_still_set).
    if (resource == etf::term{global_rid()})
      global_lock_down = true;
    locks.erase(i);
  }
}

bool server_core::impl::is_global_lock_set() const {
  return locks.count(etf::term{global_rid()}) > 0;
}

// -- names
// ---------------------------------------------------------------------

void server_core::impl::delete_name(const etf::term& name, effects& out) {
  auto i = names.find(name);
  if (i == names.end())
    return;
  out.emplace_back(demonitor{i->second.mon});
  name_mons.erase(i->second.mon);
  names.erase(i);
}

bool server_core::impl::lock_still_set(const etf::term& from,
                                       const etf::term& extra_info) {
  auto i = locks.find(etf::term{global_rid()});
  if (i == locks.end())
    return !global_lock_down;
  if (auto pid = from.get_if<etf::pid>()) {
    return std::any_of(i->second.holders.begin(), i->second.holders.end(),
                       [&](auto& x) { return x.first == *pid; });
  }
  // From a node (new_nodes, resolved): the lock of that merge.
  if (auto l = extra_info.get_if<etf::list>()) {
    for (auto& x : l->elements) {
      etf::term lock_id;
      if (etf::match(x, "lock"_atom, &lock_id)) {
        etf::term requester;
        if (etf::match(lock_id, etf::_, &requester))
          return i->second.requester == requester;
      }
    }
  }
  return false;
}

void server_core::impl::ins_name(const etf::term& name, const etf::pid& pid,
                                 const etf::term& method, const etf::term& from,
                                 const etf::term& extra_info, effects& out) {
  delete_name(name, out);
  auto mon = fresh();
  out.emplace_back(monitor_pid{mon, cfg.server, pid});
  names[name] = name_entry{pid, method, mon};
  name_mons.emplace(mon, name);
  if (!lock_still_set(from, extra_info))
    delete_name(name, out);
}

etf::term server_core::impl::names_list() const {
  etf::list result;
  for (auto& [name, e] : names)
    result.elements.emplace_back(etf::make_tuple(name, e.pid, e.method));
  return result;
}

bool server_core::impl::do_ops(const etf::term& ops, etf::atom conn_node,
                               const etf::term& extra_info, effects& out) {
  auto l = ops.get_if<etf::list>();
  if (l == nullptr)
    return false;
  std::vector<etf::term> deletes;
  for (auto& op : l->elements) {
    etf::term entry, name, method;
    etf::pid pid;
    if (etf::match(op, "insert"_atom, &entry)
        && etf::match(entry, &name, &pid, &method))
      ins_name(name, pid, method, conn_node, extra_info, out);
    else if (etf::match(op, "delete"_atom, &name))
      deletes.push_back(name);
  }
  for (auto& name : deletes)
    delete_name(name, out);
  return true;
}

// -- resolving clashes
// ---------------------------------------------------------

etf::term server_core::impl::run_method(const etf::term& method,
                                        const etf::term& name,
                                        const etf::pid& pid1,
                                        const etf::pid& pid2, effects& out) {
  etf::export_fun tuple_fun;
  const etf::export_fun* f = method.get_if<etf::export_fun>();
  if (f == nullptr
      && etf::match(method, &tuple_fun.module, &tuple_fun.function)) {
    tuple_fun.arity = 3; // a legacy {M, F} method (allow_tuple_fun)
    f = &tuple_fun;
  }
  if (f == nullptr || f->module != "global"_atom || f->arity != 3) {
    // global:resolve_it/4 catches the fun's failure; this one cannot run
    // here, so it fails as an undefined function would.
    return etf::make_tuple("EXIT"_atom,
                           etf::make_tuple("undef"_atom, etf::list{}));
  }
  // minmax/2: by node name.
  auto [min, max] = pid1.node < pid2.node ? std::pair{pid1, pid2}
                                          : std::pair{pid2, pid1};
  auto what = f->function.text();
  if (what == "random_exit_name") {
    cafe::logger().info("global: Name conflict terminating {}",
                        etf::to_string(etf::make_tuple(name, max)));
    out.emplace_back(exit_pid{cfg.server, max, "kill"_atom});
    return min;
  }
  if (what == "random_notify_name") {
    out.emplace_back(send_pid{
      cfg.server, max, etf::make_tuple("global_name_conflict"_atom, name)});
    return min;
  }
  if (what == "notify_all_name") {
    out.emplace_back(
      send_pid{cfg.server, pid1,
               etf::make_tuple("global_name_conflict"_atom, name, pid2)});
    out.emplace_back(
      send_pid{cfg.server, pid2,
               etf::make_tuple("global_name_conflict"_atom, name, pid1)});
    return "none"_atom;
  }
  return etf::make_tuple("EXIT"_atom,
                         etf::make_tuple("undef"_atom, etf::list{}));
}

etf::term server_core::resolve_it(const etf::term& method,
                                  const etf::term& name, const etf::pid& pid1,
                                  const etf::pid& pid2, effects& out) {
  return impl_->run_method(method, name, pid1, pid2, out);
}

void server_core::impl::start_resolver(etf::atom node,
                                       const etf::term& names_in,
                                       effects& out) {
  auto r = resolvers.find(node);
  if (r == resolvers.end() || r->second.running)
    return;
  auto& rs = r->second;
  rs.running = true;
  rs.outstanding = 1; // released at the end of this loop
  auto gen = rs.generation;
  auto apply = [this, node, gen](const etf::term& name, const etf::pid& pid,
                                 const etf::term& method, const etf::pid& pid2,
                                 const etf::term& method2,
                                 const etf::term& result) {
    auto i = resolvers.find(node);
    if (i == resolvers.end() || i->second.generation != gen)
      return;
    auto& x = i->second;
    auto ins = [](const etf::term& n, const etf::pid& p, const etf::term& m) {
      return etf::make_tuple("insert"_atom, etf::make_tuple(n, p, m));
    };
    if (result == etf::term{pid}) {
      x.ops.elements.insert(x.ops.elements.begin(), ins(name, pid, method));
    } else if (result == etf::term{pid2}) {
      x.res.elements.insert(x.res.elements.begin(), ins(name, pid2, method2));
    } else if (result == etf::term{"none"_atom}) {
      auto del = etf::make_tuple("delete"_atom, name);
      x.ops.elements.insert(x.ops.elements.begin(), del);
      x.res.elements.insert(x.res.elements.begin(), del);
    } else if (etf::match(result, "badrpc"_atom, etf::_)) {
      cafe::logger().info("global: badrpc {} received when conflicting name "
                          "{} was found",
                          etf::to_string(result), etf::to_string(name));
      x.ops.elements.insert(x.ops.elements.begin(), ins(name, pid, method));
    } else {
      cafe::logger().info("global: Resolve method {} for conflicting name {} "
                          "returned {}",
                          etf::to_string(method), etf::to_string(name),
                          etf::to_string(result));
      auto del = etf::make_tuple("delete"_atom, name);
      x.ops.elements.insert(x.ops.elements.begin(), del);
      x.res.elements.insert(x.res.elements.begin(), del);
    }
  };
  if (auto l = names_in.get_if<etf::list>()) {
    for (auto& entry : l->elements) {
      etf::term name, method;
      etf::pid pid;
      if (!etf::match(entry, &name, &pid, &method))
        continue;
      auto i = names.find(name);
      if (i == names.end()) {
        rs.ops.elements.insert(
          rs.ops.elements.begin(),
          etf::make_tuple("insert"_atom, etf::make_tuple(name, pid, method)));
        continue;
      }
      if (i->second.pid == pid || !(cfg.node < node))
        continue; // the same, or the other node resolves it
      auto pid2 = i->second.pid;
      auto method2 = i->second.method;
      if (pid2.node == cfg.node) {
        apply(name, pid, method, pid2, method2,
              run_method(method2, name, pid, pid2, out));
        continue;
      }
      // global:resolve_it/4 on the node of our process, through rex.
      ++rs.outstanding;
      auto req = etf::make_tuple("call"_atom, "global"_atom, "resolve_it"_atom,
                                 etf::make_list(method2, name, pid, pid2),
                                 "user"_atom);
      multi_call(
        cfg.server, "rex"_atom, {pid2.node}, req,
        [this, node, gen, apply, name, pid, method, pid2,
         method2](const replies& got, effects& o) {
          etf::term result = etf::make_tuple("badrpc"_atom, "nodedown"_atom);
          if (!got.empty())
            result = got.front().second;
          apply(name, pid, method, pid2, method2, result);
          resolver_step_done(node, gen, o);
        },
        out);
    }
  }
  resolver_step_done(node, gen, out);
}

void server_core::impl::resolver_step_done(etf::atom node, uint64_t gen,
                                           effects& out) {
  auto i = resolvers.find(node);
  if (i == resolvers.end() || i->second.generation != gen)
    return;
  if (--i->second.outstanding > 0)
    return;
  auto ops = std::move(i->second.ops);
  auto res = std::move(i->second.res);
  auto tag = i->second.tag;
  resolvers.erase(i);
  exchange_ops(node, tag, std::move(ops), std::move(res), out);
}

// -- calls from peers
// ------------------------------------------------------------

std::optional<etf::term> server_core::impl::handle_call(const etf::pid& from,
                                                        const etf::term& req,
                                                        effects& out) {
  etf::term name, method, lock;
  etf::pid pid;
  if (etf::match(req, "register"_atom, &name, &pid, &method)) {
    ins_name(name, pid, method, from, etf::list{}, out);
    return "yes"_atom;
  }
  if (etf::match(req, "register_ext"_atom, &name, &pid, &method, etf::_)) {
    ins_name(name, pid, method, from, etf::list{}, out);
    return "yes"_atom;
  }
  if (etf::match(req, "unregister"_atom, &name)) {
    delete_name(name, out);
    return "ok"_atom;
  }
  if (etf::match(req, "set_lock"_atom, &lock)) {
    if (!etf::match(lock, etf::_, etf::_))
      return std::nullopt;
    return etf::term{handle_set_lock(lock, from, out)};
  }
  if (etf::match(req, "del_lock"_atom, &lock)) {
    if (!etf::match(lock, etf::_, etf::_))
      return std::nullopt;
    handle_del_lock(lock, from, out);
    return etf::term{true};
  }
  if (req == etf::term{"get_known"_atom})
    return known_list(0);
  if (req == etf::term{"get_synced"_atom})
    return atom_list(synced);
  if (req == etf::term{"get_protocol_version"_atom})
    return etf::term{protocol_version};
  if (req == etf::term{"get_names_ext"_atom})
    return etf::list{};
  return std::nullopt;
}

effects server_core::down(uint64_t id, const etf::term&) {
  effects out;
  auto& s = *impl_;
  if (auto i = s.leg_mons.find(id); i != s.leg_mons.end()) {
    auto tag = i->second;
    s.leg_done(tag, std::nullopt, out);
    return out;
  }
  s.delete_lock_mon(id, out);
  if (auto i = s.name_mons.find(id); i != s.name_mons.end()) {
    auto name = i->second;
    s.name_mons.erase(i);
    s.names.erase(name);
  }
  return out;
}

// -- queries
// -------------------------------------------------------------------

std::optional<etf::pid> server_core::whereis(const etf::term& name) const {
  auto i = impl_->names.find(name);
  if (i == impl_->names.end())
    return std::nullopt;
  return i->second.pid;
}

std::vector<etf::term> server_core::registered_names() const {
  std::vector<etf::term> result;
  for (auto& [name, e] : impl_->names)
    result.push_back(name);
  return result;
}

std::vector<std::pair<etf::term, etf::term>> server_core::locks() const {
  std::vector<std::pair<etf::term, etf::term>> result;
  for (auto& [r, e] : impl_->locks)
    result.emplace_back(r, e.requester);
  return result;
}

std::vector<etf::term> server_core::names_of(const etf::pid& pid) const {
  std::vector<etf::term> result;
  for (auto& [name, e] : impl_->names)
    if (e.pid == pid)
      result.push_back(name);
  return result;
}

} // namespace cafe::global
