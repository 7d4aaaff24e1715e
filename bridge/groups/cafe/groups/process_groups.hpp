#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/pg/scope.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace cafe::groups {

/// `(pg_join_atom, etf::term group, std::vector<caf::actor> members)`:
/// processes joined a watched group.
using pg_join_atom = caf::atom_constant<caf::atom("pg_join")>;

/// `(pg_leave_atom, etf::term group, std::vector<caf::actor> members)`.
using pg_leave_atom = caf::atom_constant<caf::atom("pg_leave")>;

/// A pg scope for CAF actors: actors join and leave groups (any term names
/// a group) and find the members every node of the scope sees, Erlang
/// processes included, as actors (proxies for remote ones).
///
/// Thread-safe; usable from inside actors.
class process_groups {
public:
  process_groups(std::shared_ptr<actor::bridge> br,
                 std::shared_ptr<pg::scope> scope);

  ~process_groups();

  pg::scope& scope() const noexcept;

  /// pg:join/3. An actor may join a group several times and is then
  /// listed as often; it leaves every group when it terminates.
  void join(const etf::term& group, const caf::actor& x);

  void join(const etf::term& group, const std::vector<caf::actor>& xs);

  /// pg:leave/3; false if `x` was not in `group` (`not_joined`).
  bool leave(const etf::term& group, const caf::actor& x);

  /// pg:get_members/2: every member on every node, newest first.
  std::vector<caf::actor> members(const etf::term& group) const;

  /// pg:get_local_members/2.
  std::vector<caf::actor> local_members(const etf::term& group) const;

  std::vector<etf::term> which_groups() const;

  std::vector<etf::term> which_local_groups() const;

  /// pg:monitor_scope/1: `subscriber` receives `(pg_join_atom, Group,
  /// Members)` and `(pg_leave_atom, Group, Members)` for every change in
  /// the scope until `demonitor(id)` or it terminates. Returns the id and
  /// every group's members right now.
  std::pair<uint64_t,
            std::vector<std::pair<etf::term, std::vector<caf::actor>>>>
  monitor_scope(const caf::actor& subscriber);

  /// pg:monitor/2: the same for one group; returns the id and its members.
  std::pair<uint64_t, std::vector<caf::actor>>
  monitor(const etf::term& group, const caf::actor& subscriber);

  /// pg:demonitor/2.
  bool demonitor(uint64_t id);

  // -- pg2, as older Elixir tutorials use it ----------------------------------

  /// pg2:create/1. A no-op: pg groups exist while they have members.
  void create(const etf::term& group);

  /// pg2:get_members/1.
  std::vector<caf::actor> get_members(const etf::term& group) const;

  /// pg2:get_local_members/1.
  std::vector<caf::actor> get_local_members(const etf::term& group) const;

  /// pg2:get_closest_pid/1: a local member if there is one, else a random
  /// member; nullopt for an empty group (pg2's `{error, {no_process, G}}`).
  std::optional<caf::actor> get_closest_pid(const etf::term& group) const;

private:
  std::vector<caf::actor> actors(const std::vector<etf::pid>& pids) const;

  pg::watcher forward_to(const caf::actor& subscriber);

  std::shared_ptr<actor::bridge> bridge_;
  std::shared_ptr<pg::scope> scope_;
};

} // namespace cafe::groups
