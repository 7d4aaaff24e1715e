// Monitors, links and exit signals between CAF actors and real erl
// processes through the bridge, both ways, with exact reasons; a killed
// erl node (noconnection) and node monitoring.
//
// Ordering trick, as in bridge.node.signals: signals on one connection
// arrive in order, so a message sent after a monitor and answered by the
// erl side proves the monitor is in place; links are checked on the erl
// side with process_info.
//
// "Nothing arrives" is shown the same way: a marker that must arrive after
// the unwanted signal is the next message. Mind that an erl process that
// ends with a non-immediate reason (a tuple) sends its remote link exits
// after its local monitors' DOWNs: a marker sent by a local watcher on its
// DOWN can overtake them. The DOWN of a monitor held *from cafe* cannot: it
// goes out after the process's remote link exits, on the same connection.

#include "bridge_interop_fixture.hpp"
#include "cafe/etf/match.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

using marker_atom = caf::atom_constant<caf::atom("marker")>;

/// A caf_agent that also passes `(marker_atom, int64_t)` on to `observer`:
/// from Erlang `{marker, N}`, or a CAF message. It comes after every report
/// the agent made before it.
caf::behavior marked_agent(caf::event_based_actor* self, caf::actor observer,
                           bool trap) {
  caf::message_handler agent{
    caf_agent(self, observer, trap).as_behavior_impl()};
  return agent.or_else([=](marker_atom, int64_t n) {
    self->send(observer, marker_atom::value, n);
  });
}

/// Forwards (nodeup_atom|nodedown_atom, node) to `observer`.
caf::behavior node_watcher(caf::event_based_actor* self, caf::actor observer) {
  return {
    [=](actor::nodeup_atom, etf::atom n) {
      self->send(observer, actor::nodeup_atom::value, n);
    },
    [=](actor::nodedown_atom, etf::atom n) {
      self->send(observer, actor::nodedown_atom::value, n);
    },
  };
}

class signals : public actor_interop {
protected:
  void SetUp() override {
    actor_interop::SetUp();
    a = start_peer("a");
  }

  void TearDown() override {
    a.reset();
    actor_interop::TearDown();
  }

  /// `probe` sends `sync` to the erl agent and waits for its report: what
  /// cafe sent the agent before is in place.
  void sync(const etf::pid& agent) {
    ASSERT_TRUE(probe->send(agent, "sync"_atom));
    expect(*probe, report(agent, "sync"_atom));
  }

  /// The next message of `probe` that satisfies `pred`.
  std::optional<etf::term>
  probe_take(const std::function<bool(const etf::term&)>& pred) {
    return probe->receive_if(pred, 5s);
  }

  /// The next down_msg of `self`.
  std::optional<caf::down_msg> next_down(caf::scoped_actor& self) {
    std::optional<caf::down_msg> result;
    self->receive([&](caf::down_msg& x) { result = std::move(x); },
                  caf::after(5s) >> [] {});
    return result;
  }

  /// Whether `x` answers a ping (is alive and not stuck).
  bool alive(const caf::actor& x) {
    caf::scoped_actor self{*sys};
    bool result = false;
    self->request(x, 2s, caf::ping_atom::value)
      .receive([&](caf::pong_atom) { result = true; }, [](caf::error&) {});
    return result;
  }

  /// A `marked_agent`, told to exit when the test ends.
  caf::actor spawn_marked(const caf::actor& observer, bool trap) {
    return keep(sys->spawn(marked_agent, observer, trap));
  }

  /// `probe` monitors the erl process `x` from cafe; in place once `x`
  /// answered a sync. The reference.
  etf::reference watch(const etf::pid& x) {
    auto ref = cafe->monitor(probe->self(), x, a->name());
    sync(x);
    return ref;
  }

  /// The next message of `probe` is the DOWN of `watch`'s monitor `ref` on
  /// `x`, with `reason`. `x` sends it after all its link exits, on the one
  /// connection: once it is here, so is everything `x` sent cafe as it
  /// ended.
  void expect_gone(const etf::reference& ref, const etf::pid& x,
                   const etf::term& reason) {
    expect(*probe,
           etf::make_tuple("DOWN"_atom, ref, "process"_atom, x, reason));
  }

