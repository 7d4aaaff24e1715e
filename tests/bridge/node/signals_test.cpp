// Links, monitors and exit signals between cafe mailboxes and real erl
// processes, in both directions, with exact reasons.
//
// Ordering trick used throughout: signals from one process to another
// arrive in order, so a message sent after a link or monitor and answered
// by the other side proves the link or monitor is in place.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

class signals : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    cafe = start_cafe();
    probe = cafe->make_mailbox("probe");
    a = start_erl("a");
  }

  /// An erl process reporting to `report_to` ({agent, Pid, Msg}); with
  /// `trap`, exit signals come as reports too.
  etf::pid spawn_agent(const etf::pid& report_to, bool trap) {
    auto pid = a->eval("cafe_peer:spawn_agent(" + erl_literal(report_to) + ", "
                       + (trap ? "true" : "false") + ")");
    if (!pid.is<etf::pid>())
      throw std::runtime_error("spawn_agent: " + etf::to_string(pid));
    return pid.get<etf::pid>();
  }

  /// Tells the agent `cmd` through erl (`cmd` is Erlang text).
  void command(const etf::pid& agent, const std::string& cmd) {
    ASSERT_EQ(a->eval(erl_literal(agent) + " ! " + cmd + ", ok"),
              etf::term{"ok"_atom});
  }

  /// `from` sends `sync` to the agent and waits for the agent's report in
  /// `reports` (the agent's report_to).
  void sync(node::mailbox& from, const etf::pid& agent,
            node::mailbox& reports) {
    ASSERT_TRUE(from.send(agent, "sync"_atom));
    expect(reports, etf::make_tuple("agent"_atom, agent, "sync"_atom));
  }

  /// The next message of `mb` is exactly `what`.
  void expect(node::mailbox& mb, const etf::term& what,
              std::chrono::milliseconds timeout = 5s) {
    auto msg = mb.receive(timeout);
    ASSERT_TRUE(msg) << "expected " << etf::to_string(what);
    EXPECT_EQ(*msg, what);
  }

  /// Whether the erl process `pid` is linked to `other`.
  bool erl_linked(const etf::pid& pid, const etf::pid& other) {
    return a->eval("{links, L} = process_info(" + erl_literal(pid)
                   + ", links), lists:member(" + erl_literal(other) + ", L)")
           == etf::term{true};
  }

  std::shared_ptr<node::node> cafe;
  std::shared_ptr<node::mailbox> probe;
  std::unique_ptr<erl_node> a;
};

TEST_F(signals, erl_monitor_gets_the_close_reason) {
  auto target = cafe->make_mailbox("target");
  auto agent = spawn_agent(probe->self(), false);
  // By pid.
  command(agent, "{cmd, monitor, " + erl_literal(target->self()) + "}");
  auto mon = probe->receive(5s);
  ASSERT_TRUE(mon);
  etf::term info;
  ASSERT_TRUE(etf::match(*mon, "agent"_atom, agent, &info))
    << etf::to_string(*mon);
  etf::reference by_pid;
  ASSERT_TRUE(etf::match(info, "monitoring"_atom, target->self(), &by_pid))
    << etf::to_string(info);
  // By registered name: the DOWN names {Name, Node}.
  auto by_name_target = etf::make_tuple("target"_atom, cafe->name());
  command(agent, "{cmd, monitor, " + erl_literal(by_name_target) + "}");
  mon = probe->receive(5s);
  ASSERT_TRUE(mon);
  etf::reference by_name;
  ASSERT_TRUE(etf::match(*mon, "agent"_atom, agent, &info));
  ASSERT_TRUE(etf::match(info, "monitoring"_atom, by_name_target, &by_name))
    << etf::to_string(info);
  // The MONITOR_Ps came before the reports on the same connection, so
  // both monitors are in place now.
  auto reason = etf::make_tuple("shutdown"_atom, "x"_atom);
  target->close(reason);
  std::vector<etf::term> downs;
  for (int i = 0; i < 2; ++i) {
    auto msg = probe->receive(5s);
    ASSERT_TRUE(msg) << "DOWN " << i << " missing";
    downs.push_back(*msg);
  }
  auto report = [&](const etf::term& down) {
    return etf::make_tuple("agent"_atom, agent, down);
  };
  auto pid_down = report(etf::make_tuple("DOWN"_atom, by_pid, "process"_atom,
                                         target->self(), reason));
  auto name_down = report(etf::make_tuple("DOWN"_atom, by_name, "process"_atom,
                                          by_name_target, reason));
  EXPECT_TRUE(std::find(downs.begin(), downs.end(), pid_down) != downs.end())
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  EXPECT_TRUE(std::find(downs.begin(), downs.end(), name_down) != downs.end())
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  // Monitoring something that does not exist: noproc at once.
  command(agent, "{cmd, monitor, {nobody, " + quoted(cafe->name()) + "}}");
  mon = probe->receive(5s);
  ASSERT_TRUE(mon);
  etf::reference gone;
  ASSERT_TRUE(etf::match(*mon, "agent"_atom, agent, &info));
  ASSERT_TRUE(etf::match(info, "monitoring"_atom, etf::_, &gone));
  expect(*probe,
         report(etf::make_tuple("DOWN"_atom, gone, "process"_atom,
                                etf::make_tuple("nobody"_atom, cafe->name()),
                                "noproc"_atom)));
}

