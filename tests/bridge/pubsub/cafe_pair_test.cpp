// Two cafe nodes in this process share a pubsub with no BEAM anywhere:
// `cafe@127.0.0.1` (running the test's EPMD) and `cafe2@127.0.0.1`, each
// with the pg scope 'Elixir.Phoenix.PubSub' and a pubsub of the same name
// and pool size. Their workers find each other through the scopes; a
// node's processes spread their broadcasts over every group of the pool;
// broadcast and broadcast_from cross in both directions through every
// group, local_broadcast and direct_broadcast stay where they are sent,
// 10,000 messages keep their order each way, a subscriber that closes is
// unsubscribed, and a pubsub or a node that stops leaves the other's
// groups. Pool sizes 1 and 2. Subscribers are mailboxes.

#include "cafe/etf/compare.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/pg/scope.hpp"
#include "cafe/pubsub/pubsub.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <thread>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

const std::string pubsub_name = "Cafe.PubSub";

std::vector<etf::pid> sorted(std::vector<etf::pid> xs) {
  std::sort(xs.begin(), xs.end(), [](auto& x, auto& y) {
    return etf::compare(etf::term{x}, etf::term{y}) < 0;
  });
  return xs;
}

std::string print(const std::vector<etf::pid>& xs) {
  etf::list l;
  for (auto& x : xs)
    l.elements.emplace_back(x);
  return etf::to_string(etf::term{l});
}

/// One side of the pair: a node, its scope and its pubsub.
struct side {
  std::shared_ptr<node::node> node;
  std::shared_ptr<pg::scope> scope;
  std::shared_ptr<pubsub::pubsub> ps;

  /// The worker registered under `group`.
  etf::pid worker(etf::atom group) const {
    auto pid = node->whereis(group);
    if (!pid)
      throw std::runtime_error(std::string{node->name().text()}
                               + " has no worker " + std::string{group.text()});
    return *pid;
  }
};

class cafe_pair : public interop_fixture,
                  public ::testing::WithParamInterface<size_t> {
protected:
  void SetUp() override {
    // interop_fixture::SetUp is not called: it compiles cafe_peer.erl for
    // erl peers, and this suite runs none.
    a = start_side({});
    b = start_side([](node::config& cfg) { cfg.name = "cafe2@127.0.0.1"; });
    ASSERT_TRUE(a.node->connect(b.node->name(), 10s));
    // Each side sees both workers of every group.
    for (auto group : a.ps->groups())
      ASSERT_TRUE(members_are(group, {a.worker(group), b.worker(group)}));
  }

  void TearDown() override {
    for (auto s : {&a, &b}) {
      if (s->ps)
        s->ps->stop();
      if (s->scope)
        s->scope->stop();
    }
  }

  side start_side(const std::function<void(node::config&)>& tweak) {
    side result;
    result.node = start_cafe(tweak);
    auto s = pg::scope::start(result.node, pubsub::scope_name());
    if (!s)
      throw std::runtime_error(s.error());
    result.scope = *s;
    pubsub::config cfg;
    cfg.name = pubsub_name;
    cfg.pool_size = GetParam();
    auto p = pubsub::pubsub::start(result.node, result.scope, cfg);
    if (!p)
      throw std::runtime_error(p.error());
    result.ps = *p;
    return result;
  }

  /// Waits until both scopes that still run list exactly `want` as the
  /// members of `group`.
  ::testing::AssertionResult members_are(etf::atom group,
                                         std::vector<etf::pid> want,
                                         std::vector<side*> who = {}) {
    if (who.empty())
      who = {&a, &b};
    want = sorted(std::move(want));
    std::vector<etf::pid> last;
    side* wrong = nullptr;
    auto ok = eventually(
      [&] {
        for (auto s : who) {
          last = sorted(s->scope->members(group));
          if (last != want) {
            wrong = s;
            return false;
          }
        }
        return true;
      },
      15s);
    if (ok)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << wrong->node->name().text() << ": members of " << group.text()
           << " are " << print(last) << ", want " << print(want);
  }

  /// A mailbox on `s` subscribed to `topics`, kept until the test ends.
  node::mailbox& subscriber(side& s, std::vector<std::string> topics) {
    mailboxes_.push_back(s.node->make_mailbox());
    for (auto& t : topics)
      s.ps->subscribe(mailboxes_.back()->self(), t);
    return *mailboxes_.back();
  }

  /// A mailbox on `s`, subscribed to nothing, that broadcasts through
  /// group `index` (pubsub::pick_group); kept until the test ends.
  node::mailbox& publisher(side& s, size_t index) {
    for (int tries = 0; tries < 1000; ++tries) {
      auto mb = s.node->make_mailbox();
      if (pubsub::pick_group(mb->self(), GetParam()) == index) {
        mailboxes_.push_back(mb);
        return *mb;
      }
      mb->close("normal"_atom);
    }
    throw std::runtime_error("no publisher for group " + std::to_string(index));
  }

  /// The next message of `mb`, failing the test when none comes.
  static etf::term next(node::mailbox& mb) {
    auto msg = mb.receive(10s);
    EXPECT_TRUE(msg) << "no message for " << etf::to_string(mb.self());
    return msg ? *msg : etf::term{"no_message"_atom};
  }

  side a;
  side b;
  std::vector<std::shared_ptr<node::mailbox>> mailboxes_;
};

} // namespace

