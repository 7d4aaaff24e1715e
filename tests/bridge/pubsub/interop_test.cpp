// A cafe pubsub and a real Elixir node running the Phoenix.PubSub test
// double (tests/support/phoenix_pubsub, the PG2 adapter as phoenix_pubsub
// 2.x writes it) share one pubsub: the groups and workers each side sees,
// broadcast, broadcast_from, local_broadcast and direct_broadcast in both
// directions, a Phoenix.Channel.Server-style broadcast from Elixir, and
// 10,000 messages in order per publisher each way. Pool sizes 1 and 2.
// Subscribers on the cafe side are mailboxes (the node's plain processes).

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/pg/scope.hpp"
#include "cafe/pubsub/pubsub.hpp"
#include "interop_fixture.hpp"

#include <algorithm>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

const std::string pubsub_name = "Cafe.PubSub";

/// `xs` as an Erlang list, in Erlang's term order.
etf::term sorted(const std::vector<etf::atom>& xs) {
  etf::list result;
  for (auto x : xs)
    result.elements.emplace_back(x);
  std::sort(result.elements.begin(), result.elements.end(),
            [](auto& x, auto& y) { return etf::compare(x, y) < 0; });
  return result;
}

class pubsub_interop : public interop_fixture,
                       public ::testing::WithParamInterface<size_t> {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    cafe = start_cafe();
    auto s = pg::scope::start(cafe, pubsub::scope_name());
    ASSERT_TRUE(s) << s.error();
    scope = *s;
    pubsub::config cfg;
    cfg.name = pubsub_name;
    cfg.pool_size = GetParam();
    auto p = pubsub::pubsub::start(cafe, scope, cfg);
    ASSERT_TRUE(p) << p.error();
    ps = *p;
    ex = start_elixir("ex");
    ASSERT_EQ(ex->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
              etf::term{"pong"_atom});
    // Both sides see both nodes' workers in every group.
    auto nodes = sorted({cafe->name(), ex->name()});
    for (auto group : ps->groups()) {
      EXPECT_EQ(ex->eval("'Elixir.PhxPeer':wait_member_nodes(" + quoted(group)
                           + ", " + etf::to_string(nodes) + ")",
                         15s),
                etf::term{"ok"_atom});
      EXPECT_TRUE(
        eventually([&] { return scope->members(group).size() == 2; }, 15s))
        << "cafe does not see the Elixir worker of " << group.text();
    }
  }

  void TearDown() override {
    ex.reset();
    if (ps)
      ps->stop();
    if (scope)
      scope->stop();
  }

  /// An Elixir node running the test double with this test's pool size,
  /// answering in cafe_peer's format.
  std::unique_ptr<erl_node> start_elixir(std::string name) {
    return start_erl(std::move(name), [&](erl_options& o) {
      o.command = elixir_pubsub_peer(o, pubsub_name, GetParam());
    });
  }

  std::string elixir_pubsub() const {
    return "'Elixir." + pubsub_name + "'";
  }

  /// The next message of `mb`, failing the test when none comes.
  etf::term next(node::mailbox& mb) {
    auto msg = mb.receive(10s);
    EXPECT_TRUE(msg) << "no message";
    return msg ? *msg : etf::term{};
  }

  /// The Elixir collector `name`'s next message.
  etf::term ex_next(std::string_view name) {
    return ex->eval("'Elixir.PhxPeer':next(" + std::string{name} + ")", 15s);
  }

  std::shared_ptr<node::node> cafe;
  std::shared_ptr<pg::scope> scope;
  std::shared_ptr<pubsub::pubsub> ps;
  std::unique_ptr<erl_node> ex;
};

} // namespace

TEST_P(pubsub_interop, workers_are_registered_members_of_their_groups) {
  // The groups Phoenix makes for this pool size, on both sides.
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':groups()"),
            sorted(pubsub::group_names(pubsub_name, GetParam())));
  for (auto group : ps->groups()) {
    // Elixir's worker of this group is the member cafe sees on its node.
    auto remote = ex->eval("whereis(" + quoted(group) + ")");
    ASSERT_TRUE(remote.is<etf::pid>()) << etf::to_string(remote);
    auto members = scope->members(group);
    EXPECT_NE(std::find(members.begin(), members.end(), remote.get<etf::pid>()),
              members.end());
    // And cafe's is registered under the group's name.
    auto local = cafe->whereis(group);
    ASSERT_TRUE(local);
    EXPECT_EQ(ex->eval("lists:member(" + erl_literal(etf::term{*local})
                       + ", pg:get_members('Elixir.Phoenix.PubSub', "
                       + quoted(group) + "))"),
              etf::term{true});
  }
}