  /// Node a's shell sends `{marker, n}` to the cafe pid `to`: it travels
  /// behind everything node a sent cafe before.
  void mark_from_erl(const etf::pid& to, int n) {
    ASSERT_EQ(
      a->eval(erl_literal(to) + " ! {marker, " + std::to_string(n) + "}, ok"),
      etf::term{"ok"_atom});
  }

  /// The next report or marker of `self` is marker `n`.
  void expect_marker(caf::scoped_actor& self, int64_t n) {
    std::string got = "nothing";
    self->receive(
      [&](marker_atom, int64_t x) { got = "marker " + std::to_string(x); },
      [&](exit_atom, const caf::actor_addr&, const etf::term& reason) {
        got = "exit " + etf::to_string(reason);
      },
      [&](down_atom, const caf::actor_addr&, const etf::term& reason) {
        got = "down " + etf::to_string(reason);
      },
      caf::after(5s) >> [] {});
    EXPECT_EQ(got, "marker " + std::to_string(n));
  }

  /// `probe` sends `{marker, n}` to the erl agent `x`, and the agent's
  /// report of it is the next message of `probe`: it travels behind
  /// everything cafe sent `x` before, and `x` reports in order.
  void expect_marker_via(const etf::pid& x, int n) {
    SCOPED_TRACE("marker " + std::to_string(n) + " via "
                 + etf::to_string(etf::term{x}));
    auto marker = etf::make_tuple("marker"_atom, n);
    ASSERT_TRUE(probe->send(x, marker));
    expect(*probe, report(x, marker));
  }

  /// The next down_msg of `self`, with no report of a caf_agent before it:
  /// an actor's DOWN comes after everything it sent.
  std::optional<caf::down_msg> down_before_reports(caf::scoped_actor& self) {
    std::optional<caf::down_msg> result;
    self->receive([&](caf::down_msg& x) { result = std::move(x); },
                  [&](exit_atom, const caf::actor_addr&, const etf::term& r) {
                    ADD_FAILURE()
                      << "exit " << etf::to_string(r) << " before the DOWN";
                  },
                  [&](down_atom, const caf::actor_addr&, const etf::term& r) {
                    ADD_FAILURE()
                      << "down " << etf::to_string(r) << " before the DOWN";
                  },
                  caf::after(5s) >> [] {});
    return result;
  }

  /// An erl process that reports to `probe`; its pid and its proxy.
  std::pair<etf::pid, caf::actor> erl_agent(bool trap) {
    auto pid = spawn_erl_agent(*a, probe->self(), trap);
    return {pid, br->actor_of(pid)};
  }

  std::unique_ptr<erl_node> a;
};

// -- monitors -----------------------------------------------------------------

TEST_F(signals, caf_monitor_gets_the_erl_exit_reason) {
  caf::scoped_actor self{*sys};
  auto [agent, proxy] = erl_agent(false);
  // Two observers of one proxy: the scoped actor and an event-based one.
  self->monitor(proxy);
  auto observer = spawn_agent(caf::actor_cast<caf::actor>(self), false);
  tell(observer, caf::monitor_atom::value, proxy);
  sync(agent);
  auto reason = etf::make_tuple("shutdown"_atom, "x"_atom);
  command(*a, agent, "{cmd, exit, {shutdown, x}}");
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, proxy.address());
  EXPECT_EQ(actor::to_exit_term(down->reason), reason)
    << sys->render(down->reason);
  auto rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->down);
  EXPECT_EQ(rep->source, proxy.address());
  EXPECT_EQ(rep->reason, reason) << etf::to_string(rep->reason);
  // A monitor on the proxy of a process that is gone fires at once, with
  // the reason it ended with.
  self->monitor(proxy);
  down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(actor::to_exit_term(down->reason), reason);
  // A process that ended with exit(kill) has `kill` in its DOWN: a plain
  // reason there, not CAF's exit_reason::kill.
  auto [agent2, proxy2] = erl_agent(false);
  self->monitor(proxy2);
  sync(agent2);
  command(*a, agent2, "{cmd, exit, kill}");
  down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, proxy2.address());
  EXPECT_NE(down->reason, caf::exit_reason::kill);
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"kill"_atom})
    << sys->render(down->reason);
}