TEST_P(cafe_pair, workers_are_registered_members_of_their_groups) {
  auto groups = pubsub::group_names(pubsub_name, GetParam());
  ASSERT_EQ(groups.size(), GetParam());
  EXPECT_EQ(a.ps->groups(), groups);
  EXPECT_EQ(b.ps->groups(), groups);
  std::vector<etf::term> want_groups(groups.begin(), groups.end());
  std::sort(want_groups.begin(), want_groups.end(),
            [](auto& x, auto& y) { return etf::compare(x, y) < 0; });
  for (auto s : {&a, &b}) {
    auto seen = s->scope->which_groups();
    std::sort(seen.begin(), seen.end(),
              [](auto& x, auto& y) { return etf::compare(x, y) < 0; });
    EXPECT_EQ(seen, want_groups) << s->node->name().text();
    for (auto group : groups) {
      // Its own worker is its only local member, and a distinct process.
      EXPECT_EQ(s->scope->local_members(group),
                std::vector<etf::pid>{s->worker(group)});
    }
  }
  if (groups.size() == 2)
    EXPECT_NE(a.worker(groups[0]), a.worker(groups[1]));
  // Each scope syncs with the other's.
  EXPECT_EQ(a.scope->peers(), std::vector<etf::pid>{b.scope->self()});
  EXPECT_EQ(b.scope->peers(), std::vector<etf::pid>{a.scope->self()});
}

TEST_P(cafe_pair, broadcasters_spread_over_the_pool) {
  // Like phash2(self(), PoolSize) in Phoenix: a node's processes use every
  // group of the pool, each process always the same one.
  std::vector<size_t> used(GetParam());
  std::vector<std::shared_ptr<node::mailbox>> pubs;
  for (int i = 0; i < 64; ++i) {
    pubs.push_back(a.node->make_mailbox());
    auto k = pubsub::pick_group(pubs.back()->self(), GetParam());
    ASSERT_LT(k, GetParam());
    EXPECT_EQ(pubsub::pick_group(pubs.back()->self(), GetParam()), k);
    ++used[k];
  }
  for (size_t k = 0; k < used.size(); ++k)
    EXPECT_GE(used[k], 8u) << "group " << k << " picked by " << used[k]
                           << " of 64 processes";
  for (auto& mb : pubs)
    mb->close("normal"_atom);
}

TEST_P(cafe_pair, broadcasts_cross_both_ways_through_every_group) {
  auto& sub_a = subscriber(a, {"room"});
  auto& sub_b = subscriber(b, {"room"});
  // The pubsub's own broadcast, each way.
  a.ps->broadcast("room", etf::make_tuple("from"_atom, a.node->name()));
  EXPECT_EQ(next(sub_a), etf::make_tuple("from"_atom, a.node->name()));
  EXPECT_EQ(next(sub_b), etf::make_tuple("from"_atom, a.node->name()));
  b.ps->broadcast("room", etf::make_tuple("from"_atom, b.node->name()));
  EXPECT_EQ(next(sub_a), etf::make_tuple("from"_atom, b.node->name()));
  EXPECT_EQ(next(sub_b), etf::make_tuple("from"_atom, b.node->name()));
  // Publishers that pick each group in turn: every group's worker on the
  // other side hands its forwards on.
  for (size_t k = 0; k < GetParam(); ++k) {
    SCOPED_TRACE("group " + std::to_string(k));
    for (auto from : {&a, &b}) {
      auto& pub = publisher(*from, k);
      auto msg = etf::make_tuple("via"_atom, int64_t(k), from->node->name());
      from->ps->broadcast_from(pub.self(), "room", msg);
      EXPECT_EQ(next(sub_a), msg);
      EXPECT_EQ(next(sub_b), msg);
    }
  }
  // Another topic reaches neither: the marker comes next.
  a.ps->broadcast("elsewhere", "nobody"_atom);
  b.ps->broadcast("elsewhere", "nobody"_atom);
  a.ps->broadcast("room", "marker_a"_atom);
  b.ps->broadcast("room", "marker_b"_atom);
  for (auto mb : {&sub_a, &sub_b}) {
    auto x = next(*mb);
    auto y = next(*mb);
    // The two markers come from different nodes: either order.
    EXPECT_TRUE(
      (x == etf::term{"marker_a"_atom} && y == etf::term{"marker_b"_atom})
      || (x == etf::term{"marker_b"_atom} && y == etf::term{"marker_a"_atom}))
      << etf::to_string(x) << ", " << etf::to_string(y);
  }
}

