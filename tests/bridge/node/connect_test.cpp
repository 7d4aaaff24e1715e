// Connection set-up under stress: both ends dialing at the same moment must
// settle on one connection; peers that send garbage lose only their own
// connection.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/handshake/initiator.hpp"
#include "cafe/log.hpp"
#include "interop_fixture.hpp"

#include <spdlog/sinks/base_sink.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

using connecting = interop_fixture;

constexpr int64_t rounds = 5;

/// monitor_nodes events, recorded from io threads. The state is shared
/// with the callback, which the node may still call while it stops, after
/// the test body is gone.
class node_events {
public:
  void attach(node::node& n) {
    n.monitor_nodes([st = st_](etf::atom peer, bool up) {
      std::lock_guard guard{st->mtx};
      (up ? st->ups : st->downs).push_back(peer);
    });
  }

  size_t ups(etf::atom peer) const {
    std::lock_guard guard{st_->mtx};
    return std::count(st_->ups.begin(), st_->ups.end(), peer);
  }

  size_t downs(etf::atom peer) const {
    std::lock_guard guard{st_->mtx};
    return std::count(st_->downs.begin(), st_->downs.end(), peer);
  }

private:
  struct state {
    std::mutex mtx;
    std::vector<etf::atom> ups;
    std::vector<etf::atom> downs;
  };

  std::shared_ptr<state> st_ = std::make_shared<state>();
};

/// Counts what the node reports of simultaneous connects (its debug log
/// line, one per race an end that cafe runs sees), by which side's attempt
/// won. spdlog's sinks must not change while other threads log, so the
/// counter joins the `cafe` logger before main, at debug, the other sinks
/// staying at info.
class race_log {
public:
  /// Races with `peer` that our own attempt won (the peer got `nok`, or
  /// answered `ok_simultaneous`).
  size_t ours(etf::atom peer) const {
    return sink_->count("simultaneous connect with " + std::string{peer.text()}
                        + ": our attempt wins");
  }

  /// Races with `peer` that the peer's attempt won.
  size_t theirs(etf::atom peer) const {
    return sink_->count("simultaneous connect with " + std::string{peer.text()}
                        + ": the peer's attempt wins");
  }

  /// Adds the counter to the `cafe` logger; called once, before main,
  /// while no other thread can log.
  static bool install() {
    auto& log = cafe::logger();
    for (auto& s : log.sinks())
      s->set_level(spdlog::level::info);
    sink_->set_level(spdlog::level::debug);
    log.sinks().push_back(sink_);
    log.set_level(spdlog::level::debug);
    return true;
  }

private:
  class counting_sink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    size_t count(const std::string& text) {
      std::lock_guard guard{this->mutex_};
      return static_cast<size_t>(
        std::count(lines_.begin(), lines_.end(), text));
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      auto text = std::string{msg.payload.data(), msg.payload.size()};
      if (auto at = text.find("simultaneous connect with ");
          at != std::string::npos)
        lines_.push_back(text.substr(at));
    }

    void flush_() override {
      // nop
    }

  private:
    std::vector<std::string> lines_;
  };

  static inline std::shared_ptr<counting_sink> sink_
    = std::make_shared<counting_sink>();
};

const bool race_log_installed = race_log::install();

