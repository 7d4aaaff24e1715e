#pragma once

// The bridge's shared state: the local actors with pids, the proxies in
// use, outgoing calls and node subscriptions, each a part with its own lock.
// Proxies and the node's process entries hold it weakly. Not installed.

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/term_context.hpp"
#include "call_table.hpp"
#include "local_actors.hpp"
#include "node_subscriptions.hpp"
#include "proxy_registry.hpp"
#include "proxy_target.hpp"

#include <atomic>
#include <caf/actor_control_block.hpp>
#include <caf/message_id.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace cafe::actor {

/// The bridge's parts and what spans them. Each part has a lock of its own,
/// and none is held while another part's is taken, so there is no lock
/// order; the two operations that touch two parts (`process_exited`,
/// `shutdown`) take them one after the other.
struct bridge::state : term_context, std::enable_shared_from_this<state> {
  state(caf::actor_system& sys, std::shared_ptr<node::node> n,
        type_registry ts);

  ~state() override;

  node::node& node() const noexcept {
    return *node_;
  }

  const type_registry& types() const noexcept {
    return types_;
  }

  /// The sender of messages that have no CAF sender (anon_send).
  const etf::pid& anonymous() const noexcept {
    return anonymous_;
  }

  // -- term_context -----------------------------------------------------------

  caf::actor actor_of(const etf::pid& x) override;

  etf::pid pid_of(const caf::strong_actor_ptr& x) override;

  /// `pid_of`, setting the delivery when `how` is given.
  etf::pid bind(const caf::strong_actor_ptr& x, std::optional<delivery> how,
                bool locked = false);

  /// `pid_of` from inside `x`'s critical section: CAF calls a proxy's
  /// add_backlink and remove_backlink holding both actors' locks, where
  /// attaching to `x` would deadlock. A new pid's exit hook is attached
  /// right after, from a one-shot actor.
  etf::pid pid_of_locked(const caf::strong_actor_ptr& x);

  // -- proxies ----------------------------------------------------------------

  /// The live proxy for `target`, made if there is none.
  caf::strong_actor_ptr proxy_for(const proxy_target& target);

  /// The proxy for `target` is gone (its destructor runs).
  void proxy_destroyed(const proxy_target& target, caf::actor_control_block* p);

  // -- local actors -----------------------------------------------------------

  /// The actor with `pid` terminated with `reason`.
  void process_exited(const etf::pid& pid, const caf::error& reason);

  // -- calls ------------------------------------------------------------------

  /// A fresh request id for a call arriving from Erlang.
  caf::message_id next_request_id();

  /// Sends gen_server:call's request `{'$gen_call', {From, Ref}, Msg}` for
  /// a CAF `request` to the proxy `callee`.
  void call(const caf::strong_actor_ptr& from, caf::message_id mid,
            const caf::strong_actor_ptr& callee, const proxy_target& target,
            const etf::term& msg);

  /// The call `ref` that `caller` waits for, taken out of the table.
  std::optional<outgoing_call> take_call(const etf::pid& caller,
                                         const etf::reference& ref);

  // -- sending ----------------------------------------------------------------

  /// Sends `msg` to `target` on behalf of `from` (anonymous when null).
  void send(const caf::strong_actor_ptr& from, const proxy_target& target,
            const etf::term& msg);

  // -- nodes ------------------------------------------------------------------

  /// The node's report of a connection to `peer` going up or down.
  void on_node(etf::atom peer, bool up);

  void monitor_nodes(const caf::actor& subscriber);

  void demonitor_nodes(const caf::actor& subscriber);

  void monitor_node(const caf::actor& subscriber, etf::atom peer);

  // -- lifetime ---------------------------------------------------------------

  /// The bridge goes: every pid ends, and proxies drop their monitors.
  void shutdown();

  // -- introspection ----------------------------------------------------------

  size_t process_count() const;

  size_t proxy_count() const;

private:
  /// Makes `pid` end with the actor `x` (`locked`: see `pid_of_locked`).
  void attach_exit_hook(const caf::strong_actor_ptr& x, const etf::pid& pid,
                        bool locked);

  caf::actor_system& sys_;
  std::shared_ptr<node::node> node_;
  const type_registry types_;
  etf::pid anonymous_;
  local_actors actors_;
  proxy_registry proxies_;
  call_table calls_;
  node_subscriptions subscriptions_;
  std::atomic<uint64_t> next_request_{1};
};

} // namespace cafe::actor
