#pragma once

// The proxies for Erlang processes in use. Not installed.

#include "cafe/actor/bridge.hpp"
#include "proxy_target.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/node_id.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace cafe::actor {

/// One proxy a target while it is in use, as CAF's own proxy_registry keeps
/// one a remote actor. Held weakly: CAF's references keep a proxy alive,
/// and its destructor takes it out (`erase`). Thread-safe.
class proxy_registry {
public:
  explicit proxy_registry(caf::actor_system& sys);

  /// The live proxy for `target`, made (forwarding for `owner`) if there is
  /// none.
  caf::strong_actor_ptr get_or_put(const proxy_target& target,
                                   const std::weak_ptr<bridge::state>& owner);

  /// The proxy `p` for `target` is gone (its destructor runs); a newer
  /// proxy for it stays.
  void erase(const proxy_target& target, caf::actor_control_block* p);

  /// The proxies alive right now. The caller releases them after the lock:
  /// the last reference runs a proxy's destructor, which calls `erase`.
  std::vector<caf::strong_actor_ptr> live() const;

  size_t size() const;

private:
  /// Requires `mtx_`.
  caf::node_id node_id_of(etf::atom peer);

  caf::actor_system& sys_;
  mutable std::mutex mtx_;
  std::unordered_map<etf::pid, caf::weak_actor_ptr> pid_proxies_;
  std::map<registered_name, caf::weak_actor_ptr> name_proxies_;
  std::unordered_map<etf::atom, caf::node_id> node_ids_;
};

} // namespace cafe::actor