/// How often the erl node saw `peer` come up and go down.
std::pair<size_t, size_t> erl_events(erl_node& erl, etf::atom peer) {
  auto events = erl.eval("cafe_peer:node_events()");
  auto xs = events.get_if<etf::list>();
  if (xs == nullptr)
    throw std::runtime_error("node_events: " + etf::to_string(events));
  std::pair<size_t, size_t> result;
  for (auto& x : xs->elements) {
    if (x == etf::make_tuple("up"_atom, peer))
      ++result.first;
    else if (x == etf::make_tuple("down"_atom, peer))
      ++result.second;
  }
  return result;
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

TEST_F(connecting, simultaneous_connects_settle_on_one_connection) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  auto mb = cafe->make_mailbox();
  node_events events;
  events.attach(*cafe);
  race_log races;
  // One name below `cafe` and one above: the tie-break (the greater name
  // keeps its own attempt) goes each way.
  auto a = start_erl("a");
  auto z = start_erl("zed");
  for (auto* erl : {a.get(), z.get()}) {
    SCOPED_TRACE(erl->name().text());
    erl->eval("cafe_peer:start_echo(echo)");
    erl->eval("cafe_peer:start_node_watch()");
    auto peer = erl->name();
    for (int64_t round = 0; round < rounds; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      // Both dial at nearly the same wall-clock time; cafe's start moves
      // from 1 ms before erl's to 1 ms after it, so that the handshakes
      // overlap in different ways.
      auto at = wall_us() + 300000;
      erl->post("cafe_peer:connect_at(" + quoted(cafe->name()) + ", "
                + std::to_string(at) + ")");
      std::this_thread::sleep_until(
        std::chrono::system_clock::time_point{std::chrono::microseconds{at}}
        + std::chrono::microseconds{(round - 2) * 500});
      EXPECT_TRUE(cafe->connect(peer, 10s));
      ASSERT_EQ(erl->result(10s), etf::term{true});
      // Both see each other, through one connection that stays.
      ASSERT_TRUE(
        eventually([&] { return contains(cafe->nodes(), peer); }, 5s));
      EXPECT_EQ(
        erl->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
        etf::term{true});
      auto conn = cafe->connection_to(peer);
      // Messages flow both ways.
      erl->eval("{inbox, " + quoted(cafe->name()) + "} ! {round, "
                + std::to_string(round) + "}, ok");
      auto msg = inbox->receive(5s);
      ASSERT_TRUE(msg);
      EXPECT_EQ(*msg, etf::make_tuple("round"_atom, round));
      ASSERT_TRUE(
        mb->send("echo"_atom, peer, etf::make_tuple(mb->self(), round)));
      auto echo = mb->receive(5s);
      ASSERT_TRUE(echo);
      etf::pid echo_pid;
      int64_t echoed = -1;
      EXPECT_TRUE(etf::match(*echo, &echo_pid, &echoed))
        << etf::to_string(*echo);
      EXPECT_EQ(echoed, round);
      // A losing attempt must not have flapped the connection: exactly one
      // nodeup per round on each side, and no extra nodedown.
      std::this_thread::sleep_for(200ms);
      EXPECT_EQ(cafe->connection_to(peer), conn);
      auto n = static_cast<size_t>(round);
      EXPECT_EQ(events.ups(peer), n + 1);
      EXPECT_EQ(events.downs(peer), n);
      EXPECT_EQ(erl_events(*erl, cafe->name()), std::make_pair(n + 1, n));
      // Apart again for the next round.
      EXPECT_EQ(
        erl->eval("erlang:disconnect_node(" + quoted(cafe->name()) + ")"),
        etf::term{true});
      EXPECT_TRUE(eventually(
        [&] {
          return !contains(cafe->nodes(true), peer)
                 && cafe->connection_to(peer) == nullptr
                 && events.downs(peer) == n + 1;
        },
        5s));
      EXPECT_EQ(events.downs(peer), n + 1);
    }
    // The rounds really raced: cafe's acceptor met its own attempt, and
    // the greater name's attempt won each time.
    auto ours = races.ours(peer);
    auto theirs = races.theirs(peer);
    // Each end of a race that cafe runs reports it: a race may count twice.
    std::cerr << peer.text() << ": " << ours << " reports of cafe winning, "
              << theirs << " of the peer winning, in " << rounds << " rounds\n";
    if (peer.text() < cafe->name().text()) {
      EXPECT_GE(ours, 1u) << "no round raced";
      EXPECT_EQ(theirs, 0u) << "the smaller name won";
    } else {
      EXPECT_GE(theirs, 1u) << "no round raced";
      EXPECT_EQ(ours, 0u) << "the smaller name won";
    }
  }
}

