// The broadcast plugin: its signed announcement without I/O (every
// truncation, alteration, other secret, stale or replayed packet refused),
// then live in a private network namespace (the binary re-executes itself
// under unshare, as root; it fails, never skips, without): cafe nodes on
// 127.0.0.2-6 without EPMD (erl_epmd_port) announce themselves to
// 127.255.255.255 and end in a full mesh; a node with another secret
// connects to nobody and each node logs it once; a node that stops
// announcing is let go after the grace period.

#include "cafe/discovery/broadcast.hpp"
#include "cafe/discovery/broadcast_packet.hpp"
#include "cafe/discovery/keeper.hpp"
#include "cafe/log.hpp"
#include "cafe/test/netns.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <spdlog/sinks/base_sink.h>

using namespace cafe;
using namespace cafe::discovery;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

const std::chrono::milliseconds t0{1'700'000'000'000};

/// Counts the warnings the broadcast plugin logs. spdlog's sinks must not
/// change while other threads log, so it joins the `cafe` logger before
/// main.
class warning_log {
public:
  static size_t count(const std::string& text) {
    return sink_->count(text);
  }

  static bool install() {
    cafe::logger().sinks().push_back(sink_);
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
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }

    void flush_() override {
      // nop
    }

  private:
    std::vector<std::string> lines_;
  };

  static inline auto sink_ = std::make_shared<counting_sink>();
};

} // namespace

// -- the packet ---------------------------------------------------------------

TEST(broadcast_packet, round_trips_with_the_secret) {
  auto bytes = encode_announcement("chat@127.0.0.7", t0, "s3cret");
  auto got = decode_announcement(bytes, "s3cret", t0 + 5s, 30s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->node, etf::atom{"chat@127.0.0.7"});
  EXPECT_EQ(got->timestamp, t0);
}

TEST(broadcast_packet, every_truncation_and_alteration_is_refused) {
  auto bytes = encode_announcement("chat@127.0.0.7", t0, "s3cret");
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto got = decode_announcement({bytes.data(), n}, "s3cret", t0, 30s);
    ASSERT_FALSE(got) << "prefix of " << n << " bytes taken";
    EXPECT_EQ(got.error(), refusal::malformed);
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x20;
    EXPECT_FALSE(decode_announcement(bad, "s3cret", t0, 30s))
      << "byte " << i << " altered, still taken";
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decode_announcement(longer, "s3cret", t0, 30s));
}

TEST(broadcast_packet, another_secret_or_none_is_a_bad_mac) {
  auto bytes = encode_announcement("chat@127.0.0.7", t0, "s3cret");
  EXPECT_EQ(decode_announcement(bytes, "other", t0, 30s).error(),
            refusal::bad_mac);
  EXPECT_EQ(decode_announcement(bytes, "", t0, 30s).error(), refusal::bad_mac);
  auto unsigned_bytes = encode_announcement("chat@127.0.0.7", t0, "");
  EXPECT_EQ(decode_announcement(unsigned_bytes, "s3cret", t0, 30s).error(),
            refusal::bad_mac);
}

TEST(broadcast_packet, timestamps_outside_the_window_are_stale) {
  auto bytes = encode_announcement("chat@127.0.0.7", t0, "s3cret");
  EXPECT_TRUE(decode_announcement(bytes, "s3cret", t0 + 30s, 30s));
  EXPECT_TRUE(decode_announcement(bytes, "s3cret", t0 - 30s, 30s));
  EXPECT_EQ(decode_announcement(bytes, "s3cret", t0 + 31s, 30s).error(),
            refusal::stale);
  EXPECT_EQ(decode_announcement(bytes, "s3cret", t0 - 31s, 30s).error(),
            refusal::stale);
}

TEST(broadcast_packet, names_that_are_no_node_names_are_refused) {
  for (auto name : {"nohost", "@127.0.0.9", "a@", "a b@h", "a@h/x", "a\n@h"}) {
    auto bytes = encode_announcement(name, t0, "k");
    EXPECT_EQ(decode_announcement(bytes, "k", t0, 30s).error(),
              refusal::malformed)
      << name;
  }
}

TEST(broadcast_packet, a_replay_is_not_fresh) {
  replay_guard guard;
  announcement a{etf::atom{"a@h"}, t0};
  EXPECT_TRUE(guard.fresh(a));
  EXPECT_FALSE(guard.fresh(a)); // the same packet again
  EXPECT_FALSE(guard.fresh({a.node, t0 - 1ms}));
  EXPECT_TRUE(guard.fresh({a.node, t0 + 1ms}));
  EXPECT_TRUE(guard.fresh({etf::atom{"b@h"}, t0})); // per node
}

