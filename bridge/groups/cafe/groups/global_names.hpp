#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/global/server.hpp"

#include <caf/actor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::groups {

/// OTP's `global` for CAF actors: an actor registered here under any term
/// is `{global, Name}` on every node of the cluster (`global:whereis_name`,
/// `gen_server:call({global, Name}, ...)`, `GenServer.call({:global,
/// name}, ...)`), and names registered anywhere are found from C++.
///
/// The registering calls take global's cluster-wide lock and wait for the
/// other nodes: call them from plain threads or blocking actors, never on
/// an io thread or in an event-based actor's handler. `whereis`,
/// `registered_names` and `send` never block.
class global_names {
public:
  global_names(std::shared_ptr<actor::bridge> br,
               std::shared_ptr<global::server> server);

  global::server& server() const noexcept;

  /// global:register_name(Name, Pid): true when the actor now has the name
  /// everywhere, false when the name is taken (or the actor has another
  /// one). With `global::server`'s default resolver, a clash found when
  /// partitions merge may end the actor with the exit reason `kill`.
  expected<bool, std::string> register_name(const etf::term& name,
                                            const caf::actor& x);

  /// global:re_register_name/2: takes the name even when taken.
  expected<void, std::string> re_register_name(const etf::term& name,
                                               const caf::actor& x);

  expected<void, std::string> unregister_name(const etf::term& name);

  /// The actor of a global name: a local actor, or the proxy of a process
  /// on another node (BEAM or cafe).
  std::optional<caf::actor> whereis(const etf::term& name) const;

  std::vector<etf::term> registered_names() const;

  /// global:send/2 from `from` (or the server): false when the name is
  /// unknown.
  bool send(const etf::term& name, const etf::term& msg) const;

  /// global:set_lock({Resource, Requester}) on this node and every
  /// visible node: true when set (global retries until the server's
  /// timeout). The lock is held by this node's global server (global's
  /// lock calls answer the holding process, which an actor's mailbox
  /// cannot hand back), until `del_lock` or the node goes down.
  expected<bool, std::string> set_lock(const etf::term& id) const;

  /// global:del_lock({Resource, Requester}).
  expected<void, std::string> del_lock(const etf::term& id) const;

  /// global:trans({Resource, Requester}, Fun): runs `fn` holding the
  /// cluster-wide lock `id`; nothing when the lock could not be set.
  std::optional<etf::term> trans(const etf::term& id,
                                 const std::function<etf::term()>& fn) const;

  /// global:sync/0.
  expected<void, std::string> sync() const;

private:
  std::shared_ptr<actor::bridge> bridge_;
  std::shared_ptr<global::server> server_;
};

} // namespace cafe::groups