/// Runs a real handshake as `name` against `port`, as a scripted peer.
std::unique_ptr<raw_client> handshake_as(const std::string& name,
                                         const std::string& cookie,
                                         etf::atom target, uint16_t port) {
  auto raw = std::make_unique<raw_client>(port);
  handshake::config cfg;
  cfg.node = name;
  cfg.creation = 7;
  cfg.cookie = cookie;
  cfg.hidden = true;
  handshake::initiator hs{cfg, std::string{target.text()}};
  auto prog = hs.start();
  for (int step = 0; step < 10; ++step) {
    raw->send(prog.output);
    if (std::holds_alternative<handshake::done>(prog.ev))
      return raw;
    if (auto f = std::get_if<handshake::failure>(&prog.ev))
      throw std::runtime_error("handshake failed: " + f->detail);
    if (std::holds_alternative<handshake::decide_alive>(prog.ev)) {
      // Status `alive`: our old connection is stale, go on.
      prog = hs.answer_alive(true);
      continue;
    }
    auto bytes = raw->receive(5s);
    if (bytes.empty())
      throw std::runtime_error("closed during the handshake");
    prog = hs.feed(bytes);
  }
  throw std::runtime_error("handshake did not finish");
}

TEST_F(connecting, garbage_drops_only_that_connection) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  auto a = start_erl("a");
  a->eval("cafe_peer:start_echo(echo)");
  ASSERT_EQ(a->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
            etf::term{"pong"_atom});
  auto conn = cafe->connection_to(a->name());
  ASSERT_TRUE(conn);
  auto raw_name = node_name("raw");
  {
    // Garbage before any handshake: a 1-byte message with an unknown tag.
    raw_client raw{cafe->port()};
    raw.send(std::vector<uint8_t>{0, 1, 'X'});
    EXPECT_TRUE(raw.closed_within(3s));
  }
  {
    // A real handshake, then a header naming atom cache slot 42, which the
    // peer never filled: N=1, flags nibble 0 (old entry, segment 0).
    auto raw = handshake_as(std::string{raw_name.text()}, cookie_, cafe->name(),
                            cafe->port());
    ASSERT_TRUE(
      eventually([&] { return contains(cafe->nodes(true), raw_name); }, 3s));
    raw->send(std::vector<uint8_t>{0, 0, 0, 5, 131, 68, 1, 0x00, 42});
    EXPECT_TRUE(raw->closed_within(3s));
    EXPECT_TRUE(
      eventually([&] { return !contains(cafe->nodes(true), raw_name); }, 3s));
  }
  {
    // A valid header and an unknown control operation: {99}.
    auto raw = handshake_as(std::string{raw_name.text()}, cookie_, cafe->name(),
                            cafe->port());
    ASSERT_TRUE(
      eventually([&] { return contains(cafe->nodes(true), raw_name); }, 3s));
    raw->send(std::vector<uint8_t>{0, 0, 0, 7, 131, 68, 0, 104, 1, 97, 99});
    EXPECT_TRUE(raw->closed_within(3s));
    EXPECT_TRUE(
      eventually([&] { return !contains(cafe->nodes(true), raw_name); }, 3s));
  }
  {
    // A frame length far above the limit.
    auto raw = handshake_as(std::string{raw_name.text()}, cookie_, cafe->name(),
                            cafe->port());
    raw->send(std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xF0, 131, 68, 0});
    EXPECT_TRUE(raw->closed_within(3s));
  }
  // The real peer kept its connection and noticed nothing.
  EXPECT_EQ(cafe->connection_to(a->name()), conn);
  EXPECT_TRUE(contains(cafe->nodes(), a->name()));
  EXPECT_EQ(a->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
            etf::term{"pong"_atom});
  a->eval("{inbox, " + quoted(cafe->name()) + "} ! still_here, ok");
  auto msg = inbox->receive(5s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(*msg, etf::term{"still_here"_atom});
  EXPECT_EQ(a->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
            etf::term{true});
}

