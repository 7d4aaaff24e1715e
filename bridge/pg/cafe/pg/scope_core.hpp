#pragma once

#include "cafe/etf/compare.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace cafe::pg {

/// Orders group names (any term) the way Erlang orders terms.
struct group_less {
  bool operator()(const etf::term& x, const etf::term& y) const {
    return etf::compare(x, y) < 0;
  }
};

/// Groups and their members, newest first (as pg:get_members/2 lists
/// them); a process that joined twice is listed twice.
using group_map = std::map<etf::term, std::vector<etf::pid>, group_less>;

// -- what the core asks its owner to do --------------------------------------

/// `To ! Msg`, without setting up a connection (pg sends with `noconnect`).
struct send_to_pid {
  etf::pid to;
  etf::term msg;
};

/// `{Scope, Node} ! Msg`: the scope process of the same name on `node`.
struct send_to_scope {
  etf::atom node;
  etf::term msg;
};

/// erlang:monitor(process, Who) from the scope process; its DOWN comes
/// back as `member_down` (a local member) or `peer_down` (a peer scope).
struct monitor_pid {
  etf::pid who;
};

/// Drops the monitor `monitor_pid` set on `who`.
struct demonitor_pid {
  etf::pid who;
};

/// Processes joined or left a group, as pg tells its monitors
/// (`{Ref, join | leave, Group, Pids}`).
struct membership_event {
  bool joined = false;
  etf::term group;
  std::vector<etf::pid> pids;
};

/// `event` for the watch `watch` (see `scope_core::watch`).
struct notify {
  uint64_t watch = 0;
  membership_event event;
};

using effect = std::variant<send_to_pid, send_to_scope, monitor_pid,
                            demonitor_pid, notify>;

/// What one input asks for, to be carried out in order.
using effects = std::vector<effect>;

/// One pg scope (OTP 23+ `pg.erl`, any scope name) as a state machine:
/// local and remote membership, the scope protocol between nodes, and
/// membership watches. It does no I/O: every input returns the messages to
/// send and the monitors to set, for the owner (pg::scope) to carry out.
///
/// The protocol (PROTOCOL.md §7), between scope processes of one name:
/// - `{discover, Peer}` (and OTP 26+'s `{discover, Peer, Vsn}`): answered
///   with `{'$gen_cast', {sync, Self, LocalGroups}}`; a new peer is also
///   monitored and sent `{discover, Self}`.
/// - `sync` replaces what was known of that peer.
/// - `{join, Peer, Group, PidOrPids}` and `{leave, Peer, PidOrPids,
///   Groups}` change a known peer's members; from an unknown peer they are
///   ignored, as pg ignores them.
/// - A peer scope's DOWN (`noconnection` included) drops its members.
///
/// What this side sends is only ever these messages, each well formed and
/// consistent with what the peer was told before: a BEAM scope raises
/// `badarg` on anything else (and `badkey` on a leave for a group it never
/// heard of), losing all its members.
class scope_core {
public:
  /// `self` is the pid of the scope process, registered as `scope`.
  scope_core(etf::atom scope, etf::pid self);

  etf::atom scope() const noexcept {
    return scope_;
  }

  const etf::pid& self() const noexcept {
    return self_;
  }

  /// Whether `x` is a process of this node (the only ones that may join).
  bool is_local(const etf::pid& x) const noexcept;

  // -- local membership -------------------------------------------------------

  /// pg:join(Scope, Group, PidOrPids) for local processes (checked by the
  /// caller: see `is_local`). A process may join a group several times.
  effects join(const etf::term& group, const std::vector<etf::pid>& pids,
               bool as_list);

  /// pg:leave/3: each of `pids` leaves `group` once. Returns nullopt when
  /// none of them was in it (pg's `not_joined`).
  std::optional<effects> leave(const etf::term& group,
                               const std::vector<etf::pid>& pids, bool as_list);

  /// A monitored local member ended: it leaves every group it was in.
  effects member_down(const etf::pid& member);

  // -- peers ------------------------------------------------------------------

  /// `{discover, Self}` to the scope on `node` (at start, on nodeup, or to
  /// reach a hidden peer).
  effects discover(etf::atom node) const;

  /// A message to the scope process. A message that is not part of the
  /// protocol, or is malformed, is an error (the caller logs and drops it).
  expected<effects, std::string> receive(const etf::term& msg);

  /// The monitored peer scope `peer` went down: its members are gone.
  effects peer_down(const etf::pid& peer);

  // -- watches ----------------------------------------------------------------

  /// Watches every group (pg:monitor_scope), or one (pg:monitor): each
  /// change comes as a `notify` with the returned id.
  uint64_t watch(std::optional<etf::term> group);

  /// Ends a watch; false if there was none.
  bool unwatch(uint64_t id);

  // -- queries ----------------------------------------------------------------

  /// pg:get_members/2: every member, newest first.
  std::vector<etf::pid> members(const etf::term& group) const;

  /// pg:get_local_members/2.
  std::vector<etf::pid> local_members(const etf::term& group) const;

  /// pg:which_groups/1: groups with at least one member anywhere.
  std::vector<etf::term> which_groups() const;

  /// pg:which_local_groups/1.
  std::vector<etf::term> which_local_groups() const;

  /// Every group with its members (what pg:monitor_scope answers).
  group_map all_groups() const;

  /// The peer scope processes this scope syncs with.
  std::vector<etf::pid> peers() const;

private:
  struct group_entry {
    std::vector<etf::pid> all;
    std::vector<etf::pid> local;
  };

  /// What a peer scope told us: its local groups.
  using remote_groups = group_map;

  etf::term pids_term(const std::vector<etf::pid>& pids, bool as_list) const;

  void add(const etf::term& group, const std::vector<etf::pid>& pids,
           bool local, effects& out);

  void remove(const etf::term& group, const std::vector<etf::pid>& pids,
              bool local, effects& out);

  void notify_watchers(bool joined, const etf::term& group,
                       const std::vector<etf::pid>& pids, effects& out) const;

  void broadcast(const etf::term& msg, effects& out) const;

  etf::term local_sync() const;

  expected<effects, std::string> on_discover(const etf::term& peer);

  expected<effects, std::string> on_sync(const etf::term& peer,
                                         const etf::term& groups);

  expected<effects, std::string>
  on_join(const etf::term& peer, const etf::term& group, const etf::term& pids);

  expected<effects, std::string> on_leave(const etf::term& peer,
                                          const etf::term& pids,
                                          const etf::term& groups);

  etf::atom scope_;
  etf::pid self_;
  std::map<etf::term, group_entry, group_less> groups_;
  /// Local members and the groups each joined (with repeats).
  std::unordered_map<etf::pid, std::vector<etf::term>> local_;
  /// Known peer scopes and their local groups.
  std::unordered_map<etf::pid, remote_groups> remote_;
  /// Watches: all groups (nullopt) or one.
  std::map<uint64_t, std::optional<etf::term>> watches_;
  uint64_t next_watch_ = 1;
};

} // namespace cafe::pg
