// The gossip plugin on the wire, in a private network namespace: cafe nodes
// on 127.0.0.2.. and a real Elixir node running libcluster's Gossip code
// (peer.exs, libcluster_gossip.ex) on 127.0.0.9 find each other by UDP
// multicast (or broadcast) and end in a full mesh; four cafe nodes and two
// such Elixir nodes (127.0.0.2-7) do too, the Elixir nodes connecting each
// other; with the wrong secrets nothing connects and each node logs each
// sender once.
//
// The binary re-executes itself under `unshare --net --pid --mount-proc
// --fork --kill-child` (root, as in CI) with loopback up, multicast on and
// a 224.0.0.0/4 route (ENVIRONMENT.md): multicast needs it, and the private
// network means the libcluster ports (45892, EPMD's) are free. Every
// process is owned by an RAII handle and killed by PID; the PID namespace
// is the backstop: when the test process (its PID 1) ends, the kernel
// kills whatever is left in it. If the namespace cannot be made, the suite
// fails with the reason.

#include "cafe/discovery/gossip.hpp"
#include "cafe/discovery/keeper.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/netns.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

using namespace cafe;
using namespace cafe::discovery;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view netns_marker = "CAFE_GOSSIP_NETNS";

/// Heartbeats every 200 ms instead of libcluster's random 1..5000 ms.
constexpr auto fast = 200ms;

/// Generous: two shared cores, a BEAM starting beside the nodes.
constexpr auto converge_within = 30s;

// -- the log lines of dropped packets ----------------------------------------

/// Keeps the `... dropped a packet from ...` lines of the cafe logger.
class drop_log : public spdlog::sinks::base_sink<std::mutex> {
public:
  /// (receiving node, "addr:port") -> lines.
  std::map<std::pair<std::string, std::string>, size_t> counts() {
    std::lock_guard guard{this->mutex_};
    return counts_;
  }

  void clear() {
    std::lock_guard guard{this->mutex_};
    counts_.clear();
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    // "discovery: gossip: <node> dropped a packet from <addr>:<port> (...".
    static constexpr std::string_view head = "discovery: gossip: ";
    static constexpr std::string_view mid = " dropped a packet from ";
    auto text = std::string_view{msg.payload.data(), msg.payload.size()};
    if (!text.starts_with(head))
      return;
    text.remove_prefix(head.size());
    auto at = text.find(mid);
    if (at == std::string_view::npos)
      return;
    auto receiver = std::string{text.substr(0, at)};
    auto rest = text.substr(at + mid.size());
    auto sender = std::string{rest.substr(0, rest.find(' '))};
    ++counts_[{receiver, sender}];
  }

  void flush_() override {
    // nop
  }

private:
  std::map<std::pair<std::string, std::string>, size_t> counts_;
};

std::shared_ptr<drop_log>& drops() {
  static auto instance = std::make_shared<drop_log>();
  return instance;
}

// -- the members of a cluster -------------------------------------------------

std::string host(int n) {
  return "127.0.0." + std::to_string(n);
}

std::vector<std::string> texts(const std::vector<etf::atom>& xs) {
  std::vector<std::string> result;
  for (auto x : xs)
    result.emplace_back(x.text());
  std::sort(result.begin(), result.end());
  return result;
}

std::string joined(const std::vector<std::string>& xs) {
  std::string result = "[";
  for (auto& x : xs)
    result += (result.size() > 1 ? ", " : "") + x;
  return result + "]";
}

struct cafe_member {
  std::shared_ptr<node::node> node;
  std::shared_ptr<keeper> keep;
  /// Owned by the keeper.
  gossip* plugin = nullptr;
};