TEST_P(cafe_pair, broadcast_from_skips_the_sender_only) {
  auto& sender = subscriber(a, {"room"});
  auto& other = subscriber(a, {"room"});
  auto& remote = subscriber(b, {"room"});
  a.ps->broadcast_from(sender.self(), "room", "hello"_atom);
  EXPECT_EQ(next(other), etf::term{"hello"_atom});
  EXPECT_EQ(next(remote), etf::term{"hello"_atom});
  a.ps->broadcast("room", "marker"_atom);
  EXPECT_EQ(next(sender), etf::term{"marker"_atom}); // not hello
  EXPECT_EQ(next(other), etf::term{"marker"_atom});
  EXPECT_EQ(next(remote), etf::term{"marker"_atom});
  // The other way: b's sender is skipped, a's subscribers all get it.
  b.ps->broadcast_from(remote.self(), "room", "from_b"_atom);
  EXPECT_EQ(next(sender), etf::term{"from_b"_atom});
  EXPECT_EQ(next(other), etf::term{"from_b"_atom});
  b.ps->broadcast("room", "marker2"_atom);
  EXPECT_EQ(next(remote), etf::term{"marker2"_atom}); // not from_b
  EXPECT_EQ(next(sender), etf::term{"marker2"_atom});
  EXPECT_EQ(next(other), etf::term{"marker2"_atom});
  // `from` is a's process, so b's subscribers never match it: the
  // broadcast of a process of a reaches b's even when it is b's pid that
  // would be skipped on a.
  a.ps->broadcast_from(remote.self(), "room", "skip_remote_on_a"_atom);
  EXPECT_EQ(next(remote), etf::term{"skip_remote_on_a"_atom});
  EXPECT_EQ(next(sender), etf::term{"skip_remote_on_a"_atom});
  EXPECT_EQ(next(other), etf::term{"skip_remote_on_a"_atom});
}