TEST_F(signals, caf_monitor_on_a_dead_pid_gets_noproc) {
  caf::scoped_actor self{*sys};
  auto agent = spawn_erl_agent(*a, probe->self(), false);
  command(*a, agent, "{cmd, exit, normal}");
  ASSERT_TRUE(eventually(
    [&] {
      return a->eval("is_process_alive(" + erl_literal(agent) + ")")
             == etf::term{false};
    },
    5s));
  auto proxy = br->actor_of(agent);
  self->monitor(proxy);
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, proxy.address());
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"noproc"_atom})
    << sys->render(down->reason);
}

TEST_F(signals, caf_monitor_by_registered_name) {
  caf::scoped_actor self{*sys};
  auto agent = spawn_erl_agent(*a, probe->self(), false);
  ASSERT_EQ(a->eval("register(named_agent, " + erl_literal(agent) + ")"),
            etf::term{true});
  auto named = br->remote("named_agent"_atom, a->name());
  self->monitor(named);
  sync(agent);
  command(*a, agent, "{cmd, exit, {shutdown, y}}");
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, named.address());
  EXPECT_EQ(actor::to_exit_term(down->reason),
            etf::make_tuple("shutdown"_atom, "y"_atom))
    << sys->render(down->reason);
  // The name is free again: a new process under it, a new proxy.
  auto agent2 = spawn_erl_agent(*a, probe->self(), false);
  ASSERT_EQ(a->eval("register(named_agent, " + erl_literal(agent2) + ")"),
            etf::term{true});
  auto named2 = br->remote("named_agent"_atom, a->name());
  EXPECT_NE(named2, named);
  self->monitor(named2);
  sync(agent2);
  command(*a, agent2, "{cmd, exit, {shutdown, z}}");
  down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, named2.address());
  EXPECT_EQ(actor::to_exit_term(down->reason),
            etf::make_tuple("shutdown"_atom, "z"_atom));
}

TEST_F(signals, erl_monitor_gets_the_actor_exit_reason) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  auto [watcher, watcher_proxy] = erl_agent(false);
  (void)watcher_proxy;
  /// Has the erl watcher monitor `target` (an Erlang literal); its ref.
  auto monitor = [&, &watcher = watcher](const std::string& target,
                                         const etf::term& as) {
    command(*a, watcher, "{cmd, monitor, " + target + "}");
    auto msg = probe->receive(5s);
    etf::term info;
    etf::reference ref;
    EXPECT_TRUE(msg && etf::match(*msg, "agent"_atom, watcher, &info)
                && etf::match(info, "monitoring"_atom, as, &ref))
      << (msg ? etf::to_string(*msg) : "nothing");
    return ref;
  };
  auto down = [&, &watcher = watcher](const etf::reference& ref,
                                      const etf::term& who,
                                      const etf::term& reason) {
    return report(watcher, etf::make_tuple("DOWN"_atom, ref, "process"_atom,
                                           who, reason));
  };
  // By pid and by name; user_shutdown is `shutdown`.
  auto c1 = spawn_agent(me, false);
  auto pid1 = br->pid_of(c1);
  ASSERT_TRUE(br->register_name("counter"_atom, c1));
  auto by_pid = monitor(erl_literal(pid1), pid1);
  auto name = etf::make_tuple("counter"_atom, cafe->name());
  auto by_name = monitor("{counter, " + quoted(cafe->name()) + "}", name);
  caf::anon_send_exit(c1, caf::exit_reason::user_shutdown);
  std::vector<etf::term> downs;
  for (int i = 0; i < 2; ++i) {
    auto msg = probe->receive(5s);
    ASSERT_TRUE(msg) << "DOWN " << i << " missing";
    downs.push_back(*msg);
  }
  auto has = [&](const etf::term& x) {
    return std::find(downs.begin(), downs.end(), x) != downs.end();
  };
  EXPECT_TRUE(has(down(by_pid, pid1, "shutdown"_atom)))
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  EXPECT_TRUE(has(down(by_name, name, "shutdown"_atom)))
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  // An arbitrary error carrying a term: exactly that term, on both sides.
  auto c2 = spawn_agent(me, false);
  auto pid2 = br->pid_of(c2);
  auto ref2 = monitor(erl_literal(pid2), pid2);
  self->monitor(c2);
  auto reason = etf::make_tuple("bad_thing"_atom, 42, "why"_bin,
                                etf::make_list(1.5, "x"_atom));
  caf::anon_send(c2, stop_atom::value, reason);
  expect(*probe, down(ref2, pid2, reason));
  auto caf_down = next_down(self);
  ASSERT_TRUE(caf_down);
  EXPECT_EQ(actor::to_exit_term(caf_down->reason), reason);
  // A normal end is `normal`.
  auto c3 = spawn_agent(me, false);
  auto pid3 = br->pid_of(c3);
  auto ref3 = monitor(erl_literal(pid3), pid3);
  caf::anon_send(c3, stop_atom::value, etf::term{"normal"_atom});
  expect(*probe, down(ref3, pid3, "normal"_atom));
  // A pid of an actor that is gone: noproc.
  auto ref4 = monitor(erl_literal(pid3), pid3);
  expect(*probe, down(ref4, pid3, "noproc"_atom));
  // Every pid ended with its actor (the scoped actor never had one).
  EXPECT_TRUE(eventually([&] { return br->process_count() == 0; }, 5s))
    << br->process_count();
}