class gossip_live : public test::interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    drops()->clear();
    epmd_ = start_epmd();
  }

  void TearDown() override {
    // Keepers before nodes (the fixture stops the nodes).
    for (auto& m : members_)
      m.keep->stop();
  }

  /// A real epmd on every address of the namespace: peers on 127.0.0.N
  /// ask the EPMD of their host, 127.0.0.N.
  std::unique_ptr<test::child_process> start_epmd() {
    auto exe = test::require_tool("epmd");
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto port = test::free_port();
      test::spawn_options so;
      so.program = exe;
      so.args = {"-port", std::to_string(port)};
      auto epmd = std::make_unique<test::child_process>(so);
      auto answers = test::eventually(
        [&] {
          test::spawn_options names;
          names.program = exe;
          names.args = {"-port", std::to_string(port), "-names"};
          return !epmd->exited() && test::run(names, 2s).ok();
        },
        5s);
      if (answers && !epmd->exited()) {
        epmd_port_ = port;
        external_epmd_ = true;
        return epmd;
      }
    }
    throw std::runtime_error("no port for epmd after 5 attempts");
  }

  /// `cafeN@127.0.0.N` listening on 127.0.0.N, with a keeper running the
  /// gossip plugin. Unless broadcast_only, it sends from 127.0.0.N
  /// (multicast_if), so its packets are told apart from the others'.
  cafe_member& start_member(int n, gossip_options opts) {
    auto name = "cafe" + std::to_string(n) + "@" + host(n);
    auto nd = start_cafe([&](node::config& cfg) {
      cfg.name = name;
      cfg.listen_address = host(n);
      cfg.embedded_epmd = false;
    });
    if (!opts.broadcast_only)
      opts.multicast_if = host(n);
    opts.interval = fast;
    auto plugin = std::make_unique<gossip>(io(), nd->name(), opts);
    auto raw = plugin.get();
    std::vector<std::unique_ptr<discovery::plugin>> plugins;
    plugins.push_back(std::move(plugin));
    members_.push_back({nd, keeper::start(io(), nd, std::move(plugins)), raw});
    return members_.back();
  }

  /// `elixirN@127.0.0.N` running libcluster's Gossip with `config`
  /// (libcluster's keys, see peer.exs) and the fast interval.
  std::unique_ptr<test::erl_node>
  start_elixir(int n, std::vector<std::string> config) {
    auto name = "elixir" + std::to_string(n) + "@" + host(n);
    auto script = test::source_dir() / "tests/discovery/gossip/peer.exs";
    return start_erl(name, [&](test::erl_options& o) {
      o.command = {"elixir",
                   "--name",
                   name,
                   "--cookie",
                   cookie_,
                   "--erl",
                   "-start_epmd false -kernel inet_dist_use_interface {127,0,0,"
                     + std::to_string(n) + "} +sbwt none +sbwtdcpu none"
                     + " +sbwtdio none",
                   script.string(),
                   "interval=" + std::to_string(fast.count())};
      o.command.insert(o.command.end(), config.begin(), config.end());
    });
  }

  static std::vector<std::string> elixir_nodes(test::erl_node& peer) {
    auto x = peer.eval("lists:sort(nodes())");
    auto xs = x.get_if<etf::list>();
    if (xs == nullptr)
      throw std::runtime_error("nodes(): " + etf::to_string(x));
    std::vector<std::string> result;
    for (auto& y : xs->elements)
      if (auto a = y.get_if<etf::atom>())
        result.emplace_back(a->text());
    return result;
  }

  /// libcluster's events of the Elixir node with tag `tag` (heard,
  /// connected, unable, ignored, crash): their second elements.
  static std::vector<etf::term> elixir_events(test::erl_node& peer,
                                              std::string_view tag) {
    auto x = peer.eval("'Elixir.LibclusterGossip':events()");
    auto xs = x.get_if<etf::list>();
    if (xs == nullptr)
      throw std::runtime_error("events(): " + etf::to_string(x));
    std::vector<etf::term> result;
    for (auto& y : xs->elements) {
      auto t = y.get_if<etf::tuple>();
      if (t != nullptr && t->size() == 2
          && (*t)[0] == etf::term{etf::atom{tag}})
        result.push_back((*t)[1]);
    }
    return result;
  }

  /// Every name but `self`, sorted.
  static std::vector<std::string> others(const std::vector<std::string>& all,
                                         const std::string& self) {
    std::vector<std::string> result;
    for (auto& x : all)
      if (x != self)
        result.push_back(x);
    std::sort(result.begin(), result.end());
    return result;
  }

  /// The nodes whose heartbeats libcluster on `peer` decoded, sorted.
  static std::vector<std::string> elixir_heard(test::erl_node& peer) {
    std::vector<std::string> result;
    for (auto& x : elixir_events(peer, "heard"))
      if (auto a = x.get_if<etf::atom>())
        result.emplace_back(a->text());
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }

  /// Waits until every member and `peer` is connected to all the others,
  /// and the mesh came from gossip both ways: libcluster decoded every cafe
  /// node's heartbeats, and every cafe node decoded libcluster's. On a
  /// timeout, fails with what each one sees.
  void expect_full_mesh(test::erl_node& peer) {
    expect_full_mesh(std::vector<test::erl_node*>{&peer});
  }

  /// The same with several Elixir peers: each cafe node's keeper wants
  /// (heard by gossip) and is connected to every other node, cafe and
  /// Elixir; each Elixir peer decoded every other node's heartbeats and is
  /// connected to every other node.
  void expect_full_mesh(const std::vector<test::erl_node*>& peers) {
    std::vector<std::string> all;
    for (auto p : peers)
      all.emplace_back(p->name().text());
    for (auto& m : members_)
      all.emplace_back(m.node->name().text());
    std::sort(all.begin(), all.end());
    auto meshed = [&] {
      for (auto& m : members_) {
        auto self = std::string{m.node->name().text()};
        if (texts(m.node->nodes()) != others(all, self)
            || texts(m.keep->wanted()) != others(all, self))
          return false;
      }
      for (auto p : peers) {
        auto self = std::string{p->name().text()};
        if (elixir_heard(*p) != others(all, self)
            || elixir_nodes(*p) != others(all, self))
          return false;
      }
      return true;
    };
    auto start = test::clock::now();
    auto ok = test::eventually(meshed, converge_within, 100ms);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      test::clock::now() - start);
    if (!ok) {
      std::string report;
      for (auto& m : members_) {
        auto st = m.plugin->stats();
        report += std::string{m.node->name().text()} + " nodes() "
                  + joined(texts(m.node->nodes())) + ", wanted "
                  + joined(texts(m.keep->wanted())) + ", sent "
                  + std::to_string(st.sent) + ", received "
                  + std::to_string(st.received) + ", heard "
                  + std::to_string(st.heard) + ", dropped "
                  + std::to_string(st.dropped) + "\n";
      }
      for (auto p : peers)
        report += std::string{p->name().text()} + " nodes() "
                  + joined(elixir_nodes(*p)) + ", heard "
                  + joined(elixir_heard(*p)) + "\n";
      FAIL() << "no full mesh of " << joined(all) << " within "
             << converge_within.count() << " s:\n"
             << report;
    }
    std::cerr << "full mesh of " << all.size() << " nodes after "
              << took.count() << " ms\n";
    for (auto& m : members_) {
      EXPECT_GT(m.plugin->stats().heard, 0u);
      EXPECT_EQ(m.plugin->stats().dropped, 0u);
    }
    for (auto p : peers) {
      EXPECT_TRUE(elixir_events(*p, "crash").empty());
      EXPECT_TRUE(elixir_events(*p, "ignored").empty());
    }
    EXPECT_TRUE(drops()->counts().empty());
  }

  std::unique_ptr<test::child_process> epmd_;
  std::deque<cafe_member> members_;
};

} // namespace

