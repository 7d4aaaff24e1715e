#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "core_impl.hpp"

#include <algorithm>

// The registrar (global's trans_all_known: the `global` lock on every known
// node around each registration) and the local API.

namespace cafe::global {

// -- the registrar
// ---------------------------------------------------------------

void server_core::impl::registrar_run(effects& out) {
  if (registrar_busy || registrar_queue.empty())
    return;
  registrar_busy = true;
  auto job = std::move(registrar_queue.front());
  registrar_queue.pop_front();
  job(out);
}

void server_core::impl::registrar_done(effects& out) {
  registrar_busy = false;
  registrar_run(out);
}

void server_core::impl::set_lock_known(
  const etf::term& id, uint32_t times,
  std::function<void(std::vector<etf::atom>, effects&)> k, effects& out) {
  auto known0 = known_nodes();
  std::vector<etf::atom> nodes{cfg.node};
  nodes.insert(nodes.end(), known0.begin(), known0.end());
  auto boss = *std::max_element(nodes.begin(), nodes.end());
  auto retry = [this, id, times, k](effects& o) {
    random_sleep(
      times,
      [this, id, times, k](effects& o2) {
        set_lock_known(id, times + 1, k, o2);
      },
      o);
  };
  set_lock_on_nodes(
    id, cfg.registrar, {boss},
    [this, id, boss, nodes, known0, k, retry](bool ok, effects& o) {
      if (!ok) {
        retry(o);
        return;
      }
      set_lock_on_nodes(
        id, cfg.registrar, nodes,
        [this, id, boss, nodes, known0, k, retry](bool ok2, effects& o2) {
          auto now = known_nodes();
          bool grew = std::any_of(now.begin(), now.end(), [&](etf::atom n) {
            return std::find(known0.begin(), known0.end(), n) == known0.end();
          });
          if (ok2 && !grew) {
            k(nodes, o2);
            return;
          }
          del_lock(id, cfg.registrar, {boss}, o2);
          retry(o2);
        },
        o);
    },
    out);
}

void server_core::impl::trans_all_known(body_fn body, effects& out) {
  auto id = etf::make_tuple(global_rid(), cfg.registrar);
  set_lock_known(
    id, 0,
    [this, id, body](std::vector<etf::atom> nodes, effects& o) {
      body(
        nodes,
        [this, id, nodes](effects& o2) {
          delete_global_lock(id, cfg.registrar, nodes, o2);
          registrar_done(o2);
        },
        o);
    },
    out);
}

effects server_core::register_name(uint64_t call, const etf::term& name,
                                   const etf::pid& pid, const etf::term& method,
                                   bool re_register) {
  effects out;
  auto& s = *impl_;
  s.registrar_queue.push_back(
    [&s, call, name, pid, method, re_register](effects& o) {
      s.trans_all_known(
        [&s, call, name, pid, method, re_register](
          const std::vector<etf::atom>& nodes, step_fn finish, effects& o2) {
          if (!re_register) {
            bool taken = s.names.count(name) > 0;
            bool dup = false;
            for (auto& [n, e] : s.names)
              dup = dup || e.pid == pid;
            if (dup && !taken)
              cafe::logger().error(
                "global: {} registered under several names: {}",
                etf::to_string(pid), etf::to_string(name));
            if (taken || dup) {
              o2.emplace_back(reply{call, "no"_atom});
              finish(o2);
              return;
            }
          }
          s.multi_call(
            s.cfg.registrar, server_name(), nodes,
            etf::make_tuple("register"_atom, name, pid, method),
            [call, finish](const replies&, effects& o3) {
              o3.emplace_back(reply{call, "yes"_atom});
              finish(o3);
            },
            o2);
        },
        o);
    });
  s.registrar_run(out);
  return out;
}

effects server_core::unregister_name(uint64_t call, const etf::term& name) {
  effects out;
  auto& s = *impl_;
  if (s.names.count(name) == 0) {
    out.emplace_back(reply{call, "ok"_atom});
    return out;
  }
  s.registrar_queue.push_back([&s, call, name](effects& o) {
    s.trans_all_known(
      [&s, call, name](const std::vector<etf::atom>& nodes, step_fn finish,
                       effects& o2) {
        s.multi_call(
          s.cfg.registrar, server_name(), nodes,
          etf::make_tuple("unregister"_atom, name),
          [call, finish](const replies&, effects& o3) {
            o3.emplace_back(reply{call, "ok"_atom});
            finish(o3);
          },
          o2);
      },
      o);
  });
  s.registrar_run(out);
  return out;
}

void server_core::impl::api_set_lock(uint64_t call, const etf::term& id,
                                     const etf::pid& owner,
                                     std::vector<etf::atom> nodes,
                                     std::optional<uint32_t> retries,
                                     uint32_t times, effects& out) {
  if (nodes.empty()) {
    out.emplace_back(reply{call, true});
    return;
  }
  set_lock_on_nodes(
    id, owner, nodes,
    [this, call, id, owner, nodes, retries, times](bool ok, effects& o) {
      if (ok || (retries && *retries == 0)) {
        o.emplace_back(reply{call, ok});
        return;
      }
      auto left = retries ? std::optional<uint32_t>{*retries - 1} : retries;
      random_sleep(
        times,
        [this, call, id, owner, nodes, left, times](effects& o2) {
          api_set_lock(call, id, owner, nodes, left, times + 1, o2);
        },
        o);
    },
    out);
}

effects server_core::set_lock(uint64_t call, const etf::term& id,
                              const etf::pid& owner,
                              const std::vector<etf::atom>& nodes,
                              std::optional<uint32_t> retries) {
  effects out;
  if (!etf::match(id, etf::_, etf::_)) {
    out.emplace_back(reply{call, false});
    return out;
  }
  impl_->api_set_lock(call, id, owner, nodes, retries, 1, out);
  return out;
}

effects server_core::del_lock(uint64_t call, const etf::term& id,
                              const etf::pid& owner,
                              const std::vector<etf::atom>& nodes) {
  effects out;
  if (!etf::match(id, etf::_, etf::_)) {
    out.emplace_back(reply{call, true});
    return out;
  }
  impl_->multi_call(
    owner, server_name(), nodes, etf::make_tuple("del_lock"_atom, id),
    [call](const replies&, effects& o) {
      o.emplace_back(reply{call, true});
    },
    out);
  return out;
}

effects server_core::sync(uint64_t call, const std::vector<etf::atom>& nodes) {
  effects out;
  auto& s = *impl_;
  std::set<etf::atom> waiting;
  for (auto n : nodes)
    if (n != cfg_.node && s.up.count(n) > 0
        && std::find(s.synced.begin(), s.synced.end(), n) == s.synced.end())
      waiting.insert(n);
  if (waiting.empty())
    out.emplace_back(reply{call, "ok"_atom});
  else
    s.syncers.emplace(call, std::move(waiting));
  return out;
}

} // namespace cafe::global
