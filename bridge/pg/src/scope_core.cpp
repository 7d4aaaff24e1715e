#include "cafe/pg/scope_core.hpp"

#include "cafe/etf/match.hpp"

#include <algorithm>

namespace cafe::pg {

using namespace etf::literals;

namespace {

/// Removes the first occurrence of `x`; false if there was none.
bool erase_one(std::vector<etf::pid>& xs, const etf::pid& x) {
  auto i = std::find(xs.begin(), xs.end(), x);
  if (i == xs.end())
    return false;
  xs.erase(i);
  return true;
}

bool erase_one(std::vector<etf::term>& xs, const etf::term& x) {
  auto i = std::find(xs.begin(), xs.end(), x);
  if (i == xs.end())
    return false;
  xs.erase(i);
  return true;
}

/// `Pids ++ Xs`, as pg puts newcomers first.
void prepend(std::vector<etf::pid>& xs, const std::vector<etf::pid>& pids) {
  xs.insert(xs.begin(), pids.begin(), pids.end());
}

/// A pid, or a proper list of pids (pg's PidOrPids).
std::optional<std::vector<etf::pid>> pids_of(const etf::term& x) {
  if (auto p = x.get_if<etf::pid>())
    return std::vector<etf::pid>{*p};
  std::vector<etf::pid> result;
  if (!etf::get_as(x, result))
    return std::nullopt;
  return result;
}

} // namespace

scope_core::scope_core(etf::atom scope, etf::pid self)
  : scope_(scope), self_(std::move(self)) {
  // nop
}

bool scope_core::is_local(const etf::pid& x) const noexcept {
  return x.node == self_.node && x.creation == self_.creation;
}

// -- local membership ---------------------------------------------------------

effects scope_core::join(const etf::term& group,
                         const std::vector<etf::pid>& pids, bool as_list) {
  effects out;
  if (pids.empty() && !as_list)
    return out;
  for (auto& p : pids) {
    auto [i, added] = local_.try_emplace(p);
    if (added)
      out.emplace_back(monitor_pid{p});
    i->second.insert(i->second.begin(), group);
  }
  add(group, pids, true, out);
  broadcast(
    etf::make_tuple("join"_atom, self_, group, pids_term(pids, as_list)), out);
  return out;
}

std::optional<effects> scope_core::leave(const etf::term& group,
                                         const std::vector<etf::pid>& pids,
                                         bool as_list) {
  effects out;
  std::vector<etf::pid> left;
  for (auto& p : pids) {
    auto i = local_.find(p);
    if (i == local_.end() || !erase_one(i->second, group))
      continue;
    if (i->second.empty()) {
      local_.erase(i);
      out.emplace_back(demonitor_pid{p});
    }
    left.push_back(p);
  }
  if (left.empty())
    return std::nullopt;
  remove(group, left, true, out);
  // Only the processes that were members: the peer removes exactly these.
  broadcast(etf::make_tuple("leave"_atom, self_, pids_term(left, as_list),
                            etf::list{{group}}),
            out);
  return out;
}

effects scope_core::member_down(const etf::pid& member) {
  effects out;
  auto i = local_.find(member);
  if (i == local_.end())
    return out;
  auto groups = std::move(i->second);
  local_.erase(i);
  for (auto& g : groups)
    remove(g, {member}, true, out);
  // One leave naming every group it was in, repeats included, as pg does.
  broadcast(etf::make_tuple("leave"_atom, self_, member,
                            etf::list{std::move(groups)}),
            out);
  return out;
}

// -- peers --------------------------------------------------------------------

effects scope_core::discover(etf::atom node) const {
  effects out;
  out.emplace_back(
    send_to_scope{node, etf::make_tuple("discover"_atom, self_)});
  return out;
}

expected<effects, std::string> scope_core::receive(const etf::term& msg) {
  auto t = msg.get_if<etf::tuple>();
  if (t == nullptr || t->size() < 2 || !(*t)[0].is<etf::atom>())
    return unexpected{std::string{"not a pg message"}};
  auto tag = (*t)[0].get<etf::atom>();
  if (tag == "discover"_atom && (t->size() == 2 || t->size() == 3))
    return on_discover((*t)[1]);
  if (tag == "join"_atom && t->size() == 4)
    return on_join((*t)[1], (*t)[2], (*t)[3]);
  if (tag == "leave"_atom && t->size() == 4)
    return on_leave((*t)[1], (*t)[2], (*t)[3]);
  etf::term peer;
  etf::term groups;
  if (tag == "$gen_cast"_atom && t->size() == 2
      && etf::match((*t)[1], "sync"_atom, &peer, &groups))
    return on_sync(peer, groups);
  return unexpected{std::string{"not a pg message"}};
}

effects scope_core::peer_down(const etf::pid& peer) {
  effects out;
  auto i = remote_.find(peer);
  if (i == remote_.end())
    return out;
  auto gone = std::move(i->second);
  remote_.erase(i);
  for (auto& [group, pids] : gone)
    remove(group, pids, false, out);
  return out;
}

expected<effects, std::string>
scope_core::on_discover(const etf::term& peer_term) {
  auto peer = peer_term.get_if<etf::pid>();
  if (peer == nullptr || is_local(*peer))
    return unexpected{std::string{"discover without a remote scope pid"}};
  effects out;
  out.emplace_back(send_to_pid{
    *peer, etf::make_tuple("$gen_cast"_atom,
                           etf::make_tuple("sync"_atom, self_, local_sync()))});
  if (remote_.try_emplace(*peer).second) {
    out.emplace_back(monitor_pid{*peer});
    out.emplace_back(
      send_to_pid{*peer, etf::make_tuple("discover"_atom, self_)});
  }
  return out;
}

expected<effects, std::string>
scope_core::on_sync(const etf::term& peer_term, const etf::term& groups_term) {
  auto peer = peer_term.get_if<etf::pid>();
  if (peer == nullptr || is_local(*peer))
    return unexpected{std::string{"sync without a remote scope pid"}};
  auto xs = groups_term.get_if<etf::list>();
  if (xs == nullptr || !xs->proper())
    return unexpected{std::string{"sync without a list of groups"}};
  // All checked before anything changes; a later entry for the same group
  // wins, as in maps:from_list/1.
  remote_groups now;
  for (auto& x : xs->elements) {
    etf::term group;
    etf::term pids_term;
    if (!etf::match(x, &group, &pids_term))
      return unexpected{std::string{"sync entry is not {Group, Pids}"}};
    std::vector<etf::pid> pids;
    if (!etf::get_as(pids_term, pids))
      return unexpected{std::string{"sync entry without a list of pids"}};
    now[group] = std::move(pids);
  }
  effects out;
  auto [i, added] = remote_.try_emplace(*peer);
  if (added)
    out.emplace_back(monitor_pid{*peer});
  auto before = std::move(i->second);
  for (auto& [group, pids] : now) {
    auto old = before.find(group);
    if (old != before.end()) {
      if (old->second != pids)
        remove(group, old->second, false, out);
      else {
        before.erase(old);
        continue;
      }
      before.erase(old);
    }
    add(group, pids, false, out);
  }
  for (auto& [group, pids] : before)
    remove(group, pids, false, out);
  i->second = std::move(now);
  return out;
}

expected<effects, std::string> scope_core::on_join(const etf::term& peer_term,
                                                   const etf::term& group,
                                                   const etf::term& who) {
  auto peer = peer_term.get_if<etf::pid>();
  auto pids = pids_of(who);
  if (peer == nullptr || !pids)
    return unexpected{std::string{"join is not {join, Peer, Group, Pids}"}};
  effects out;
  auto i = remote_.find(*peer);
  if (i == remote_.end())
    return out; // not (or no longer) a peer: pg ignores it too
  prepend(i->second[group], *pids);
  add(group, *pids, false, out);
  return out;
}

expected<effects, std::string> scope_core::on_leave(const etf::term& peer_term,
                                                    const etf::term& who,
                                                    const etf::term& groups) {
  auto peer = peer_term.get_if<etf::pid>();
  auto pids = pids_of(who);
  auto gs = groups.get_if<etf::list>();
  if (peer == nullptr || !pids || gs == nullptr || !gs->proper())
    return unexpected{std::string{"leave is not {leave, Peer, Pids, Groups}"}};
  effects out;
  auto i = remote_.find(*peer);
  if (i == remote_.end())
    return out;
  for (auto& group : gs->elements) {
    auto g = i->second.find(group);
    if (g == i->second.end())
      continue; // nothing of that peer's in it
    std::vector<etf::pid> left;
    for (auto& p : *pids)
      if (erase_one(g->second, p))
        left.push_back(p);
    if (g->second.empty())
      i->second.erase(g);
    if (!left.empty())
      remove(group, left, false, out);
  }
  return out;
}

// -- watches ------------------------------------------------------------------

uint64_t scope_core::watch(std::optional<etf::term> group) {
  auto id = next_watch_++;
  watches_.emplace(id, std::move(group));
  return id;
}

bool scope_core::unwatch(uint64_t id) {
  return watches_.erase(id) > 0;
}

// -- queries ------------------------------------------------------------------

std::vector<etf::pid> scope_core::members(const etf::term& group) const {
  auto i = groups_.find(group);
  return i == groups_.end() ? std::vector<etf::pid>{} : i->second.all;
}

std::vector<etf::pid> scope_core::local_members(const etf::term& group) const {
  auto i = groups_.find(group);
  return i == groups_.end() ? std::vector<etf::pid>{} : i->second.local;
}

std::vector<etf::term> scope_core::which_groups() const {
  std::vector<etf::term> result;
  for (auto& [group, entry] : groups_)
    result.push_back(group);
  return result;
}

std::vector<etf::term> scope_core::which_local_groups() const {
  std::vector<etf::term> result;
  for (auto& [group, entry] : groups_)
    if (!entry.local.empty())
      result.push_back(group);
  return result;
}

group_map scope_core::all_groups() const {
  group_map result;
  for (auto& [group, entry] : groups_)
    result.emplace(group, entry.all);
  return result;
}

std::vector<etf::pid> scope_core::peers() const {
  std::vector<etf::pid> result;
  for (auto& [peer, groups] : remote_)
    result.push_back(peer);
  return result;
}

// -- helpers ------------------------------------------------------------------

etf::term scope_core::pids_term(const std::vector<etf::pid>& pids,
                                bool as_list) const {
  if (!as_list && pids.size() == 1)
    return pids.front();
  etf::list xs;
  for (auto& p : pids)
    xs.elements.emplace_back(p);
  return xs;
}

void scope_core::add(const etf::term& group, const std::vector<etf::pid>& pids,
                     bool local, effects& out) {
  if (pids.empty())
    return;
  auto& entry = groups_[group];
  prepend(entry.all, pids);
  if (local)
    prepend(entry.local, pids);
  notify_watchers(true, group, pids, out);
}

void scope_core::remove(const etf::term& group,
                        const std::vector<etf::pid>& pids, bool local,
                        effects& out) {
  auto i = groups_.find(group);
  if (i == groups_.end() || pids.empty())
    return;
  for (auto& p : pids) {
    erase_one(i->second.all, p);
    if (local)
      erase_one(i->second.local, p);
  }
  if (i->second.all.empty())
    groups_.erase(i);
  notify_watchers(false, group, pids, out);
}

void scope_core::notify_watchers(bool joined, const etf::term& group,
                                 const std::vector<etf::pid>& pids,
                                 effects& out) const {
  for (auto& [id, which] : watches_)
    if (!which || *which == group)
      out.emplace_back(notify{id, membership_event{joined, group, pids}});
}

void scope_core::broadcast(const etf::term& msg, effects& out) const {
  for (auto& [peer, groups] : remote_)
    out.emplace_back(send_to_pid{peer, msg});
}

etf::term scope_core::local_sync() const {
  etf::list result;
  for (auto& [group, entry] : groups_)
    if (!entry.local.empty()) {
      etf::list pids;
      for (auto& p : entry.local)
        pids.elements.emplace_back(p);
      result.elements.emplace_back(etf::make_tuple(group, std::move(pids)));
    }
  return result;
}

} // namespace cafe::pg