TEST_F(gossip_live, libcluster_defaults_converge_to_a_full_mesh) {
  // Port 45892, group 233.252.1.32, TTL 1, no secret: libcluster's config
  // with nothing set.
  for (int n = 2; n <= 4; ++n)
    start_member(n, gossip_options{});
  auto peer = start_elixir(9, {});
  expect_full_mesh(*peer);
}

TEST_F(gossip_live, a_shared_secret_and_the_old_group_converge) {
  // libcluster before 3.3 used 230.1.1.251; a UTF-8 secret with a space.
  std::string secret = "correct horse \xe2\x9c\x93";
  gossip_options opts;
  opts.port = 45893;
  opts.multicast_addr = "230.1.1.251";
  opts.secret = secret;
  for (int n = 2; n <= 4; ++n)
    start_member(n, opts);
  auto peer = start_elixir(9, {"port=45893", "multicast_addr=230.1.1.251",
                               "secret=" + secret});
  expect_full_mesh(*peer);
}

TEST_F(gossip_live, broadcast_only_converges) {
  gossip_options opts;
  opts.port = 45894;
  opts.broadcast_only = true;
  opts.multicast_addr = "127.255.255.255";
  for (int n = 2; n <= 3; ++n)
    start_member(n, opts);
  auto peer = start_elixir(9, {"port=45894", "broadcast_only=true",
                               "multicast_addr=127.255.255.255"});
  expect_full_mesh(*peer);
}

