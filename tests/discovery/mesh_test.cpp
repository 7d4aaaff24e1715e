// The full-mesh bookkeeping without a node: what gets connected when, the
// grace period before a node no plugin finds is let go, and retries that
// back off with jitter instead of storming.

#include "cafe/discovery/mesh.hpp"

#include <gtest/gtest.h>
#include <set>

using namespace cafe;
using namespace cafe::discovery;
using namespace std::chrono_literals;

namespace {

const etf::atom self{"self@127.0.0.1"};
const etf::atom a{"a@127.0.0.2"};
const etf::atom b{"b@127.0.0.3"};

mesh_options options() {
  mesh_options opts;
  opts.grace = 10s;
  opts.backoff_min = 200ms;
  opts.backoff_max = 5s;
  return opts;
}

using atoms = std::vector<etf::atom>;

} // namespace

TEST(mesh, what_a_plugin_finds_is_connected_once_and_kept) {
  mesh m{self, options(), 1};
  auto t0 = clock::now();
  m.found("epmd", {a, b, self}, t0);
  auto todo = m.due(t0);
  EXPECT_EQ(todo.connect, (atoms{a, b})); // never itself
  EXPECT_TRUE(todo.disconnect.empty());
  // In flight: not dialed twice.
  EXPECT_TRUE(m.due(t0 + 1s).connect.empty());
  m.connected(a, t0 + 1s);
  m.connected(b, t0 + 1s);
  EXPECT_TRUE(m.due(t0 + 1h).connect.empty());
  EXPECT_EQ(m.wanted(t0 + 1h), (atoms{a, b}));
  EXPECT_EQ(m.sources(a, t0 + 1h), (std::vector<std::string>{"epmd"}));
}

TEST(mesh, a_node_missing_from_a_poll_goes_after_the_grace_period) {
  mesh m{self, options(), 1};
  auto t0 = clock::now();
  m.found("dns", {a, b}, t0);
  m.due(t0);
  m.connected(a, t0);
  m.connected(b, t0);
  m.found("dns", {a}, t0 + 1s);
  EXPECT_TRUE(m.due(t0 + 10s).disconnect.empty());
  EXPECT_EQ(m.next_due(), t0 + 11s);
  EXPECT_EQ(m.due(t0 + 11s).disconnect, (atoms{b}));
  EXPECT_EQ(m.wanted(t0 + 11s), (atoms{a}));
  // Back within the grace period: kept.
  m.found("dns", {a}, t0 + 20s);
  m.found("dns", {}, t0 + 21s);
  m.found("dns", {a}, t0 + 25s);
  EXPECT_TRUE(m.due(t0 + 40s).disconnect.empty());
}

TEST(mesh, heartbeats_keep_a_node_wanted_until_they_stop) {
  mesh m{self, options(), 1};
  auto t0 = clock::now();
  m.heard("gossip", a, t0);
  EXPECT_EQ(m.due(t0).connect, (atoms{a}));
  m.connected(a, t0);
  m.heard("gossip", a, t0 + 5s);
  EXPECT_TRUE(m.due(t0 + 14s).disconnect.empty());
  EXPECT_EQ(m.due(t0 + 15s).disconnect, (atoms{a}));
}

TEST(mesh, a_node_any_plugin_still_finds_stays) {
  mesh m{self, options(), 1};
  auto t0 = clock::now();
  m.found("dns", {a}, t0);
  m.heard("gossip", a, t0);
  m.due(t0);
  m.connected(a, t0);
  m.found("dns", {}, t0 + 1s);
  EXPECT_EQ(m.sources(a, t0 + 2s), (std::vector<std::string>{"dns", "gossip"}));
  EXPECT_TRUE(m.due(t0 + 9s).disconnect.empty());
  EXPECT_EQ(m.due(t0 + 11s).disconnect, (atoms{a}));
}

TEST(mesh, failed_connects_back_off_with_jitter_up_to_the_cap) {
  mesh m{self, options(), 7};
  auto t = clock::now();
  m.found("epmd", {a}, t);
  ASSERT_EQ(m.due(t).connect, (atoms{a}));
  std::vector<clock::duration> waits;
  for (int i = 0; i < 8; ++i) {
    m.connect_failed(a, t);
    auto next = m.next_due();
    ASSERT_TRUE(next);
    waits.push_back(*next - t);
    EXPECT_TRUE(m.due(*next - 1ms).connect.empty());
    t = *next;
    ASSERT_EQ(m.due(t).connect, (atoms{a}));
  }
  // 200 ms, 400, 800, ... capped at 5 s; each wait in the upper half.
  std::chrono::milliseconds nominal = 200ms;
  for (auto w : waits) {
    EXPECT_GE(w, nominal / 2);
    EXPECT_LE(w, nominal);
    nominal = std::min(nominal * 2, std::chrono::milliseconds{5s});
  }
  m.connected(a, t);
  m.disconnected(a, t + 1s);
  auto again = m.next_due();
  ASSERT_TRUE(again);
  EXPECT_LE(*again - (t + 1s), 200ms); // back to the first step
}

TEST(mesh, many_nodes_dropping_at_once_do_not_redial_at_once) {
  mesh m{self, options(), 42};
  auto t0 = clock::now();
  atoms many;
  for (int i = 2; i < 52; ++i)
    many.emplace_back("n@127.0.0." + std::to_string(i));
  m.found("dns", many, t0);
  ASSERT_EQ(m.due(t0).connect.size(), many.size());
  for (auto n : many)
    m.connected(n, t0);
  for (auto n : many)
    m.disconnected(n, t0 + 1s);
  // The redials spread over the first backoff step.
  std::set<clock::time_point> slots;
  auto t = t0 + 1s;
  size_t dialed = 0;
  while (dialed < many.size()) {
    auto next = m.next_due();
    ASSERT_TRUE(next);
    t = *next;
    auto todo = m.due(t);
    dialed += todo.connect.size();
    slots.insert(t);
  }
  EXPECT_GT(slots.size(), 20u);
  EXPECT_LE(t - (t0 + 1s), 200ms);
}
