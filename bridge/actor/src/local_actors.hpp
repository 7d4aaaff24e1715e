#pragma once

// The local actors that have a pid. Not installed.

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/identifiers.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace cafe::actor {

class actor_process;

/// A local actor that has a pid.
struct local_entry {
  caf::weak_actor_ptr ptr;
  caf::actor_id id;
  std::shared_ptr<actor_process> proc;
};

/// Pids for local actors and the actors behind them: one pid an actor, from
/// its first crossing of the wire until it ends. Thread-safe.
class local_actors {
public:
  using entry_map = std::unordered_map<etf::pid, local_entry>;

  explicit local_actors(node::node& node);

  /// The actor behind `pid`; null when none is (or it is gone).
  caf::strong_actor_ptr find(const etf::pid& pid) const;

  /// The pid of `x`, minted and made a process of the node (delivering for
  /// `owner`) if it has none; as with `emplace`, the second is whether it
  /// is new. `how`, when given, becomes its delivery either way.
  std::pair<etf::pid, bool> bind(const caf::strong_actor_ptr& x,
                                 std::optional<delivery> how,
                                 const std::weak_ptr<bridge::state>& owner);

  /// Forgets `pid`: its process, or null if it had none. The caller
  /// releases it after the lock: it holds the actor, whose end runs
  /// arbitrary destructors (proxies among them).
  std::shared_ptr<actor_process> remove(const etf::pid& pid);

  /// Forgets every actor: their entries, which the caller releases as it
  /// does `remove`'s result.
  entry_map take_all();

  size_t size() const;

private:
  node::node& node_;
  mutable std::mutex mtx_;
  std::unordered_map<caf::actor_id, etf::pid> pids_;
  entry_map actors_;
};

} // namespace cafe::actor