// -- links --------------------------------------------------------------------

TEST_F(signals, erl_exit_reaches_a_linked_trapping_actor) {
  caf::scoped_actor self{*sys};
  // The actor links before it ever had a pid: link_to gives it one.
  auto c = spawn_marked(caf::actor_cast<caf::actor>(self), true);
  auto [agent, proxy] = erl_agent(false);
  tell(c, caf::link_atom::value, proxy);
  auto pid = br->pid_of(c);
  ASSERT_TRUE(
    eventually([&, &agent = agent] { return erl_linked(*a, agent, pid); }, 5s));
  auto ref = watch(agent);
  command(*a, agent, "{cmd, exit, {shutdown, x}}");
  auto rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->down);
  EXPECT_EQ(rep->source, proxy.address());
  EXPECT_EQ(rep->reason, etf::make_tuple("shutdown"_atom, "x"_atom))
    << etf::to_string(rep->reason);
  // Trapped: the actor lives on; the exit came once: once the agent's DOWN
  // is in, a marker from node a is the actor's next report.
  EXPECT_TRUE(alive(c));
  expect_gone(ref, agent, etf::make_tuple("shutdown"_atom, "x"_atom));
  mark_from_erl(pid, 1);
  expect_marker(self, 1);
  // `kill` through a link is an ordinary, trappable reason.
  auto [killed, killed_proxy] = erl_agent(false);
  tell(c, caf::link_atom::value, killed_proxy);
  ASSERT_TRUE(eventually(
    [&, &killed = killed] { return erl_linked(*a, killed, pid); }, 5s));
  command(*a, killed, "{cmd, exit, kill}");
  rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->source, killed_proxy.address());
  EXPECT_EQ(rep->reason, etf::term{"kill"_atom}) << etf::to_string(rep->reason);
  EXPECT_TRUE(alive(c));
  // Linking to a process that is gone: noproc at once.
  tell(c, caf::link_atom::value, proxy);
  rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->source, proxy.address());
  EXPECT_EQ(rep->reason, etf::term{"noproc"_atom})
    << etf::to_string(rep->reason);
  // Unlinked before the end: nothing arrives.
  auto [agent2, proxy2] = erl_agent(false);
  tell(c, caf::link_atom::value, proxy2);
  ASSERT_TRUE(eventually(
    [&, &agent2 = agent2] { return erl_linked(*a, agent2, pid); }, 5s));
  tell(c, caf::unlink_atom::value, proxy2);
  ASSERT_TRUE(eventually(
    [&, &agent2 = agent2] { return !erl_linked(*a, agent2, pid); }, 5s));
  auto ref2 = watch(agent2);
  command(*a, agent2, "{cmd, exit, {shutdown, y}}");
  expect_gone(ref2, agent2, etf::make_tuple("shutdown"_atom, "y"_atom));
  mark_from_erl(pid, 2);
  expect_marker(self, 2);
  // A non-trapping actor linked to an erl process dies with its reason.
  auto d = spawn_agent(caf::actor_cast<caf::actor>(self), false);
  auto [agent3, proxy3] = erl_agent(false);
  tell(d, caf::link_atom::value, proxy3);
  ASSERT_TRUE(eventually(
    [&, &agent3 = agent3] { return erl_linked(*a, agent3, br->pid_of(d)); },
    5s));
  self->monitor(d);
  command(*a, agent3, "{cmd, exit, {shutdown, z}}");
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, d.address());
  EXPECT_EQ(actor::to_exit_term(down->reason),
            etf::make_tuple("shutdown"_atom, "z"_atom));
}