// -- live ---------------------------------------------------------------------

namespace {

class broadcast_live : public interop_fixture {
protected:
  void SetUp() override {
    // No erl here: the fixture's erl compile is not needed.
    dist_port = free_port();
    udp_port = free_port();
  }

  void TearDown() override {
    for (auto& k : keepers)
      k->stop();
    keepers.clear();
  }

  /// `n@127.0.0.<host>` without EPMD, announcing with `secret`.
  std::shared_ptr<node::node> start(int host, const std::string& secret) {
    auto addr = "127.0.0." + std::to_string(host);
    auto n = start_cafe([&](node::config& cfg) {
      cfg.name = "n@" + addr;
      cfg.listen_address = addr;
      cfg.erl_epmd_port = dist_port;
      cfg.embedded_epmd = false;
    });
    broadcast_options opts;
    opts.port = udp_port;
    opts.addr = "127.255.255.255";
    opts.if_addr = addr;
    opts.secret = secret;
    opts.interval = 100ms;
    std::vector<std::unique_ptr<plugin>> ps;
    ps.push_back(std::make_unique<broadcast>(io(), n->name(), opts));
    mesh_options mesh;
    mesh.grace = 1s;
    mesh.backoff_min = 100ms;
    mesh.backoff_max = 1s;
    keepers.push_back(keeper::start(io(), n, std::move(ps), mesh));
    return n;
  }

  static bool connected(const node::node& n, etf::atom peer) {
    auto xs = n.nodes(true);
    return std::find(xs.begin(), xs.end(), peer) != xs.end();
  }

  static bool full_mesh(const std::vector<std::shared_ptr<node::node>>& ns) {
    for (auto& x : ns)
      for (auto& y : ns)
        if (x != y && !connected(*x, y->name()))
          return false;
    return true;
  }

  uint16_t dist_port = 0;
  uint16_t udp_port = 0;
  std::vector<std::shared_ptr<keeper>> keepers;
};

} // namespace

TEST_F(broadcast_live, nodes_with_the_secret_end_in_a_full_mesh) {
  std::vector<std::shared_ptr<node::node>> good;
  for (int host : {2, 3, 4})
    good.push_back(start(host, "s3cret"));
  ASSERT_TRUE(eventually([&] { return full_mesh(good); }, 15s));
  // Another secret: nobody connects to it, and each node says so once.
  auto bad = start(5, "wrong");
  // A node started after it: once it is in the mesh, the others have been
  // hearing the bad node's announcements for longer.
  good.push_back(start(6, "s3cret"));
  ASSERT_TRUE(eventually([&] { return full_mesh(good); }, 15s));
  auto warning = "discovery: broadcast: ignoring 127.0.0.5: signed with "
                 "another secret";
  EXPECT_TRUE(
    eventually([&] { return warning_log::count(warning) == good.size(); }, 10s))
    << warning_log::count(warning);
  for (auto& g : good) {
    EXPECT_FALSE(connected(*g, bad->name())) << g->name().text();
    EXPECT_FALSE(connected(*bad, g->name()));
  }
  // Many announcements later: still once per node.
  auto heard_more = warning_log::count("discovery: broadcast: ignoring "
                                       "127.0.0.2: signed with another "
                                       "secret");
  EXPECT_EQ(heard_more, 1u); // the bad node's view of node 2
  EXPECT_EQ(warning_log::count(warning), good.size());
}

TEST_F(broadcast_live, a_node_that_stops_announcing_is_let_go) {
  std::vector<std::shared_ptr<node::node>> ns;
  for (int host : {2, 3, 4})
    ns.push_back(start(host, "s3cret"));
  ASSERT_TRUE(eventually([&] { return full_mesh(ns); }, 15s));
  // Node 4 stops announcing (and keeping its own mesh).
  keepers.back()->stop();
  EXPECT_TRUE(eventually(
    [&] {
      return !connected(*ns[0], ns[2]->name())
             && !connected(*ns[1], ns[2]->name());
    },
    10s));
  EXPECT_TRUE(connected(*ns[0], ns[1]->name()));
}

int main(int argc, char** argv) {
  constexpr std::string_view marker = "CAFE_BROADCAST_NETNS";
  if (!in_private_network_namespace(marker))
    return reexec_in_network_namespace(argv, marker, "discovery.broadcast");
  // Before any thread logs: spdlog's sink list is not locked.
  warning_log::install();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
