#pragma once

// Shared by the bridge.actor.interop suites: a CAF actor system, a cafe node
// with a bridge on top, real erl nodes that also load interop_peer.erl, and
// CAF actors the tests drive by message. Built on the bridge.node fixture
// (private EPMD port, erl driven through cafe_peer.erl). Every wait is
// bounded; every actor a test spawns is told to exit before the actor system
// goes.

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/actor/message_types.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::test {

using chat_atom = caf::atom_constant<caf::atom("chat")>;
using incr_atom = caf::atom_constant<caf::atom("incr")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using exit_atom = caf::atom_constant<caf::atom("exit")>;
using down_atom = caf::atom_constant<caf::atom("down")>;
using agent_atom = caf::atom_constant<caf::atom("agent")>;

/// What a `caf_agent` observed: a trapped exit or a DOWN, with the
/// observed actor and the Erlang form of the reason.
struct caf_report {
  bool down = false;
  caf::actor_addr source;
  etf::term reason;
};

/// A CAF actor a test drives by request, each answered with `ok`:
/// `(link_atom|unlink_atom|monitor_atom, actor)`, `(exit_atom, actor,
/// term)` (send_exit with `to_error(term)`), `(stop_atom, term)` (quits
/// with `to_error(term)`, no answer), `ping_atom` (answers `pong`). DOWNs,
/// and exits when it traps them, go to `observer` as `(down_atom|exit_atom,
/// source, reason term)`.
caf::behavior caf_agent(caf::event_based_actor* self, caf::actor observer,
                        bool trap);

class actor_interop : public interop_fixture {
protected:
  actor_interop();
  ~actor_interop() override;

  /// Compiles interop_peer.erl (once per binary), starts the actor system,
  /// the cafe node, the bridge and the `probe` mailbox.
  void SetUp() override;

  /// Stops the actors `spawn` made, then the bridge, then the system.
  void TearDown() override;

  /// An erl node that also has interop_peer loaded, with `extra` erl
  /// arguments.
  std::unique_ptr<erl_node> start_peer(std::string name,
                                       std::vector<std::string> extra = {});

  /// A `caf_agent`, told to exit when the test ends.
  caf::actor spawn_agent(const caf::actor& observer, bool trap);

  /// Remembers `x` to send it an exit when the test ends.
  caf::actor keep(caf::actor x);

  /// An erl process (cafe_peer:spawn_agent) reporting {agent, Pid, Msg} to
  /// `report_to`; with `trap`, exits arrive as reports.
  etf::pid spawn_erl_agent(erl_node& erl, const etf::pid& report_to, bool trap);

  /// Tells the erl agent `cmd` (Erlang text) through erl.
  void command(erl_node& erl, const etf::pid& agent, const std::string& cmd);

  /// Sends a request to the `caf_agent` `agent` and waits for its `ok`.
  template <class... Ts>
  void tell(const caf::actor& agent, Ts&&... xs) {
    caf::scoped_actor self{*sys};
    bool ok = false;
    self->request(agent, std::chrono::seconds(5), std::forward<Ts>(xs)...)
      .receive([&](caf::ok_atom) { ok = true; },
               [&](const caf::error& err) {
                 ADD_FAILURE() << "agent: " << sys->render(err);
               });
    ASSERT_TRUE(ok);
  }

  /// The next report of a `caf_agent` to `self`.
  std::optional<caf_report>
  next_report(caf::scoped_actor& self,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The next message of `mb` is exactly `what`.
  void expect(node::mailbox& mb, const etf::term& what,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Whether the erl process `pid` is linked to `other`.
  bool erl_linked(erl_node& erl, const etf::pid& pid, const etf::pid& other);

  /// `{agent, Agent, Msg}`, as an erl agent reports.
  static etf::term report(const etf::pid& agent, etf::term msg);

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<node::node> cafe;
  std::unique_ptr<actor::bridge> br;
  std::shared_ptr<node::mailbox> probe;

private:
  std::vector<caf::actor> kept_;
};

} // namespace cafe::test