TEST_F(signals, erl_kill_kills_a_trapping_actor) {
  caf::scoped_actor self{*sys};
  auto c = spawn_agent(caf::actor_cast<caf::actor>(self), true);
  auto pid = br->pid_of(c);
  self->monitor(c);
  // A trapping erl process linked to the actor, and one that kills it.
  auto [linked, linked_proxy] = erl_agent(true);
  (void)linked_proxy;
  command(*a, linked, "{cmd, link, " + erl_literal(pid) + "}");
  expect(*probe, report(linked, etf::make_tuple("linked"_atom, pid)));
  auto [killer, killer_proxy] = erl_agent(false);
  (void)killer_proxy;
  command(*a, killer, "{cmd, exit, " + erl_literal(pid) + ", kill}");
  // The exit handler never saw it: what it reported would be before the
  // DOWN.
  auto down = down_before_reports(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->reason, caf::exit_reason::kill) << sys->render(down->reason);
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"killed"_atom});
  auto exit = probe_take([&, &linked = linked](const etf::term& x) {
    return etf::match(x, "agent"_atom, linked, etf::_);
  });
  ASSERT_TRUE(exit);
  EXPECT_EQ(*exit,
            report(linked, etf::make_tuple("EXIT"_atom, pid, "killed"_atom)))
    << etf::to_string(*exit);
  auto done = probe_take([&, &killer = killer](const etf::term& x) {
    return etf::match(x, "agent"_atom, killer, etf::_);
  });
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, report(killer, etf::make_tuple("exited"_atom, pid)));
}

TEST_F(signals, linked_trapping_erl_process_gets_the_actor_exit_reason) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  // erl links to the actor.
  auto c = spawn_agent(me, false);
  auto pid = br->pid_of(c);
  auto [agent, agent_proxy] = erl_agent(true);
  (void)agent_proxy;
  command(*a, agent, "{cmd, link, " + erl_literal(pid) + "}");
  expect(*probe, report(agent, etf::make_tuple("linked"_atom, pid)));
  auto reason = etf::make_tuple("shutdown"_atom, "x"_atom);
  caf::anon_send(c, stop_atom::value, reason);
  expect(*probe, report(agent, etf::make_tuple("EXIT"_atom, pid, reason)));
  // The actor links to erl (link_to on the proxy).
  auto d = spawn_agent(me, false);
  auto [agent2, proxy2] = erl_agent(true);
  tell(d, caf::link_atom::value, proxy2);
  auto pid2 = br->pid_of(d);
  ASSERT_TRUE(eventually(
    [&, &agent2 = agent2] { return erl_linked(*a, agent2, pid2); }, 5s));
  auto reason2 = etf::make_tuple("shutdown"_atom, "z"_atom);
  caf::anon_send(d, stop_atom::value, reason2);
  expect(*probe, report(agent2, etf::make_tuple("EXIT"_atom, pid2, reason2)));
  // Nothing else: each EXIT came once.
  expect_marker_via(agent, 1);
  expect_marker_via(agent2, 2);
}