TEST_P(cafe_pair, local_and_direct_broadcasts_stay_on_their_node) {
  auto& sub_a = subscriber(a, {"room"});
  auto& sub_b = subscriber(b, {"room"});
  // local_broadcast on a: only a's subscriber; a's next broadcast is
  // b's next message.
  a.ps->local_broadcast("room", "a_local"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"a_local"_atom});
  a.ps->broadcast("room", "marker1"_atom);
  EXPECT_EQ(next(sub_b), etf::term{"marker1"_atom}); // not a_local
  EXPECT_EQ(next(sub_a), etf::term{"marker1"_atom});
  // And on b.
  b.ps->local_broadcast("room", "b_local"_atom);
  EXPECT_EQ(next(sub_b), etf::term{"b_local"_atom});
  b.ps->broadcast("room", "marker2"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"marker2"_atom}); // not b_local
  EXPECT_EQ(next(sub_b), etf::term{"marker2"_atom});
  // local_broadcast_from skips its sender too.
  auto& sub_a2 = subscriber(a, {"room"});
  a.ps->local_broadcast_from(sub_a.self(), "room", "a_local_from"_atom);
  EXPECT_EQ(next(sub_a2), etf::term{"a_local_from"_atom});
  a.ps->broadcast("room", "marker3"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"marker3"_atom}); // not a_local_from
  EXPECT_EQ(next(sub_a2), etf::term{"marker3"_atom});
  EXPECT_EQ(next(sub_b), etf::term{"marker3"_atom}); // not a_local_from
  // direct_broadcast from a to b: b's subscribers only. b's answer
  // broadcast comes to a after anything b would have sent on.
  a.ps->direct_broadcast(b.node->name(), "room", "a_to_b"_atom);
  EXPECT_EQ(next(sub_b), etf::term{"a_to_b"_atom});
  b.ps->broadcast("room", "marker4"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"marker4"_atom}); // not a_to_b
  EXPECT_EQ(next(sub_a2), etf::term{"marker4"_atom});
  EXPECT_EQ(next(sub_b), etf::term{"marker4"_atom});
  // From b to a.
  b.ps->direct_broadcast(a.node->name(), "room", "b_to_a"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"b_to_a"_atom});
  EXPECT_EQ(next(sub_a2), etf::term{"b_to_a"_atom});
  a.ps->broadcast("room", "marker5"_atom);
  EXPECT_EQ(next(sub_b), etf::term{"marker5"_atom}); // not b_to_a
  // To its own node: local only.
  a.ps->direct_broadcast(a.node->name(), "room", "a_to_a"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"marker5"_atom});
  EXPECT_EQ(next(sub_a), etf::term{"a_to_a"_atom});
  a.ps->broadcast("room", "marker6"_atom);
  EXPECT_EQ(next(sub_b), etf::term{"marker6"_atom}); // not a_to_a
  EXPECT_EQ(next(sub_a2), etf::term{"marker5"_atom});
  EXPECT_EQ(next(sub_a2), etf::term{"a_to_a"_atom});
  EXPECT_EQ(next(sub_a2), etf::term{"marker6"_atom});
  EXPECT_EQ(next(sub_a), etf::term{"marker6"_atom});
}

TEST_P(cafe_pair, ten_thousand_messages_arrive_in_order_each_way) {
  constexpr int64_t n = 10000;
  auto& sub_a = subscriber(a, {"seq"});
  auto& sub_b = subscriber(b, {"seq"});
  // Both directions at once: a through its pubsub's own group, b through
  // a publisher of its last group. (jthreads: a failed ASSERT joins them.)
  auto& pub_b = publisher(b, GetParam() - 1);
  std::jthread from_a{[&] {
    for (int64_t i = 1; i <= n; ++i)
      a.ps->broadcast("seq", etf::make_tuple("a"_atom, i));
  }};
  std::jthread from_b{[&] {
    for (int64_t i = 1; i <= n; ++i)
      b.ps->broadcast_from(pub_b.self(), "seq", etf::make_tuple("b"_atom, i));
  }};
  // Each subscriber gets both sequences, each in order, nothing else.
  for (auto mb : {&sub_a, &sub_b}) {
    SCOPED_TRACE(etf::to_string(mb->self()));
    int64_t seen_a = 0;
    int64_t seen_b = 0;
    for (int64_t i = 0; i < 2 * n; ++i) {
      auto msg = mb->receive(15s);
      ASSERT_TRUE(msg) << "after a:" << seen_a << " b:" << seen_b;
      if (*msg == etf::make_tuple("a"_atom, seen_a + 1))
        ++seen_a;
      else if (*msg == etf::make_tuple("b"_atom, seen_b + 1))
        ++seen_b;
      else
        FAIL() << "after a:" << seen_a << " b:" << seen_b << " got "
               << etf::to_string(*msg);
    }
    EXPECT_EQ(seen_a, n);
    EXPECT_EQ(seen_b, n);
  }
  from_a.join();
  from_b.join();
  // Nothing after the sequences.
  a.ps->broadcast("seq", "end"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"end"_atom});
  EXPECT_EQ(next(sub_b), etf::term{"end"_atom});
}

