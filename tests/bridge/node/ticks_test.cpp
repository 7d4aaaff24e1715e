// Liveness with a short net_ticktime (4 s on both sides): a killed peer is
// down at once, a frozen one (SIGSTOP: its socket stays open) within the
// tick time, and an idle connection outlives twice the tick time.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

#include <csignal>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

constexpr auto ticktime = 4s;

/// The nodedowns per peer, recorded from io threads. The state is shared
/// with the callback, which the node may still call while it stops.
class down_log {
public:
  void attach(node::node& n) {
    n.monitor_nodes([st = st_](etf::atom peer, bool up) {
      std::lock_guard guard{st->mtx};
      if (!up)
        st->downs.emplace_back(peer, clock::now());
    });
  }

  std::optional<clock::time_point> first_down(etf::atom peer) const {
    std::lock_guard guard{st_->mtx};
    for (auto& [who, when] : st_->downs)
      if (who == peer)
        return when;
    return std::nullopt;
  }

private:
  struct state {
    std::mutex mtx;
    std::vector<std::pair<etf::atom, clock::time_point>> downs;
  };

  std::shared_ptr<state> st_ = std::make_shared<state>();
};

class ticks : public interop_fixture {
protected:
  /// A cafe node and an erl node `a`, both with the short tick time, and
  /// a mailbox monitoring an erl process; the connection is up.
  void start_pair() {
    cafe = start_cafe([](node::config& cfg) { cfg.ticktime = ticktime; });
    downs.attach(*cafe);
    a = start_erl("a", [](erl_options& opts) { opts.ticktime = ticktime; });
    mb = cafe->make_mailbox();
    auto pid = a->eval("cafe_peer:spawn_agent(" + erl_literal(mb->self())
                       + ", false)");
    ASSERT_TRUE(pid.is<etf::pid>()) << etf::to_string(pid);
    agent = pid.get<etf::pid>();
    ref = cafe->monitor(mb->self(), agent, a->name());
    // The agent answers after the monitor is in place (signals from one
    // process arrive in order), so the connection is up and monitored.
    ASSERT_TRUE(mb->send(agent, "sync"_atom));
    auto reply = mb->receive(5s);
    ASSERT_TRUE(reply);
    ASSERT_EQ(*reply, etf::make_tuple("agent"_atom, agent, "sync"_atom));
  }

  /// The DOWN of the monitor on the agent.
  void expect_noconnection_down(std::chrono::milliseconds timeout) {
    auto down = mb->receive(timeout);
    ASSERT_TRUE(down) << "no DOWN";
    EXPECT_EQ(*down, etf::make_tuple("DOWN"_atom, ref, "process"_atom, agent,
                                     "noconnection"_atom));
  }

  std::shared_ptr<node::node> cafe;
  down_log downs;
  std::unique_ptr<erl_node> a;
  std::shared_ptr<node::mailbox> mb;
  etf::pid agent;
  etf::reference ref;
};

TEST_F(ticks, killed_peer_is_down_at_once) {
  start_pair();
  auto start = clock::now();
  a->kill();
  // The kernel closes the socket of a killed process: no tick needed, so
  // the node is down before the tick rule could have noticed (3 of the 4
  // silent intervals of a tick time).
  ASSERT_TRUE(
    eventually([&] { return downs.first_down(a->name()); }, ticktime + 5s));
  EXPECT_LT(*downs.first_down(a->name()) - start, ticktime * 3 / 4);
  expect_noconnection_down(5s);
  EXPECT_FALSE(contains(cafe->nodes(true), a->name()));
}

TEST_F(ticks, frozen_peer_is_down_within_the_tick_time) {
  start_pair();
  auto start = clock::now();
  a->signal(SIGSTOP);
  // Silent for `ticktime` (4 intervals of 1 s): down after 4 to 5 s.
  ASSERT_TRUE(eventually([&] { return downs.first_down(a->name()); },
                         ticktime + 3s, 50ms));
  auto elapsed = *downs.first_down(a->name()) - start;
  std::cerr
    << "frozen peer down after "
    << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
    << " ms\n";
  // Not earlier than the tick rule allows (the socket is still open), not
  // later than one interval past the tick time, plus scheduling slack.
  EXPECT_GE(elapsed, ticktime * 3 / 4);
  EXPECT_LE(elapsed, ticktime + ticktime / 4 + 1500ms);
  expect_noconnection_down(5s);
  EXPECT_FALSE(contains(cafe->nodes(true), a->name()));
  a->kill();
}

TEST_F(ticks, idle_connection_outlives_twice_the_tick_time) {
  start_pair();
  a->eval("cafe_peer:start_node_watch()");
  a->eval("cafe_peer:start_echo(echo)");
  auto conn = cafe->connection_to(a->name());
  ASSERT_TRUE(conn);
  // Nothing but ticks for more than two tick times.
  std::this_thread::sleep_for(2 * ticktime + 1s);
  EXPECT_FALSE(downs.first_down(a->name()).has_value());
  EXPECT_EQ(cafe->connection_to(a->name()), conn);
  EXPECT_TRUE(conn->is_up());
  EXPECT_TRUE(contains(cafe->nodes(), a->name()));
  EXPECT_EQ(a->eval("cafe_peer:node_events()"), etf::term{etf::list{}})
    << "erl saw the connection go down";
  EXPECT_EQ(a->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
            etf::term{true});
  // And a message still flows, both ways.
  ASSERT_TRUE(mb->send("echo"_atom, a->name(),
                       etf::make_tuple(mb->self(), "still_up"_atom)));
  auto reply = mb->receive(5s);
  ASSERT_TRUE(reply);
  etf::pid echo;
  EXPECT_TRUE(etf::match(*reply, &echo, "still_up"_atom))
    << etf::to_string(*reply);
}

} // namespace