TEST_F(signals, exit2_both_ways) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  auto c = spawn_agent(me, true);
  auto pid = br->pid_of(c);
  auto [agent, proxy] = erl_agent(true);
  // erl exit(CafPid, Reason) reaches a trapping actor as exit_msg.
  command(*a, agent, "{cmd, exit, " + erl_literal(pid) + ", {bye, 42}}");
  expect(*probe, report(agent, etf::make_tuple("exited"_atom, pid)));
  auto rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->down);
  EXPECT_EQ(rep->source, proxy.address());
  EXPECT_EQ(rep->reason, etf::make_tuple("bye"_atom, 42))
    << etf::to_string(rep->reason);
  command(*a, agent, "{cmd, exit, " + erl_literal(pid) + ", normal}");
  expect(*probe, report(agent, etf::make_tuple("exited"_atom, pid)));
  rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->reason, etf::term{"normal"_atom});
  EXPECT_TRUE(alive(c));
  // A non-trapping actor ignores `normal` and dies of anything else.
  auto d = spawn_agent(me, false);
  auto pid_d = br->pid_of(d);
  self->monitor(d);
  command(*a, agent, "{cmd, exit, " + erl_literal(pid_d) + ", normal}");
  expect(*probe, report(agent, etf::make_tuple("exited"_atom, pid_d)));
  EXPECT_TRUE(alive(d));
  command(*a, agent, "{cmd, exit, " + erl_literal(pid_d) + ", {bye, 43}}");
  expect(*probe, report(agent, etf::make_tuple("exited"_atom, pid_d)));
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::make_tuple("bye"_atom, 43));
  // CAF send_exit to a proxy is exit/2 on the erl process.
  auto reason = etf::make_tuple("shutdown"_atom, "z"_atom);
  tell(c, exit_atom::value, proxy, reason);
  expect(*probe, report(agent, etf::make_tuple("EXIT"_atom, pid, reason)));
  // kill is untrappable there too: a monitor sees `killed`.
  auto [victim, victim_proxy] = erl_agent(true);
  self->monitor(victim_proxy);
  sync(victim);
  tell(c, exit_atom::value, victim_proxy, etf::term{"kill"_atom});
  down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, victim_proxy.address());
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"killed"_atom})
    << sys->render(down->reason);
}

// -- nodes --------------------------------------------------------------------

TEST_F(signals, killed_erl_node_is_noconnection) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  auto [watched, watched_proxy] = erl_agent(false);
  self->monitor(watched_proxy);
  sync(watched);
  auto c = spawn_agent(me, true);
  auto [linked, linked_proxy] = erl_agent(false);
  tell(c, caf::link_atom::value, linked_proxy);
  ASSERT_TRUE(eventually(
    [&, &linked = linked] { return erl_linked(*a, linked, br->pid_of(c)); },
    5s));
  a->kill();
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, watched_proxy.address());
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"noconnection"_atom})
    << sys->render(down->reason);
  auto rep = next_report(self);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->down);
  EXPECT_EQ(rep->source, linked_proxy.address());
  EXPECT_EQ(rep->reason, etf::term{"noconnection"_atom})
    << etf::to_string(rep->reason);
  EXPECT_TRUE(alive(c));
}