TEST_P(pubsub_interop, broadcasts_reach_subscribers_on_both_nodes) {
  auto mb = cafe->make_mailbox();
  ps->subscribe(mb->self(), "room");
  ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"room\">>]), ok");
  // Elixir -> everyone, from several publishers (with a pool of 2, they
  // pick different groups).
  for (int i = 1; i <= 4; ++i) {
    ex->eval("'Elixir.PhxPeer':in_process(fun() -> "
             "'Elixir.Phoenix.PubSub':broadcast("
             + elixir_pubsub() + ", <<\"room\">>, {from_ex, "
             + std::to_string(i) + "}) end)");
    EXPECT_EQ(next(*mb), etf::make_tuple("from_ex"_atom, i));
    EXPECT_EQ(ex_next("sub"), etf::make_tuple("from_ex"_atom, i));
  }
  // cafe -> everyone.
  ps->broadcast("room", etf::make_tuple("from_cafe"_atom, 1));
  EXPECT_EQ(next(*mb), etf::make_tuple("from_cafe"_atom, 1));
  EXPECT_EQ(ex_next("sub"), etf::make_tuple("from_cafe"_atom, 1));
  // Another topic reaches neither.
  ps->broadcast("elsewhere", "nobody"_atom);
  ps->broadcast("room", "marker"_atom);
  EXPECT_EQ(next(*mb), etf::term{"marker"_atom});
  EXPECT_EQ(ex_next("sub"), etf::term{"marker"_atom});
}

TEST_P(pubsub_interop, broadcast_from_skips_the_sender_only) {
  auto sender = cafe->make_mailbox();
  auto other = cafe->make_mailbox();
  ps->subscribe(sender->self(), "room");
  ps->subscribe(other->self(), "room");
  ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"room\">>]), ok");
  ps->broadcast_from(sender->self(), "room", "hello"_atom);
  EXPECT_EQ(next(*other), etf::term{"hello"_atom});
  EXPECT_EQ(ex_next("sub"), etf::term{"hello"_atom});
  ps->broadcast("room", "marker"_atom);
  EXPECT_EQ(next(*sender), etf::term{"marker"_atom}); // not hello
  // From Elixir: its sender skipped, cafe's subscribers reached.
  ex->eval("'Elixir.Phoenix.PubSub':broadcast_from(" + elixir_pubsub()
           + ", whereis(sub), <<\"room\">>, from_ex)");
  EXPECT_EQ(next(*sender), etf::term{"from_ex"_atom});
  EXPECT_EQ(next(*other), etf::term{"marker"_atom});
  EXPECT_EQ(next(*other), etf::term{"from_ex"_atom});
  ps->broadcast("room", "marker2"_atom);
  EXPECT_EQ(ex_next("sub"), etf::term{"marker"_atom});
  EXPECT_EQ(ex_next("sub"), etf::term{"marker2"_atom}); // not from_ex
}

TEST_P(pubsub_interop, local_and_direct_broadcasts_stay_on_their_node) {
  auto mb = cafe->make_mailbox();
  ps->subscribe(mb->self(), "room");
  ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"room\">>]), ok");
  // Elixir's local_broadcast stays there; the marker proves it did not
  // come to cafe.
  ex->eval("'Elixir.Phoenix.PubSub':local_broadcast(" + elixir_pubsub()
           + ", <<\"room\">>, ex_local)");
  EXPECT_EQ(ex_next("sub"), etf::term{"ex_local"_atom});
  ex->eval("'Elixir.Phoenix.PubSub':broadcast(" + elixir_pubsub()
           + ", <<\"room\">>, marker1)");
  EXPECT_EQ(next(*mb), etf::term{"marker1"_atom});
  EXPECT_EQ(ex_next("sub"), etf::term{"marker1"_atom});
  // cafe's local_broadcast likewise.
  ps->local_broadcast("room", "cafe_local"_atom);
  EXPECT_EQ(next(*mb), etf::term{"cafe_local"_atom});
  ps->broadcast("room", "marker2"_atom);
  EXPECT_EQ(ex_next("sub"), etf::term{"marker2"_atom});
  EXPECT_EQ(next(*mb), etf::term{"marker2"_atom});
  // direct_broadcast from Elixir to cafe: only cafe's subscribers.
  ex->eval("'Elixir.Phoenix.PubSub':direct_broadcast(" + quoted(cafe->name())
           + ", " + elixir_pubsub() + ", <<\"room\">>, to_cafe)");
  EXPECT_EQ(next(*mb), etf::term{"to_cafe"_atom});
  // direct_broadcast from cafe to Elixir: only Elixir's.
  ps->direct_broadcast(ex->name(), "room", "to_ex"_atom);
  EXPECT_EQ(ex_next("sub"), etf::term{"to_ex"_atom});
  ps->broadcast("room", "marker3"_atom);
  EXPECT_EQ(next(*mb), etf::term{"marker3"_atom}); // not to_ex
  EXPECT_EQ(ex_next("sub"), etf::term{"marker3"_atom}); // not to_cafe
}