TEST_F(signals, linked_erl_process_exit_reaches_the_mailbox) {
  auto mb = cafe->make_mailbox();
  for (auto reason :
       {etf::term{"kill"_atom}, etf::make_tuple("shutdown"_atom, "x"_atom)}) {
    SCOPED_TRACE(etf::to_string(reason));
    auto agent = spawn_agent(mb->self(), false);
    cafe->link(mb->self(), agent);
    sync(*mb, agent, *mb);
    EXPECT_TRUE(erl_linked(agent, mb->self()));
    command(agent, "{cmd, exit, " + erl_literal(reason) + "}");
    expect(*mb, etf::make_tuple("EXIT"_atom, agent, reason));
  }
  // An erl process that links to the mailbox itself.
  auto agent = spawn_agent(mb->self(), false);
  command(agent, "{cmd, link, " + erl_literal(mb->self()) + "}");
  expect(*mb, etf::make_tuple("agent"_atom, agent,
                              etf::make_tuple("linked"_atom, mb->self())));
  command(agent, "{cmd, exit, {shutdown, y}}");
  expect(*mb, etf::make_tuple("EXIT"_atom, agent,
                              etf::make_tuple("shutdown"_atom, "y"_atom)));
  // Linking to a process that is gone: an immediate noproc exit.
  cafe->link(mb->self(), agent);
  expect(*mb, etf::make_tuple("EXIT"_atom, agent, "noproc"_atom));
}

TEST_F(signals, unlinked_erl_process_exit_does_not_arrive) {
  auto mb = cafe->make_mailbox();
  auto agent = spawn_agent(mb->self(), false);
  cafe->link(mb->self(), agent);
  sync(*mb, agent, *mb);
  ASSERT_TRUE(erl_linked(agent, mb->self()));
  // UNLINK_ID, acknowledged by erl.
  cafe->unlink(mb->self(), agent);
  sync(*mb, agent, *mb);
  EXPECT_FALSE(erl_linked(agent, mb->self()));
  // The agent ends; once its DOWN reached a watcher on the same node, the
  // watcher sends a marker. One connection keeps the order of everything
  // that node sends, so an EXIT from the agent would come before it.
  auto marker = etf::make_tuple("marker"_atom, agent);
  ASSERT_EQ(a->eval("begin R = erlang:monitor(process, " + erl_literal(agent)
                    + "), " + erl_literal(agent)
                    + " ! {cmd, exit, {shutdown, z}}, "
                      "receive {'DOWN', R, process, _, _} -> ok end, "
                    + erl_literal(mb->self()) + " ! " + erl_literal(marker)
                    + ", ok end"),
            etf::term{"ok"_atom});
  auto next = mb->receive(10s);
  ASSERT_TRUE(next) << "no marker";
  EXPECT_EQ(*next, marker) << "an exit signal arrived: "
                           << etf::to_string(*next);
}