TEST_F(signals, monitor_nodes_sees_erl_come_and_go) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  auto all = keep(sys->spawn(node_watcher, me));
  auto one = keep(sys->spawn(node_watcher, me));
  br->monitor_nodes(all);
  auto expect_event = [&](bool up, etf::atom node) {
    bool got = false;
    self->receive(
      [&](actor::nodeup_atom, etf::atom n) {
        EXPECT_TRUE(up) << "nodeup " << n.text();
        EXPECT_EQ(n, node);
        got = true;
      },
      [&](actor::nodedown_atom, etf::atom n) {
        EXPECT_FALSE(up) << "nodedown " << n.text();
        EXPECT_EQ(n, node);
        got = true;
      },
      caf::after(5s) >> [] {});
    EXPECT_TRUE(got) << (up ? "nodeup " : "nodedown ") << node.text();
  };
  // erl connects.
  ASSERT_EQ(a->eval("net_kernel:connect_node(" + quoted(cafe->name()) + ")"),
            etf::term{true});
  expect_event(true, a->name());
  // A one-shot monitor_node on the connected node, and one on a node that
  // does not exist (nodedown at once).
  br->monitor_node(one, a->name());
  auto nobody = node_name("nobody");
  br->monitor_node(one, nobody);
  expect_event(false, nobody);
  a->kill();
  // Both watchers hear of it: `all` through monitor_nodes, `one` once.
  // (Once: the events below reach each watcher after a's, in the order the
  // node saw its connections change, and are the next ones.)
  expect_event(false, a->name());
  expect_event(false, a->name());
  // After demonitor_nodes nothing comes; monitor_nodes again and a new
  // node's nodeup does, and is the next event: b's would be before it.
  br->demonitor_nodes(all);
  auto b = start_peer("b");
  ASSERT_TRUE(cafe->ping(b->name(), 5s));
  br->monitor_nodes(all);
  auto c = start_peer("c");
  ASSERT_TRUE(cafe->ping(c->name(), 5s));
  expect_event(true, c->name());
  // A hidden node is not a visible one: no nodeup. Then c goes, watched by
  // both: their nodedowns of c are the next events, behind a nodeup of h
  // (`all`) or a second nodedown of a (`one`) had either come.
  auto h = start_peer("h", {"-hidden"});
  ASSERT_TRUE(cafe->ping(h->name(), 5s));
  br->monitor_node(one, c->name());
  c->kill();
  expect_event(false, c->name());
  expect_event(false, c->name());
}

TEST_F(signals, erl_monitor_node_sees_cafe_stop) {
  caf::scoped_actor self{*sys};
  auto c = spawn_agent(caf::actor_cast<caf::actor>(self), false);
  ASSERT_TRUE(br->register_name("counter"_atom, c));
  ASSERT_TRUE(a->eval("is_pid(cafe_peer:start_collector(events))")
              == etf::term{true});
  auto watcher
    = a->eval("interop_peer:watch_node(" + quoted(cafe->name()) + ", events)");
  ASSERT_TRUE(watcher.is<etf::pid>()) << etf::to_string(watcher);
  // And a monitor on the registered actor, reporting to the same place.
  ASSERT_EQ(a->eval("spawn(fun() -> R = monitor(process, {counter, "
                    + quoted(cafe->name())
                    + "}), receive X -> events ! {R, X} end end), ok"),
            etf::term{"ok"_atom});
  ASSERT_TRUE(eventually(
    [&] {
      return a->eval("lists:member(" + quoted(cafe->name()) + ", nodes())")
             == etf::term{true};
    },
    5s));
  cafe->stop();
  auto events
    = a->eval("lists:sort([cafe_peer:take(events, 5000) || _ <- [1, 2]])");
  auto xs = events.get_if<etf::list>();
  ASSERT_TRUE(xs && xs->size() == 2) << etf::to_string(events);
  // The nodedown, and a DOWN with noconnection (atoms sort first).
  EXPECT_EQ((*xs)[0], etf::make_tuple("nodedown"_atom, cafe->name()))
    << etf::to_string(events);
  etf::reference ref;
  etf::term down;
  ASSERT_TRUE(etf::match((*xs)[1], &ref, &down)) << etf::to_string(events);
  EXPECT_TRUE(etf::match(down, "DOWN"_atom, ref, "process"_atom,
                         etf::make_tuple("counter"_atom, cafe->name()),
                         "noconnection"_atom))
    << etf::to_string(events);
}