TEST_P(pubsub_interop, another_dispatcher_reaches_subscribers_by_its_name) {
  auto mb = cafe->make_mailbox();
  ps->subscribe(mb->self(), "room:lobby");
  // What Phoenix Channels broadcast: a %Phoenix.Socket.Broadcast{} with
  // Phoenix.Channel.Server as the dispatcher.
  auto broadcast_struct
    = "#{'__struct__' => 'Elixir.Phoenix.Socket.Broadcast', topic => "
      "<<\"room:lobby\">>, event => <<\"new_msg\">>, payload => #{<<\"body\">> "
      "=> <<\"hi\">>}}";
  ex->eval("'Elixir.Phoenix.PubSub':direct_broadcast(" + quoted(cafe->name())
           + ", " + elixir_pubsub() + ", <<\"room:lobby\">>, "
           + broadcast_struct + ", 'Elixir.Phoenix.Channel.Server')");
  auto msg = next(*mb);
  etf::term payload;
  ASSERT_TRUE(etf::match(msg, "dispatch"_atom,
                         "Elixir.Phoenix.Channel.Server"_atom, "room:lobby"_bin,
                         &payload))
    << etf::to_string(msg);
  auto event = payload.get_if<etf::map>();
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(*event->find("__struct__"_atom),
            etf::term{"Elixir.Phoenix.Socket.Broadcast"_atom});
  EXPECT_EQ(*event->find("event"_atom), etf::term{"new_msg"_bin});
}

TEST_P(pubsub_interop, ten_thousand_messages_arrive_in_order_each_way) {
  constexpr int n = 10000;
  auto mb = cafe->make_mailbox();
  ps->subscribe(mb->self(), "seq");
  ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"seq\">>]), ok");
  ex->post("'Elixir.PhxPeer':publish_seq(<<\"seq\">>, ex, " + std::to_string(n)
           + ")");
  for (int i = 1; i <= n; ++i) {
    auto msg = mb->receive(15s);
    ASSERT_TRUE(msg) << "message " << i << " missing";
    ASSERT_EQ(*msg, etf::make_tuple("ex"_atom, i)) << "at " << i;
  }
  EXPECT_EQ(ex->result(60s), etf::term{"ok"_atom});
  for (int i = 1; i <= n; ++i)
    ps->broadcast("seq", etf::make_tuple("cafe"_atom, i));
  // The Elixir subscriber got its own publisher's sequence too.
  EXPECT_EQ(
    ex->eval("'Elixir.PhxPeer':check_seq(sub, ex, " + std::to_string(n) + ")",
             60s),
    etf::make_tuple("ok"_atom, n));
  EXPECT_EQ(
    ex->eval("'Elixir.PhxPeer':check_seq(sub, cafe, " + std::to_string(n) + ")",
             60s),
    etf::make_tuple("ok"_atom, n));
}

TEST_P(pubsub_interop, pubsubs_of_other_names_stay_apart) {
  // A second pubsub on the cafe node, in the same scope, with its own
  // groups: what each carries stays with its own name.
  pubsub::config cfg;
  cfg.name = "Other.PubSub";
  cfg.pool_size = GetParam();
  auto other = pubsub::pubsub::start(cafe, scope, cfg);
  ASSERT_TRUE(other) << other.error();
  EXPECT_FALSE(pubsub::pubsub::start(cafe, scope, cfg)); // names taken
  auto mine = cafe->make_mailbox();
  auto theirs = cafe->make_mailbox();
  ps->subscribe(mine->self(), "room");
  (*other)->subscribe(theirs->self(), "room");
  ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"room\">>]), ok");
  (*other)->broadcast("room", "other_only"_atom);
  EXPECT_EQ(next(*theirs), etf::term{"other_only"_atom});
  ex->eval("'Elixir.Phoenix.PubSub':broadcast(" + elixir_pubsub()
           + ", <<\"room\">>, from_ex)");
  EXPECT_EQ(next(*mine), etf::term{"from_ex"_atom});
  EXPECT_EQ(ex_next("sub"), etf::term{"from_ex"_atom}); // not other_only
  (*other)->broadcast("room", "marker"_atom);
  EXPECT_EQ(next(*theirs), etf::term{"marker"_atom}); // not from_ex
  (*other)->stop();
  // Its groups are gone from Elixir's view once it stops.
  auto only_ours = sorted(ps->groups());
  EXPECT_TRUE(eventually(
    [&] { return ex->eval("'Elixir.PhxPeer':groups()") == only_ours; }, 10s));
}

INSTANTIATE_TEST_SUITE_P(pool_size, pubsub_interop, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return "pool_" + std::to_string(info.param);
                         });