TEST_P(cafe_pair, a_closed_subscriber_is_unsubscribed) {
  auto& leaving = subscriber(b, {"room", "other"});
  auto& staying = subscriber(b, {"room"});
  auto& sub_a = subscriber(a, {"room"});
  EXPECT_EQ(b.ps->subscriber_count("room"), 2u);
  EXPECT_EQ(b.ps->subscriber_count("other"), 1u);
  a.ps->broadcast("room", "before"_atom);
  EXPECT_EQ(next(leaving), etf::term{"before"_atom});
  EXPECT_EQ(next(staying), etf::term{"before"_atom});
  EXPECT_EQ(next(sub_a), etf::term{"before"_atom});
  // The monitor fires: every subscription of the closed mailbox goes.
  leaving.close("normal"_atom);
  EXPECT_TRUE(eventually(
    [&] {
      return b.ps->subscriber_count("room") == 1
             && b.ps->subscriber_count("other") == 0;
    },
    10s))
    << "room: " << b.ps->subscriber_count("room")
    << ", other: " << b.ps->subscriber_count("other");
  EXPECT_FALSE(b.node->alive(leaving.self()));
  // The others still get what comes, from either node (one at a time:
  // a's and b's broadcasts have no order between them).
  a.ps->broadcast("room", "after_a"_atom);
  EXPECT_EQ(next(staying), etf::term{"after_a"_atom});
  EXPECT_EQ(next(sub_a), etf::term{"after_a"_atom});
  b.ps->broadcast("room", "after_b"_atom);
  EXPECT_EQ(next(staying), etf::term{"after_b"_atom});
  EXPECT_EQ(next(sub_a), etf::term{"after_b"_atom});
  // An explicit unsubscribe, proven by a marker on a topic it keeps.
  b.ps->subscribe(staying.self(), "other");
  b.ps->unsubscribe(staying.self(), "room");
  EXPECT_EQ(b.ps->subscriber_count("room"), 0u);
  a.ps->broadcast("room", "unsubscribed"_atom);
  a.ps->broadcast("other", "marker"_atom);
  EXPECT_EQ(next(staying), etf::term{"marker"_atom}); // not unsubscribed
  EXPECT_EQ(next(sub_a), etf::term{"unsubscribed"_atom});
  // Closing a subscriber with subscriptions left on a works the same way.
  sub_a.close("shutdown"_atom);
  EXPECT_TRUE(
    eventually([&] { return a.ps->subscriber_count("room") == 0; }, 10s));
}

TEST_P(cafe_pair, a_stopped_pubsub_leaves_the_other_nodes_groups) {
  auto& sub_a = subscriber(a, {"room"});
  auto& sub_b = subscriber(b, {"room"});
  std::vector<etf::pid> b_workers;
  for (auto group : b.ps->groups())
    b_workers.push_back(b.worker(group));
  b.ps->stop();
  for (auto group : a.ps->groups()) {
    EXPECT_TRUE(members_are(group, {a.worker(group)}));
    EXPECT_FALSE(b.node->whereis(group)) << "still registered";
  }
  for (auto& w : b_workers)
    EXPECT_FALSE(b.node->alive(w));
  EXPECT_EQ(b.ps->subscriber_count("room"), 0u);
  // a's broadcasts reach its own subscribers, and nothing on b: a marker
  // sent from a to sub_b after the broadcast comes first.
  a.ps->broadcast("room", "after_stop"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"after_stop"_atom});
  auto& probe = subscriber(a, {});
  ASSERT_TRUE(probe.send(sub_b.self(), "marker"_atom));
  EXPECT_EQ(next(sub_b), etf::term{"marker"_atom});
  // The nodes stay connected, the scopes synced.
  EXPECT_EQ(a.scope->peers(), std::vector<etf::pid>{b.scope->self()});
  // b's stopped pubsub neither sends nor dispatches.
  b.ps->broadcast("room", "from_stopped"_atom);
  a.ps->broadcast("room", "marker2"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"marker2"_atom});
}

TEST_P(cafe_pair, a_stopped_node_leaves_the_other_nodes_groups) {
  auto& sub_a = subscriber(a, {"room"});
  b.node->stop();
  EXPECT_TRUE(eventually(
    [&] {
      auto up = a.node->nodes();
      return std::find(up.begin(), up.end(), b.node->name()) == up.end();
    },
    10s));
  for (auto group : a.ps->groups())
    EXPECT_TRUE(members_are(group, {a.worker(group)}, {&a}));
  EXPECT_TRUE(eventually([&] { return a.scope->peers().empty(); }, 10s))
    << print(a.scope->peers());
  // a's pubsub carries on alone.
  a.ps->broadcast("room", "alone"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"alone"_atom});
  auto& pub = publisher(a, GetParam() - 1);
  a.ps->broadcast_from(pub.self(), "room", "alone2"_atom);
  EXPECT_EQ(next(sub_a), etf::term{"alone2"_atom});
}

INSTANTIATE_TEST_SUITE_P(pool_size, cafe_pair, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return "pool_" + std::to_string(info.param);
                         });