TEST_F(signals, caf_monitor_outlives_the_proxy_handle) {
  caf::scoped_actor self{*sys};
  auto observer = spawn_agent(caf::actor_cast<caf::actor>(self), false);
  auto agent = spawn_erl_agent(*a, probe->self(), false);
  caf::actor_addr addr;
  {
    // The observer monitors the proxy it got in a message; nobody keeps
    // the handle, as in `[=](caf::actor from) { monitor(from); }`.
    auto proxy = br->actor_of(agent);
    addr = proxy.address();
    tell(observer, caf::monitor_atom::value, proxy);
  }
  sync(agent);
  command(*a, agent, "{cmd, exit, {shutdown, x}}");
  auto rep = next_report(self);
  ASSERT_TRUE(rep) << "no DOWN";
  EXPECT_TRUE(rep->down);
  EXPECT_EQ(rep->source, addr);
  EXPECT_EQ(rep->reason, etf::make_tuple("shutdown"_atom, "x"_atom));
}

TEST_F(signals, caf_monitor_on_a_missing_name_gets_noproc) {
  caf::scoped_actor self{*sys};
  auto nobody = br->remote("nobody"_atom, a->name());
  self->monitor(nobody);
  auto down = next_down(self);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->source, nobody.address());
  EXPECT_EQ(actor::to_exit_term(down->reason), etf::term{"noproc"_atom})
    << sys->render(down->reason);
}

TEST_F(signals, destroying_the_bridge_ends_the_pids_with_shutdown) {
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<caf::actor>(self);
  auto c = spawn_marked(me, false);
  auto pid = br->pid_of(c);
  // erl monitors and links to the actor; the actor monitors erl.
  auto [watcher, watcher_proxy] = erl_agent(true);
  command(*a, watcher, "{cmd, monitor, " + erl_literal(pid) + "}");
  auto msg = probe->receive(5s);
  etf::term info;
  etf::reference ref;
  ASSERT_TRUE(msg && etf::match(*msg, "agent"_atom, watcher, &info)
              && etf::match(info, "monitoring"_atom, pid, &ref));
  command(*a, watcher, "{cmd, link, " + erl_literal(pid) + "}");
  expect(*probe, report(watcher, etf::make_tuple("linked"_atom, pid)));
  tell(c, caf::monitor_atom::value, watcher_proxy);
  sync(watcher);
  auto [other, other_proxy] = erl_agent(false);
  br.reset();
  // The DOWN and the EXIT, in the order the node sent them.
  std::vector<etf::term> got;
  for (int i = 0; i < 2; ++i) {
    auto x = probe->receive(5s);
    ASSERT_TRUE(x) << "message " << i << " missing";
    got.push_back(*x);
  }
  auto has = [&](const etf::term& x) {
    return std::find(got.begin(), got.end(), x) != got.end();
  };
  EXPECT_TRUE(
    has(report(watcher, etf::make_tuple("DOWN"_atom, ref, "process"_atom, pid,
                                        "shutdown"_atom))))
    << etf::to_string(got[0]) << "\n"
    << etf::to_string(got[1]);
  EXPECT_TRUE(
    has(report(watcher, etf::make_tuple("EXIT"_atom, pid, "shutdown"_atom))))
    << etf::to_string(got[0]) << "\n"
    << etf::to_string(got[1]);
  // The actor lives on, without Erlang: its monitor went with the bridge
  // (erl holds none from cafe), so the erl process ending tells it
  // nothing: once the DOWN of a new monitor from cafe is in (the last
  // thing the process sends cafe), a marker is the actor's next report.
  EXPECT_TRUE(alive(c));
  ASSERT_TRUE(eventually(
    [&, &watcher = watcher] {
      return a->eval("element(2, process_info(" + erl_literal(watcher)
                     + ", monitored_by)) =:= []")
             == etf::term{true};
    },
    5s));
  auto late = watch(watcher);
  command(*a, watcher, "{cmd, exit, {shutdown, late}}");
  expect_gone(late, watcher, etf::make_tuple("shutdown"_atom, "late"_atom));
  caf::anon_send(c, marker_atom::value, int64_t{1});
  expect_marker(self, 1);
  EXPECT_TRUE(alive(c));
  // A proxy outliving the bridge is quiet: nothing is sent (the agent
  // would report what it got before the marker).
  self->send(other_proxy, caf::ping_atom::value);
  expect_marker_via(other, 9);
  EXPECT_EQ(a->eval("is_process_alive(" + erl_literal(other) + ")"),
            etf::term{true});
}

} // namespace