TEST_F(gossip_live, four_cafe_and_two_elixir_nodes_end_in_a_full_mesh) {
  // Issue #11's mixed cluster, from gossip alone: four cafe nodes whose
  // keepers run only the gossip plugin and two Elixir nodes running
  // libcluster's Gossip, on one port and group, started interleaved. Every
  // node ends connected to the five others, each having heard all of them.
  gossip_options opts;
  opts.port = 45896;
  std::vector<std::string> config{"port=45896"};
  start_member(2, opts);
  start_member(3, opts);
  auto e6 = start_elixir(6, config);
  start_member(4, opts);
  start_member(5, opts);
  auto e7 = start_elixir(7, config);
  expect_full_mesh({e6.get(), e7.get()});
  // The two Elixir nodes connected each other themselves, as libcluster
  // does (cafe runs no `global` that could have introduced them): at least
  // one of them dialed the other after hearing it (both may, when they
  // dial at once).
  auto dialed = [](test::erl_node& from, test::erl_node& to) {
    auto xs = elixir_events(from, "connected");
    return std::find(xs.begin(), xs.end(), etf::term{to.name()}) != xs.end();
  };
  EXPECT_TRUE(dialed(*e6, *e7) || dialed(*e7, *e6));
}

TEST_F(gossip_live, wrong_secrets_connect_nothing_and_log_each_sender_once) {
  // Four senders, each with its own secret or none: no heartbeat decodes
  // anywhere.
  gossip_options opts;
  opts.port = 45895;
  opts.secret = "alpha";
  auto& a = start_member(2, opts);
  opts.secret = "beta";
  auto& b = start_member(3, opts);
  opts.secret.reset();
  auto& c = start_member(4, opts);
  auto peer = start_elixir(9, {"port=45895", "secret=gamma"});
  // Each sender's packets reach each cafe node many times over: at least
  // 8 per sender (the fast interval sends 5 a second).
  std::vector<cafe_member*> cafes{&a, &b, &c};
  auto many = test::eventually(
    [&] {
      for (auto m : cafes)
        if (m->plugin->stats().dropped < 3 * 8)
          return false;
      return elixir_events(*peer, "ignored").size() >= 3 * 8;
    },
    converge_within, 100ms);
  ASSERT_TRUE(many) << "too few packets exchanged: dropped "
                    << a.plugin->stats().dropped << ", "
                    << b.plugin->stats().dropped << ", "
                    << c.plugin->stats().dropped << "; libcluster ignored "
                    << elixir_events(*peer, "ignored").size();
  // Nothing was accepted, so nothing was connected.
  for (auto m : cafes) {
    SCOPED_TRACE(m->node->name().text());
    EXPECT_EQ(m->plugin->stats().heard, 0u);
    EXPECT_TRUE(m->keep->wanted().empty());
    EXPECT_TRUE(m->node->nodes().empty()) << joined(texts(m->node->nodes()));
  }
  EXPECT_TRUE(elixir_nodes(*peer).empty()) << joined(elixir_nodes(*peer));
  EXPECT_TRUE(elixir_events(*peer, "heard").empty());
  EXPECT_TRUE(elixir_events(*peer, "crash").empty());
  // Exactly one line per receiver and sender: the cafe nodes send from
  // their own address (multicast_if), libcluster from the route's source,
  // 127.0.0.1; all from the gossip port.
  auto port = ":" + std::to_string(opts.port);
  std::map<std::pair<std::string, std::string>, size_t> want;
  for (auto m : cafes) {
    auto self = std::string{m->node->name().text()};
    for (int n : {1, 2, 3, 4}) {
      auto sender = host(n) + port;
      if (sender != self.substr(self.find('@') + 1) + port)
        want[{self, sender}] = 1;
    }
  }
  EXPECT_EQ(drops()->counts(), want);
}

int main(int argc, char** argv) {
  if (!cafe::test::in_private_network_namespace(netns_marker))
    return cafe::test::reexec_in_network_namespace(argv, netns_marker,
                                                   "discovery.gossip.live");
  // Installed before any thread logs: spdlog's sink list is not locked.
  cafe::logger().sinks().push_back(drops());
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
