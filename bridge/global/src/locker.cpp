#include "cafe/etf/match.hpp"
#include "cafe/log.hpp"
#include "core_impl.hpp"

#include <algorithm>

// The calls this node makes (gen_server:multi_call legs, timers) and the
// locker (global.erl's loop_the_locker and friends). The BEAM locker blocks
// in multi_calls and selective receives; here each wait is a phase, and
// messages the BEAM locker would leave in its mailbox are deferred and
// looked at again, in order, when the phase ends.

namespace cafe::global {

// -- multi_call
// ------------------------------------------------------------------

void server_core::impl::multi_call(const etf::pid& from, etf::atom name,
                                   const std::vector<etf::atom>& nodes,
                                   const etf::term& req, replies_fn done,
                                   effects& out) {
  auto id = fresh();
  auto& b = batches[id];
  b.done = std::move(done);
  b.outstanding = 1; // released below, once every leg is out
  for (auto n : nodes) {
    if (n == cfg.node && name == server_name()) {
      // Our own server answers at once (its reply is never refused).
      auto value = handle_call(from, req, out);
      b.got.emplace_back(n, value.value_or(etf::term{"false"_atom}));
      continue;
    }
    if (up.count(n) == 0 && n != cfg.node)
      continue; // a bad node: multi_call leaves it out of the replies
    auto tag = cfg.make_ref();
    auto mon = fresh();
    ++b.outstanding;
    legs.emplace(tag, leg{id, n, mon});
    leg_mons.emplace(mon, tag);
    out.emplace_back(monitor_named{mon, from, name, n});
    out.emplace_back(send_named{
      from, name, n,
      etf::make_tuple("$gen_call"_atom, etf::make_tuple(from, tag), req)});
  }
  if (--batches[id].outstanding == 0) {
    auto fn = std::move(batches[id].done);
    auto got = std::move(batches[id].got);
    batches.erase(id);
    fn(got, out);
  }
}

void server_core::impl::leg_done(const etf::reference& tag,
                                 std::optional<etf::term> value, effects& out) {
  auto l = legs.find(tag);
  if (l == legs.end())
    return;
  auto lg = l->second;
  legs.erase(l);
  leg_mons.erase(lg.mon);
  out.emplace_back(demonitor{lg.mon});
  auto b = batches.find(lg.batch);
  if (b == batches.end())
    return;
  if (value)
    b->second.got.emplace_back(lg.node, std::move(*value));
  if (--b->second.outstanding > 0)
    return;
  auto fn = std::move(b->second.done);
  auto got = std::move(b->second.got);
  batches.erase(b);
  fn(got, out);
}

bool server_core::impl::take_reply(const etf::term& msg, effects& out) {
  etf::reference tag;
  etf::term value;
  if (!etf::match(msg, &tag, &value) || legs.count(tag) == 0)
    return false;
  leg_done(tag, value, out);
  return true;
}

void server_core::impl::after(std::chrono::milliseconds t, step_fn fn,
                              effects& out) {
  auto id = fresh();
  timers.emplace(id, std::move(fn));
  out.emplace_back(start_timer{id, t});
}

void server_core::impl::random_sleep(uint32_t times, step_fn fn, effects& out) {
  // First 1/4 s at most, then doubling up to 8 s (global's random_sleep).
  uint64_t tmax = times > 5 ? 8000 : ((uint64_t{1} << times) * 1000) / 8;
  auto t = 1 + rng() % tmax;
  after(std::chrono::milliseconds{t}, std::move(fn), out);
}

effects server_core::timeout(uint64_t id) {
  effects out;
  auto& s = *impl_;
  auto i = s.timers.find(id);
  if (i == s.timers.end())
    return out;
  auto fn = std::move(i->second);
  s.timers.erase(i);
  fn(out);
  return out;
}

// -- locks on many nodes
// ---------------------------------------------------------

void server_core::impl::set_lock_on_nodes(const etf::term& id,
                                          const etf::pid& requester,
                                          std::vector<etf::atom> nodes,
                                          bool_fn done, effects& out) {
  if (nodes.empty()) {
    done(true, out);
    return;
  }
  // Probe our own table first: no point asking others if it would fail.
  if (nodes.size() > 1
      && std::find(nodes.begin(), nodes.end(), cfg.node) != nodes.end()
      && !can_set_lock(id)) {
    done(false, out);
    return;
  }
  multi_call(
    requester, server_name(), nodes, etf::make_tuple("set_lock"_atom, id),
    [this, id, requester, done](const replies& got, effects& o) {
      std::vector<etf::atom> yes;
      bool ok = true;
      for (auto& [n, v] : got) {
        if (v == etf::term{true})
          yes.push_back(n);
        else
          ok = false;
      }
      if (!ok && got.size() > 1)
        del_lock(id, requester, yes, o);
      done(ok, o);
    },
    out);
}

void server_core::impl::del_lock(const etf::term& id, const etf::pid& requester,
                                 const std::vector<etf::atom>& nodes,
                                 effects& out) {
  if (nodes.empty())
    return;
  multi_call(
    requester, server_name(), nodes, etf::make_tuple("del_lock"_atom, id),
    [](const replies&, effects&) {}, out);
}

void server_core::impl::delete_global_lock(const etf::term& id,
                                           const etf::pid& requester,
                                           std::vector<etf::atom> nodes,
                                           effects& out) {
  if (nodes.empty())
    return;
  // The boss last: fewer lockers fail after locking it.
  auto boss = *std::max_element(nodes.begin(), nodes.end());
  nodes.erase(std::remove(nodes.begin(), nodes.end(), boss), nodes.end());
  del_lock(id, requester, nodes, out);
  del_lock(id, requester, {boss}, out);
}

// -- the locker
// --------------------------------------------------------------------

etf::term server_core::impl::locker_lock_id(const etf::pid& his) const {
  auto a = etf::term{cfg.locker};
  auto b = etf::term{his};
  if (etf::compare(b, a) < 0)
    std::swap(a, b);
  return etf::make_tuple(global_rid(), etf::make_list(a, b));
}

void server_core::impl::locker_update_known(const locker_msg& m) {
  if (auto a = std::get_if<lm_add_known>(&m)) {
    lk.known.insert(lk.known.begin(), a->nodes.begin(), a->nodes.end());
  } else if (auto r = std::get_if<lm_remove_known>(&m)) {
    auto i = std::find(lk.known.begin(), lk.known.end(), r->node);
    if (i != lk.known.end())
      lk.known.erase(i);
  }
  lk.boss = cfg.node;
  for (auto n : lk.known)
    lk.boss = std::max(lk.boss, n);
}

void server_core::impl::locker_take_known_updates() {
  for (auto i = lk.deferred.begin(); i != lk.deferred.end();) {
    if (std::holds_alternative<lm_add_known>(*i)
        || std::holds_alternative<lm_remove_known>(*i)) {
      locker_update_known(*i);
      i = lk.deferred.erase(i);
    } else {
      ++i;
    }
  }
}

void server_core::impl::locker_post(locker_msg m, effects& out) {
  if (!locker_matches(m)) {
    lk.deferred.push_back(std::move(m));
    return;
  }
  locker_consume(std::move(m), out);
  locker_loop(out);
}

void server_core::impl::send_lock_set(bool set, const etf::pid& his_locker,
                                      int64_t vsn, const etf::term& his_tag,
                                      effects& out) {
  auto msg = vsn < verify_connect_vsn
               ? etf::make_tuple("lock_set"_atom, cfg.locker, set,
                                 atom_list(lk.known))
               : etf::make_tuple("lock_set"_atom, cfg.locker, set,
                                 atom_list(lk.known), his_tag);
  if (vsn < 6)
    out.emplace_back(send_pid{cfg.locker, his_locker, std::move(msg)});
  else
    out.emplace_back(send_named{cfg.locker, server_name(), his_locker.node,
                                gen_cast(std::move(msg))});
}

void server_core::impl::run_job(const std::optional<new_nodes_job>& job,
                                effects& out) {
  if (!job)
    return;
  for (auto& [n, v] : job->targets)
    out.emplace_back(
      send_named{cfg.locker, server_name(), n,
                 gen_cast(v >= pgpv_vsn ? job->msg : job->old_msg)});
}

void server_core::impl::locker_release(effects& out) {
  delete_global_lock(lk.lock_id, cfg.locker, lk.held_on, out);
}

namespace {

void remove_him(std::vector<him>& hims, etf::atom node, int64_t tag) {
  auto i = std::find_if(hims.begin(), hims.end(), [&](const him& h) {
    return h.node == node && h.my_tag == tag;
  });
  if (i != hims.end())
    hims.erase(i);
}

} // namespace

void server_core::impl::locker_handle_idle(locker_msg& m, effects& out) {
  if (auto h = std::get_if<lm_his_the_locker>(&m)) {
    lk.hims.insert(lk.hims.begin(), h->who);
  } else if (auto c = std::get_if<lm_cancel>(&m)) {
    if (!c->tag)
      return; // may be an old nodedown's: never cancel a newer connect
    run_job(c->job, out);
    remove_him(lk.hims, c->node, *c->tag);
  } else if (auto ls = std::get_if<lm_lock_set>(&m)) {
    if (ls->set)
      locker_spontaneous(*ls, out);
  } else {
    locker_update_known(m);
  }
}

void server_core::impl::locker_spontaneous(const lm_lock_set& m, effects& out) {
  // The other side has locked its partition: lock ours and tell it.
  auto node = m.from.node;
  auto h = std::find_if(lk.hims.begin(), lk.hims.end(),
                        [&](const him& x) { return x.node == node; });
  if (h == lk.hims.end() || (m.tag && !(*m.tag == etf::term{h->my_tag}))) {
    send_lock_set(false, m.from, 5, etf::term{0}, out);
    return;
  }
  auto who = *h;
  auto lock_id = locker_lock_id(m.from);
  lk.ph = phase::locking;
  lock_nodes_safely(
    lock_id, {},
    [this, who, from = m.from, lock_id](bool ok, effects& o) {
      send_lock_set(ok, from, who.vsn, who.his_tag, o);
      if (!ok) {
        lk.ph = phase::idle;
        lk.just_synced = false;
        locker_loop(o);
        return;
      }
      lk.cur = who;
      lk.lock_id = lock_id;
      lk.held_on = lk.known;
      lk.held_on.insert(lk.held_on.begin(), cfg.node);
      lk.ph = phase::wait_cancel;
      lock_is_set(who.node, who.my_tag, lock_id, o);
      locker_loop(o);
    },
    out);
}

bool server_core::impl::locker_matches(const locker_msg& m) const {
  // What the BEAM locker's selective receive takes in its waits.
  auto node = lk.cur.node;
  auto tag = lk.cur.my_tag;
  if (lk.ph == phase::idle)
    return true;
  if (lk.ph == phase::locking)
    return false;
  if (auto c = std::get_if<lm_cancel>(&m))
    return c->node == node && c->tag && *c->tag == tag;
  if (lk.ph != phase::wait_lock_set)
    return false;
  auto ls = std::get_if<lm_lock_set>(&m);
  return ls != nullptr && ls->from.node == node;
}

void server_core::impl::locker_consume(locker_msg m, effects& out) {
  if (lk.ph == phase::idle) {
    locker_handle_idle(m, out);
    return;
  }
  auto node = lk.cur.node;
  auto tag = lk.cur.my_tag;
  if (auto c = std::get_if<lm_cancel>(&m)) {
    run_job(c->job, out);
    locker_release(out);
    remove_him(lk.hims, node, tag);
    lk.just_synced = lk.ph == phase::wait_cancel;
    lk.ph = phase::idle;
    return;
  }
  auto& ls = std::get<lm_lock_set>(m);
  if (ls.tag && !(*ls.tag == etf::term{tag}))
    return; // an old session's: dropped, still waiting
  if (!ls.set) {
    locker_release(out);
    lk.ph = phase::idle;
    return;
  }
  lk.ph = phase::wait_cancel;
  lock_is_set(node, tag, lk.lock_id, out);
}

void server_core::impl::locker_loop(effects& out) {
  // A phase ended, or a message was handled: look at deferred ones again.
  // Each is taken out before it acts, as acting may defer new ones.
  for (;;) {
    auto i
      = std::find_if(lk.deferred.begin(), lk.deferred.end(),
                     [&](const locker_msg& m) { return locker_matches(m); });
    if (i == lk.deferred.end())
      break;
    auto m = std::move(*i);
    lk.deferred.erase(i);
    locker_consume(std::move(m), out);
  }
  if (lk.ph != phase::idle || lk.timer || lk.hims.empty())
    return;
  // The wait before trying to lock (global.erl's loop_the_locker).
  std::chrono::milliseconds t{0};
  if (!lk.just_synced)
    t = lk.known.empty()
          ? std::chrono::milliseconds{200}
          : std::chrono::milliseconds{std::min<int64_t>(
            1000 + 100 * static_cast<int64_t>(lk.known.size()), 3000)};
  lk.just_synced = false;
  auto id = fresh();
  lk.timer = id;
  timers.emplace(id, [this](effects& o) {
    lk.timer.reset();
    if (lk.ph != phase::idle)
      return;
    if (is_global_lock_set()) {
      locker_loop(o);
      return;
    }
    locker_select(o);
  });
  out.emplace_back(start_timer{id, t});
}

void server_core::impl::locker_select(effects& out) {
  lk.hims.erase(std::remove_if(lk.hims.begin(), lk.hims.end(),
                               [&](const him& h) {
                                 return std::find(lk.known.begin(),
                                                  lk.known.end(), h.node)
                                        != lk.known.end();
                               }),
                lk.hims.end());
  if (lk.hims.empty())
    return;
  auto who = lk.hims[rng() % lk.hims.size()];
  auto lock_id = locker_lock_id(who.locker);
  lk.ph = phase::locking;
  lock_nodes_safely(
    lock_id, {who.node},
    [this, who, lock_id](bool ok, effects& o) {
      if (!ok) {
        lk.ph = phase::idle;
        locker_loop(o);
        return;
      }
      lk.cur = who;
      lk.lock_id = lock_id;
      lk.held_on = lk.known;
      lk.held_on.insert(lk.held_on.begin(), who.node);
      lk.held_on.insert(lk.held_on.begin(), cfg.node);
      send_lock_set(true, who.locker, who.vsn, who.his_tag, o);
      lk.ph = phase::wait_lock_set;
      locker_loop(o);
    },
    out);
}

void server_core::impl::lock_nodes_safely(const etf::term& lock_id,
                                          std::vector<etf::atom> extra,
                                          bool_fn done, effects& out) {
  // Lock the boss first (the largest node name: everyone agrees on it),
  // then ourselves and `extra`, then the rest of the partition.
  std::vector<etf::atom> first{lk.boss.empty() ? cfg.node : lk.boss};
  if (!(first.front() == cfg.node) && !can_set_lock(lock_id)) {
    done(false, out);
    return;
  }
  set_lock_on_nodes(
    lock_id, cfg.locker, first,
    [this, lock_id, first, extra, done](bool ok, effects& o) {
      if (!ok) {
        done(false, o);
        return;
      }
      locker_take_known_updates();
      std::vector<etf::atom> second;
      auto us = extra;
      us.insert(us.begin(), cfg.node);
      for (auto n : us)
        if (std::find(first.begin(), first.end(), n) == first.end())
          second.push_back(n);
      set_lock_on_nodes(
        lock_id, cfg.locker, second,
        [this, lock_id, first, second, done](bool ok2, effects& o2) {
          if (!ok2) {
            del_lock(lock_id, cfg.locker, first, o2);
            done(false, o2);
            return;
          }
          std::vector<etf::atom> rest;
          for (auto n : lk.known)
            if (std::find(first.begin(), first.end(), n) == first.end())
              rest.push_back(n);
          set_lock_on_nodes(
            lock_id, cfg.locker, rest,
            [this, lock_id, first, second, done](bool ok3, effects& o3) {
              if (!ok3) {
                auto so_far = first;
                so_far.insert(so_far.end(), second.begin(), second.end());
                del_lock(lock_id, cfg.locker, so_far, o3);
              }
              done(ok3, o3);
            },
            o2);
        },
        o);
    },
    out);
}

} // namespace cafe::global