TEST_F(signals, erl_exit2_reaches_the_mailbox) {
  auto mb = cafe->make_mailbox();
  auto reason = etf::make_tuple("bye"_atom, 42);
  auto res = a->eval("{self(), exit(" + erl_literal(mb->self()) + ", "
                     + erl_literal(reason) + ")}");
  etf::pid from;
  ASSERT_TRUE(etf::match(res, &from, true)) << etf::to_string(res);
  expect(*mb, etf::make_tuple("EXIT"_atom, from, reason));
  // And `kill` too: a mailbox is not killed, it reports like a trapper.
  auto agent = spawn_agent(probe->self(), false);
  command(agent, "{cmd, exit, " + erl_literal(mb->self()) + ", kill}");
  expect(*mb, etf::make_tuple("EXIT"_atom, agent, "kill"_atom));
}

TEST_F(signals, mailbox_monitor_gets_the_erl_exit_reason) {
  auto mb = cafe->make_mailbox();
  auto agent = spawn_agent(mb->self(), false);
  auto by_pid = cafe->monitor(mb->self(), agent, a->name());
  ASSERT_EQ(a->eval("register(named_agent, " + erl_literal(agent) + ")"),
            etf::term{true});
  auto by_name = cafe->monitor(mb->self(), "named_agent"_atom, a->name());
  sync(*mb, agent, *mb);
  auto reason = etf::make_tuple("shutdown"_atom, "y"_atom);
  command(agent, "{cmd, exit, " + erl_literal(reason) + "}");
  std::vector<etf::term> downs;
  for (int i = 0; i < 2; ++i) {
    auto msg = mb->receive(5s);
    ASSERT_TRUE(msg) << "DOWN " << i << " missing";
    downs.push_back(*msg);
  }
  auto pid_down = etf::make_tuple("DOWN"_atom, by_pid, "process"_atom, agent,
                                  reason);
  auto name_down
    = etf::make_tuple("DOWN"_atom, by_name, "process"_atom,
                      etf::make_tuple("named_agent"_atom, a->name()), reason);
  EXPECT_TRUE(std::find(downs.begin(), downs.end(), pid_down) != downs.end())
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  EXPECT_TRUE(std::find(downs.begin(), downs.end(), name_down) != downs.end())
    << etf::to_string(downs[0]) << "\n"
    << etf::to_string(downs[1]);
  // A name nobody holds: noproc.
  auto gone = cafe->monitor(mb->self(), "nobody"_atom, a->name());
  expect(*mb, etf::make_tuple("DOWN"_atom, gone, "process"_atom,
                              etf::make_tuple("nobody"_atom, a->name()),
                              "noproc"_atom));
}

TEST_F(signals, mailbox_close_and_exit_reach_erl) {
  // A trapping erl process linked to a mailbox that closes.
  auto mb = cafe->make_mailbox();
  auto agent = spawn_agent(probe->self(), true);
  cafe->link(mb->self(), agent);
  sync(*mb, agent, *probe);
  auto reason = etf::make_tuple("shutdown"_atom, "z"_atom);
  mb->close(reason);
  expect(*probe,
         etf::make_tuple("agent"_atom, agent,
                         etf::make_tuple("EXIT"_atom, mb->self(), reason)));
  // erlang:exit/2 from a mailbox to a trapping erl process.
  auto other = cafe->make_mailbox();
  auto custom = etf::make_tuple("custom"_atom, 1);
  cafe->exit(other->self(), agent, custom);
  expect(*probe,
         etf::make_tuple("agent"_atom, agent,
                         etf::make_tuple("EXIT"_atom, other->self(), custom)));
  // And to a process that does not trap: it dies with that reason.
  auto victim = spawn_agent(probe->self(), false);
  auto ref = cafe->monitor(other->self(), victim, a->name());
  sync(*other, victim, *probe);
  cafe->exit(other->self(), victim, custom);
  expect(*other,
         etf::make_tuple("DOWN"_atom, ref, "process"_atom, victim, custom));
  // erl linking to a closed mailbox: cafe answers noproc, which the
  // trapper reports after its own report of the link.
  command(agent, "{cmd, link, " + erl_literal(mb->self()) + "}");
  expect(*probe, etf::make_tuple("agent"_atom, agent,
                                 etf::make_tuple("linked"_atom, mb->self())));
  expect(*probe, etf::make_tuple("agent"_atom, agent,
                                 etf::make_tuple("EXIT"_atom, mb->self(),
                                                 "noproc"_atom)));
}

} // namespace
