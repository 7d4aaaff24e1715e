#pragma once

// The bridge's shared state: the maps between CAF actors and pids, the
// proxies in use, outgoing calls and node subscriptions. Proxies and the
// node's process entries hold it weakly. Not installed.

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/term_context.hpp"

#include <atomic>
#include <caf/actor_control_block.hpp>
#include <caf/message_id.hpp>
#include <caf/node_id.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace cafe::actor {

class actor_process;

/// `{Name, Node}`: a registered process somewhere.
struct registered_name {
  etf::atom name;
  etf::atom node;

  friend bool operator<(const registered_name& x, const registered_name& y) {
    if (x.node != y.node)
      return x.node.text() < y.node.text();
    return x.name.text() < y.name.text();
  }
  friend bool operator==(const registered_name&, const registered_name&)
    = default;
};

/// What a proxy forwards to.
using proxy_target = std::variant<etf::pid, registered_name>;

/// A gen_server:call a local actor made through a proxy (CAF `request`),
/// waiting for `{Ref, Reply}`.
struct outgoing_call {
  etf::pid caller;
  caf::message_id mid;
  caf::weak_actor_ptr callee;
};

/// A local actor that has a pid.
struct local_entry {
  caf::weak_actor_ptr ptr;
  caf::actor_id id;
  std::shared_ptr<actor_process> proc;
};

struct bridge::state : term_context, std::enable_shared_from_this<state> {
  state(caf::actor_system& sys_ref, std::shared_ptr<node::node> n,
        type_registry ts);

  ~state() override;

  caf::actor_system& sys;
  std::shared_ptr<node::node> node;
  const type_registry types;
  /// The sender of messages that have no CAF sender (anon_send).
  etf::pid anonymous;

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

  void on_node(etf::atom peer, bool up);

  caf::node_id node_id_of(etf::atom peer);

  mutable std::mutex mtx;
  std::unordered_map<caf::actor_id, etf::pid> pids;
  std::unordered_map<etf::pid, local_entry> actors;
  std::unordered_map<etf::pid, caf::weak_actor_ptr> pid_proxies;
  std::map<registered_name, caf::weak_actor_ptr> name_proxies;
  std::unordered_map<etf::atom, caf::node_id> node_ids;
  std::unordered_map<etf::reference, outgoing_call> calls;
  std::vector<caf::weak_actor_ptr> node_watchers;
  /// Visible peers reported up to `node_watchers`.
  std::unordered_set<etf::atom> visible_nodes;
  std::unordered_map<etf::atom, std::vector<caf::weak_actor_ptr>> node_monitors;
  std::atomic<uint64_t> next_request{1};
};

} // namespace cafe::actor
