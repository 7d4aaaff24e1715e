#include "cafe/groups/process_groups.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <random>

namespace cafe::groups {

process_groups::process_groups(std::shared_ptr<actor::bridge> br,
                               std::shared_ptr<pg::scope> scope)
  : bridge_(std::move(br)), scope_(std::move(scope)) {
  // nop
}

process_groups::~process_groups() = default;

pg::scope& process_groups::scope() const noexcept {
  return *scope_;
}

void process_groups::join(const etf::term& group, const caf::actor& x) {
  // An actor's pid is always local: the join cannot fail.
  (void)scope_->join(group, bridge_->pid_of(x));
}

void process_groups::join(const etf::term& group,
                          const std::vector<caf::actor>& xs) {
  std::vector<etf::pid> pids;
  for (auto& x : xs)
    pids.push_back(bridge_->pid_of(x));
  (void)scope_->join(group, pids);
}

bool process_groups::leave(const etf::term& group, const caf::actor& x) {
  auto left = scope_->leave(group, bridge_->pid_of(x));
  return left && *left;
}

std::vector<caf::actor>
process_groups::actors(const std::vector<etf::pid>& pids) const {
  std::vector<caf::actor> result;
  result.reserve(pids.size());
  for (auto& p : pids)
    if (auto x = bridge_->actor_of(p))
      result.push_back(std::move(x));
  return result;
}

std::vector<caf::actor> process_groups::members(const etf::term& group) const {
  return actors(scope_->members(group));
}

std::vector<caf::actor>
process_groups::local_members(const etf::term& group) const {
  return actors(scope_->local_members(group));
}

std::vector<etf::term> process_groups::which_groups() const {
  return scope_->which_groups();
}

std::vector<etf::term> process_groups::which_local_groups() const {
  return scope_->which_local_groups();
}

pg::watcher process_groups::forward_to(const caf::actor& subscriber) {
  // Weak: a watch must not keep its subscriber alive.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(subscriber);
  std::weak_ptr<actor::bridge> br = bridge_;
  return [weak, br](const pg::membership_event& ev) {
    auto dest = caf::actor_cast<caf::actor>(weak.lock());
    auto b = br.lock();
    if (!dest || !b)
      return;
    std::vector<caf::actor> who;
    for (auto& p : ev.pids)
      if (auto x = b->actor_of(p))
        who.push_back(std::move(x));
    if (ev.joined)
      caf::anon_send(dest, pg_join_atom::value, ev.group, std::move(who));
    else
      caf::anon_send(dest, pg_leave_atom::value, ev.group, std::move(who));
  };
}

std::pair<uint64_t, std::vector<std::pair<etf::term, std::vector<caf::actor>>>>
process_groups::monitor_scope(const caf::actor& subscriber) {
  auto handle = scope_->monitor_scope(forward_to(subscriber));
  std::vector<std::pair<etf::term, std::vector<caf::actor>>> now;
  for (auto& [group, pids] : handle.snapshot)
    now.emplace_back(group, actors(pids));
  return {handle.id, std::move(now)};
}

std::pair<uint64_t, std::vector<caf::actor>>
process_groups::monitor(const etf::term& group, const caf::actor& subscriber) {
  auto handle = scope_->monitor(group, forward_to(subscriber));
  std::vector<caf::actor> now;
  if (auto i = handle.snapshot.find(group); i != handle.snapshot.end())
    now = actors(i->second);
  return {handle.id, std::move(now)};
}

bool process_groups::demonitor(uint64_t id) {
  return scope_->demonitor(id);
}

void process_groups::create(const etf::term&) {
  // pg has no empty groups; pg2:create/1 made one that the first join
  // fills. Nothing to do.
}

std::vector<caf::actor>
process_groups::get_members(const etf::term& group) const {
  return members(group);
}

std::vector<caf::actor>
process_groups::get_local_members(const etf::term& group) const {
  return local_members(group);
}

std::optional<caf::actor>
process_groups::get_closest_pid(const etf::term& group) const {
  auto local = local_members(group);
  auto all = local.empty() ? members(group) : std::move(local);
  if (all.empty())
    return std::nullopt;
  thread_local std::minstd_rand rng{std::random_device{}()};
  return all[std::uniform_int_distribution<size_t>{0, all.size() - 1}(rng)];
}

} // namespace cafe::groups