TEST_F(connecting, fresh_atoms_beyond_the_table_cap_drop_only_that_peer) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  auto a = start_erl("a");
  auto b = start_erl("b");
  auto marker = etf::term{"still_here"_atom};
  for (auto* erl : {a.get(), b.get()})
    ASSERT_EQ(erl->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
              etf::term{"pong"_atom});
  // Room for 50 more atoms in the process-wide table, restored afterwards.
  struct limit_guard {
    size_t saved = etf::atom::table_limit();
    ~limit_guard() {
      etf::atom::table_limit(saved);
    }
  } guard;
  auto limit = etf::atom::table_size() + 50;
  etf::atom::table_limit(limit);
  // a sends 200 atoms cafe has never seen: decoding stops at the cap, the
  // message is invalid, and only a's connection goes.
  a->eval("{inbox, " + quoted(cafe->name())
          + "} ! [list_to_atom(\"cap_\" ++ integer_to_list(N))"
            " || N <- lists:seq(1, 200)], ok");
  EXPECT_TRUE(
    eventually([&] { return !contains(cafe->nodes(true), a->name()); }, 10s));
  EXPECT_LE(etf::atom::table_size(), limit);
  // b noticed nothing: the next message in the inbox is b's.
  EXPECT_EQ(b->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
            etf::term{"pong"_atom});
  b->eval("{inbox, " + quoted(cafe->name()) + "} ! still_here, ok");
  auto msg = inbox->receive(10s);
  ASSERT_TRUE(msg);
  EXPECT_EQ(*msg, marker) << etf::to_string(*msg);
}

TEST_F(connecting, reconnect_under_the_same_name_replaces_the_old) {
  auto cafe = start_cafe();
  node_events events;
  events.attach(*cafe);
  auto mb = cafe->make_mailbox();
  auto raw_name = node_name("raw");
  auto first = handshake_as(std::string{raw_name.text()}, cookie_, cafe->name(),
                            cafe->port());
  ASSERT_TRUE(eventually([&] { return events.ups(raw_name) == 1; }, 3s));
  auto old_conn = cafe->connection_to(raw_name);
  // A monitor and a link towards a process of the first incarnation.
  etf::pid remote{raw_name, 1, 0, 7};
  auto ref = cafe->monitor(mb->self(), remote, raw_name);
  cafe->link(mb->self(), remote);
  // The peer comes back under the same name while cafe still believes the
  // first connection is up: status `alive`, answered true.
  auto second = handshake_as(std::string{raw_name.text()}, cookie_,
                             cafe->name(), cafe->port());
  EXPECT_TRUE(first->closed_within(3s));
  ASSERT_TRUE(eventually([&] { return events.ups(raw_name) == 2; }, 3s));
  EXPECT_NE(cafe->connection_to(raw_name), old_conn);
  EXPECT_TRUE(contains(cafe->nodes(true), raw_name));
  // What crossed the old connection is gone with it, as for any nodedown.
  EXPECT_EQ(events.downs(raw_name), 1u);
  std::vector<etf::term> got;
  for (int i = 0; i < 2; ++i)
    if (auto msg = mb->receive(3s))
      got.push_back(*msg);
  ASSERT_EQ(got.size(), 2u) << "DOWN and EXIT expected";
  auto down = etf::make_tuple("DOWN"_atom, ref, "process"_atom, remote,
                              "noconnection"_atom);
  auto exit = etf::make_tuple("EXIT"_atom, remote, "noconnection"_atom);
  EXPECT_TRUE(std::find(got.begin(), got.end(), down) != got.end())
    << etf::to_string(got[0]) << "\n"
    << etf::to_string(got[1]);
  EXPECT_TRUE(std::find(got.begin(), got.end(), exit) != got.end())
    << etf::to_string(got[0]) << "\n"
    << etf::to_string(got[1]);
}

} // namespace
