#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pg/scope_core.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cafe::pg {

/// Receives a watch's membership changes, on the thread that made them
/// (an io thread, or the caller of join/leave). Must not block.
using watcher = std::function<void(const membership_event&)>;

/// A pg scope on a node: a process registered under the scope's name that
/// takes part in OTP's scope protocol with every node that runs the same
/// scope (BEAM or cafe), so that `pg:get_members(Scope, Group)` lists the
/// same processes on every node. Local members are any processes of this
/// node (CAF actors through the bridge, mailboxes).
///
/// Like a BEAM scope, it discovers the scope on every node connected when
/// it starts and on every node that comes up afterwards; also on hidden
/// nodes that run processes (BEAM or cafe nodes: a BEAM scope never
/// discovers a hidden node by itself, so this side asks), but never on an
/// erl_interface C node such as erl_call, which would take the discover
/// for the answer it waits for.
///
/// Thread-safe. Changes are applied at once; the messages they cause leave
/// in the order the changes were made.
class scope : public std::enable_shared_from_this<scope> {
public:
  /// Starts the scope `name` on `owner` (pg:start_link(Scope)). Fails when
  /// the name is taken.
  static expected<std::shared_ptr<scope>, std::string>
  start(const std::shared_ptr<node::node>& owner, etf::atom name);

  ~scope();

  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;

  /// Ends the scope process (with `shutdown`): peers drop its members.
  void stop();

  etf::atom name() const noexcept;

  /// The scope process.
  const etf::pid& self() const noexcept;

  // -- membership -------------------------------------------------------------

  /// pg:join(Scope, Group, Pid). Fails (nothing changes) when a pid is
  /// not of this node, like pg's `{nolocal, Pid}`.
  expected<void, std::string> join(const etf::term& group, const etf::pid& pid);

  /// pg:join(Scope, Group, Pids).
  expected<void, std::string> join(const etf::term& group,
                                   const std::vector<etf::pid>& pids);

  /// pg:leave/3: true for `ok`, false for `not_joined`; an error for
  /// non-local pids.
  expected<bool, std::string> leave(const etf::term& group,
                                    const etf::pid& pid);

  expected<bool, std::string> leave(const etf::term& group,
                                    const std::vector<etf::pid>& pids);

  std::vector<etf::pid> members(const etf::term& group) const;

  std::vector<etf::pid> local_members(const etf::term& group) const;

  std::vector<etf::term> which_groups() const;

  std::vector<etf::term> which_local_groups() const;

  // -- watches ----------------------------------------------------------------

  struct watch_handle {
    uint64_t id = 0;
    /// The membership when the watch began (one group, or all).
    group_map snapshot;
  };

  /// pg:monitor_scope/1: `fn` sees every join and leave from now on.
  watch_handle monitor_scope(watcher fn);

  /// pg:monitor/2: `fn` sees the joins and leaves of `group`.
  watch_handle monitor(const etf::term& group, watcher fn);

  /// pg:demonitor/2; false if the watch had ended already.
  bool demonitor(uint64_t id);

  // -- peers ------------------------------------------------------------------

  /// Asks the scope on `node` to sync (for a node that connected hidden,
  /// which a BEAM scope does not discover on its own). Connects if needed.
  void discover(etf::atom node);

  /// The peer scopes this scope syncs with.
  std::vector<etf::pid> peers() const;

  class process;

private:
  scope(std::shared_ptr<node::node> owner, etf::atom name, etf::pid self);

  /// Runs `step` on the core under the lock and carries out what it asks,
  /// in order, outside the lock: a send may run a local actor at once on
  /// this thread, and that actor may call back into this scope.
  template <class Step>
  void apply(Step&& step);

  void carry_out(std::unique_lock<std::mutex>& guard);

  void on_message(etf::term msg);

  void on_down(const etf::reference& ref, const etf::term& who);

  void on_nodeup(etf::atom peer);

  std::weak_ptr<node::node> owner_;
  etf::atom name_;
  etf::pid self_;
  mutable std::mutex mtx_;
  scope_core core_;
  std::unordered_map<etf::pid, etf::reference> monitors_;
  std::unordered_map<uint64_t, watcher> watchers_;
  /// Effects not yet carried out, in order (see `apply`).
  effects outbox_;
  bool draining_ = false;
  bool stopped_ = false;
};

} // namespace cafe::pg
