#pragma once

// Who hears of other nodes going up and down. Not installed.

#include "cafe/etf/atom.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cafe::actor {

/// Subscribers of every visible node (net_kernel:monitor_nodes(true)) and
/// one-shot monitors of one node (erlang:monitor_node/2), held weakly: a
/// subscription ends with its subscriber. Thread-safe.
class node_subscriptions {
public:
  void add_watcher(caf::weak_actor_ptr x);

  void remove_watcher(const caf::weak_actor_ptr& x);

  void add_monitor(etf::atom node, caf::weak_actor_ptr x);

  /// Takes back `x`'s monitor of `node`: false if there is none (it fired).
  bool remove_monitor(etf::atom node, const caf::weak_actor_ptr& x);

  /// `peer` connected (`published`: as a visible node): who to tell.
  std::vector<caf::strong_actor_ptr> nodeup(etf::atom peer, bool published);

  /// `peer` disconnected: who to tell. Its monitors fire now, once.
  std::vector<caf::strong_actor_ptr> nodedown(etf::atom peer);

private:
  /// Requires `mtx_`.
  void collect_watchers(std::vector<caf::strong_actor_ptr>& out);

  std::mutex mtx_;
  std::vector<caf::weak_actor_ptr> watchers_;
  /// Visible peers reported up to `watchers_`: a nodedown only after their
  /// nodeup.
  std::unordered_set<etf::atom> visible_;
  std::unordered_map<etf::atom, std::vector<caf::weak_actor_ptr>> monitors_;
};

} // namespace cafe::actor
