#pragma once

#include "cafe/actor/message_types.hpp"
#include "cafe/actor/type_registry.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/node/node.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <memory>
#include <optional>
#include <string_view>

namespace cafe::actor {

/// How Erlang messages reach an actor.
enum class delivery {
  /// Converted by the type registry: `{chat, <<"r">>, <<"u">>, <<"t">>}`
  /// arrives as `(chat_atom, std::string, std::string, std::string)`.
  typed,
  /// As they are: every message is one `etf::term` (calls: the request).
  raw,
};

/// Makes the CAF actors of one actor system processes of one Erlang node,
/// and the node's peers' processes CAF actors.
///
/// - A local actor gets a pid when it first crosses the wire (as a sender,
///   inside a message, by `pid_of` or `register_name`); the pid dies with
///   the actor, and Erlang monitors and links on it fire with its exit
///   reason (see exit_reasons.hpp).
/// - A remote pid, or `{Name, Node}`, is a CAF proxy (`actor_of`,
///   `remote`): `send` sends, `request` is a gen_server:call (it fails with
///   the DOWN reason when the callee is or goes down, e.g. `noproc`),
///   `monitor` is erlang:monitor, `link_to` is link/1, `send_exit` is
///   exit/2. A monitored proxy lives until its target ends.
/// - Erlang messages reach actors converted by `types()`; a
///   `{'$gen_call', From, Request}` arrives as a CAF request, and the
///   handler's result is the gen_server reply. (For a plain message, CAF
///   sends a handler's result back to the sender as a message: handlers for
///   casts return nothing.)
///
/// Thread-safe. Create it once the node runs; destroy it before the actor
/// system. Proxies and pids outliving the bridge go quiet.
class bridge {
public:
  bridge(caf::actor_system& sys, std::shared_ptr<node::node> node,
         type_registry types = {});

  ~bridge();

  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  node::node& node() const noexcept;

  const type_registry& types() const noexcept;

  // -- identities -------------------------------------------------------------

  /// The pid of the local actor `x`, given one if it has none.
  etf::pid pid_of(const caf::actor& x);

  /// Gives `x` a pid (if it has none) and sets how it receives Erlang
  /// messages; actors that never call this receive them `typed`.
  etf::pid bind(const caf::actor& x, delivery how);

  /// The handle for the process `x`: the local actor it belongs to, or a
  /// proxy for a process elsewhere (one proxy a pid while it is in use).
  caf::actor actor_of(const etf::pid& x);

  /// A proxy for the process registered as `name` on `node` (which may be
  /// this node). Messages to it are sent by name each time.
  caf::actor remote(etf::atom name, etf::atom node);

  /// Registers `x` as `name` (erlang:register/2); false if taken. The name
  /// goes away when the actor terminates.
  bool register_name(etf::atom name, const caf::actor& x);

  /// `register_name` after `bind(x, how)`.
  bool register_name(etf::atom name, const caf::actor& x, delivery how);

  void unregister_name(etf::atom name);

  // -- nodes ------------------------------------------------------------------

  /// `subscriber` receives `(nodeup_atom, etf::atom)` and
  /// `(nodedown_atom, etf::atom)` for every visible node, like
  /// net_kernel:monitor_nodes(true), until it terminates or
  /// `demonitor_nodes`.
  void monitor_nodes(const caf::actor& subscriber);

  void demonitor_nodes(const caf::actor& subscriber);

  /// erlang:monitor_node(Node, true): `subscriber` receives one
  /// `(nodedown_atom, node)` when the connection to `node` goes down, or at
  /// once when it cannot be set up.
  void monitor_node(const caf::actor& subscriber, etf::atom node);

  // -- introspection ----------------------------------------------------------

  /// Local actors that have a pid right now.
  size_t process_count() const;

  /// Proxies alive right now.
  size_t proxy_count() const;

  struct state;

private:
  std::shared_ptr<state> state_;
};

} // namespace cafe::actor
