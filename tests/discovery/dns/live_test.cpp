// The dns plugin against a real dnsmasq (package dnsmasq-base): cafe nodes
// with one base name on distinct loopback addresses, without EPMD (erl's
// -erl_epmd_port), each running a keeper with the dns plugin, converge to a
// full mesh from A or SRV records; a record removed lets its node go after
// the keeper's grace period, a record added brings a node started later in;
// a real `erl -erl_epmd_port` listed in DNS is connected; 4 cafe and 2 BEAM
// nodes in one DNS name make a full mesh from dns alone. The plugin alone:
// A, AAAA and SRV answers, NXDOMAIN as "no nodes", a dead server keeps the
// previous answer (logged once), and stop() closes c-ares' sockets.
//
// dnsmasq serves a `--hostsdir` that it watches with inotify: one file per
// node record, renamed in to add it and removed to delete it. `--local=/#/`
// makes every name it does not know NXDOMAIN (without it, dnsmasq with no
// upstream server answers REFUSED, which would be a failure, not an empty
// answer).

#include "cafe/discovery/dns_poll.hpp"
#include "cafe/discovery/dns_setup.hpp"
#include "cafe/discovery/keeper.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/program_options/parsers.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <map>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace cafe;
using namespace cafe::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

using atoms = std::vector<etf::atom>;

constexpr auto interval = 300ms;
constexpr auto grace = 1000ms;

std::string names(const atoms& xs) {
  std::string result = "[";
  for (auto& x : xs) {
    if (result.size() > 1)
      result += ", ";
    result += x.text();
  }
  return result + "]";
}

atoms sorted(atoms xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

/// `chat@127.0.0.N`.
etf::atom chat(int n) {
  return etf::atom{"chat@127.0.0." + std::to_string(n)};
}

/// Whether a DNS server answers on 127.0.0.1:port (any reply to an A query
/// for `ready.test`).
bool dns_answers(uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const uint8_t query[] = {0x42, 0x42, 0x01, 0x00, 0,   1,   0,   0,   0, 0,
                           0,    0,    5,    'r',  'e', 'a', 'd', 'y', 4, 't',
                           'e',  's',  't',  0,    0,   1,   0,   1};
  bool ok = ::sendto(fd, query, sizeof(query), 0,
                     reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == static_cast<ssize_t>(sizeof(query));
  if (ok) {
    pollfd pfd{fd, POLLIN, 0};
    uint8_t buf[512];
    ok = ::poll(&pfd, 1, 300) > 0 && ::recv(fd, buf, sizeof(buf), 0) >= 12;
  }
  ::close(fd);
  return ok;
}

std::string user_name() {
  auto pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

std::string group_name() {
  auto gr = ::getgrgid(::getegid());
  return gr != nullptr ? gr->gr_name : std::to_string(::getegid());
}

/// A real dnsmasq on 127.0.0.1 and a port of its own, serving the host
/// records of a directory it watches plus `extra` options; stopped (by its
/// PID) when destroyed.
class dnsmasq {
public:
  explicit dnsmasq(std::vector<std::string> extra, uint16_t port = 0)
    : extra_(std::move(extra)) {
    fs::create_directory(hosts_dir());
    exe_ = find_tool("dnsmasq");
    if (!exe_)
      throw std::runtime_error("dnsmasq not found on PATH: install the "
                               "package dnsmasq-base");
    for (int attempt = 0; attempt < 5 && !child_; ++attempt) {
      port_ = port != 0 ? port : free_port();
      launch();
      if (!child_ && port != 0)
        break; // the caller's port or nothing
    }
    if (!child_)
      throw std::runtime_error("dnsmasq did not start (see its output above)");
  }

  ~dnsmasq() {
    stop();
  }

  uint16_t port() const noexcept {
    return port_;
  }

  /// `--dns.server` for it.
  std::string server() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  /// Adds `name A/AAAA addr` as a file of its own (renamed in, so dnsmasq
  /// never reads half a file).
  void add(const std::string& file, const std::string& addr,
           const std::string& name) {
    auto staged = dir_.path() / (file + ".staged");
    std::ofstream{staged} << addr << ' ' << name << '\n';
    fs::rename(staged, hosts_dir() / file);
  }

  void remove(const std::string& file) {
    fs::remove(hosts_dir() / file);
  }

  /// Kills it (SIGKILL to its process group) and reaps it.
  void stop() {
    if (child_) {
      ::kill(-child_->pid(), SIGKILL);
      child_->stop(0ms);
      child_.reset();
    }
  }

private:
  fs::path hosts_dir() const {
    return dir_.path() / "hosts";
  }

  void launch() {
    spawn_options so;
    so.program = *exe_;
    so.args = {"--conf-file=/dev/null", "--no-resolv", "--no-hosts",
               "--listen-address=127.0.0.1", "--bind-interfaces",
               "--port=" + std::to_string(port_),
               "--pid-file=" + (dir_.path() / "pid").string(),
               "--keep-in-foreground", "--log-facility=-", "--local=/#/",
               // Stay who we are (as root it would become `nobody`, who
               // cannot read the private temporary directory).
               "--user=" + user_name(), "--group=" + group_name(),
               "--hostsdir=" + hosts_dir().string(),
               "--host-record=ready.test,127.0.0.1"};
    so.args.insert(so.args.end(), extra_.begin(), extra_.end());
    auto child = std::make_unique<child_process>(so);
    if (eventually([&] { return child->exited() || dns_answers(port_); }, 10s)
        && !child->exited()) {
      child_ = std::move(child);
    }
  }

  temp_dir dir_;
  std::optional<fs::path> exe_;
  std::vector<std::string> extra_;
  uint16_t port_ = 0;
  std::unique_ptr<child_process> child_;
};

/// What a plugin reported, in order.
class recording_sink : public discovery::sink {
public:
  void found(std::string_view source, std::vector<etf::atom> nodes) override {
    std::lock_guard guard{mtx_};
    EXPECT_EQ(source, "dns");
    reports_.push_back(sorted(std::move(nodes)));
    cv_.notify_all();
  }

  void heard(std::string_view, etf::atom node) override {
    ADD_FAILURE() << "dns reported a heartbeat from " << node.text();
  }

  std::vector<atoms> reports() const {
    std::lock_guard guard{mtx_};
    return reports_;
  }

  size_t count() const {
    std::lock_guard guard{mtx_};
    return reports_.size();
  }

  /// Waits for a report (after the first `skip`) equal to `want`.
  bool wait_for(const atoms& want, size_t skip = 0,
                std::chrono::milliseconds timeout = 10s) {
    std::unique_lock guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] {
      for (auto i = skip; i < reports_.size(); ++i)
        if (reports_[i] == sorted(want))
          return true;
      return false;
    });
  }

  std::string last() const {
    std::lock_guard guard{mtx_};
    return reports_.empty() ? std::string{"no report"} : names(reports_.back());
  }

private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<atoms> reports_;
};

/// The plugin's own words, parsed as cafe-node parses them.
po::variables_map words(const std::vector<std::string>& args) {
  po::variables_map vm;
  po::store(po::command_line_parser(args)
              .options(discovery::dns_program_options())
              .run(),
            vm);
  po::notify(vm);
  return vm;
}

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] auto& entry : fs::directory_iterator{"/proc/self/fd"})
    ++n;
  return n;
}

/// Log lines of the `cafe` logger, while it lives.
class log_capture {
public:
  log_capture()
    : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000)) {
    cafe::logger().sinks().push_back(sink_);
  }

  ~log_capture() {
    auto& sinks = cafe::logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  /// Lines holding every one of `parts`.
  size_t count(std::initializer_list<std::string_view> parts) const {
    size_t n = 0;
    for (auto& line : sink_->last_formatted())
      if (std::all_of(parts.begin(), parts.end(), [&](auto part) {
            return line.find(part) != std::string::npos;
          }))
        ++n;
    return n;
  }

private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

class dns_live : public interop_fixture {
protected:
  ~dns_live() override {
    // Keepers before their nodes (the fixture stops the nodes).
    for (auto& [n, k] : keepers_)
      k->stop();
    keepers_.clear();
  }

  /// One port for every node, as `-erl_epmd_port` (picked again while no
  /// node runs, when it was taken meanwhile).
  uint16_t dist_port_ = free_port();

  /// `chat@127.0.0.N` listening on 127.0.0.N:dist_port_, without EPMD.
  std::shared_ptr<node::node> start_chat(int n) {
    for (int attempt = 0;; ++attempt) {
      try {
        return start_cafe([&](node::config& cfg) {
          cfg.name = std::string{chat(n).text()};
          cfg.listen_address = "127.0.0.";
          cfg.listen_address += std::to_string(n);
          cfg.erl_epmd_port = dist_port_;
          cfg.embedded_epmd = false;
          cfg.ticktime = 10s;
        });
      } catch (const std::exception&) {
        if (started_ > 0 || attempt == 4)
          throw;
        dist_port_ = free_port();
      }
    }
  }

  /// A real `erl -name chat@127.0.0.N` as containers run it: no EPMD at
  /// all (ENVIRONMENT.md's recipe), the nodes' one port as
  /// `-erl_epmd_port`, its own address. It runs cafe_peer (the bridge.node
  /// suites' line protocol) and no discovery of its own.
  std::unique_ptr<erl_node> start_beam(int n) {
    if (!beams_)
      beams_ = compile_erl("tests/bridge/node/cafe_peer.erl");
    for (int attempt = 0;; ++attempt) {
      std::vector<std::string> args{
        "erl", "-name", std::string{chat(n).text()}, "-setcookie", cookie_,
        "-noshell", "-start_epmd", "false", "-erl_epmd_port",
        std::to_string(dist_port_), "-kernel", "inet_dist_use_interface",
        "{127,0,0," + std::to_string(n) + "}",
        // Idle schedulers must not spin on two shared cores.
        "+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none", "-kernel",
        "logger",
        "[{handler,default,logger_std_h,#{config => "
        "#{type => standard_error}}}]",
        "-pa", beams_->path().string(), "-s", "cafe_peer", "main"};
      try {
        auto erl = start_erl("chat", [&](erl_options& opts) {
          opts.command = std::move(args);
        });
        ++started_; // the port is this node's now
        return erl;
      } catch (const std::exception&) {
        if (started_ > 0 || attempt == 4)
          throw;
        dist_port_ = free_port();
      }
    }
  }

  /// start_chat, then a keeper with the dns plugin made from `args`.
  std::shared_ptr<node::node> start_member(int n,
                                           std::vector<std::string> args) {
    auto self = start_chat(n);
    ++started_;
    auto plugin = discovery::make_dns_plugin(io(), self->name(), words(args));
    if (!plugin)
      throw std::runtime_error("make_dns_plugin: " + plugin.error());
    std::vector<std::unique_ptr<discovery::plugin>> plugins;
    plugins.push_back(std::move(*plugin));
    discovery::mesh_options opts;
    opts.grace = grace;
    opts.backoff_min = 100ms;
    opts.backoff_max = 1s;
    auto k = discovery::keeper::start(io(), self, std::move(plugins), opts);
    keepers_.emplace(n, k);
    return self;
  }

  /// The dns words for `server`, polling fast.
  static std::vector<std::string>
  dns_words(const dnsmasq& server, std::string query, std::string type) {
    return {"--dns.query",   std::move(query), "--dns.type",
            std::move(type), "--dns.interval", std::to_string(interval.count()),
            "--dns.server",  server.server()};
  }

  /// Whether every node in `xs` is connected to exactly the others.
  static bool full_mesh(const std::vector<std::shared_ptr<node::node>>& xs) {
    for (auto& x : xs) {
      atoms want;
      for (auto& y : xs)
        if (y != x)
          want.push_back(y->name());
      if (sorted(x->nodes()) != sorted(want))
        return false;
    }
    return true;
  }

  static std::string
  describe(const std::vector<std::shared_ptr<node::node>>& xs) {
    std::string result;
    for (auto& x : xs)
      result += std::string{x->name().text()} + " -> "
                + names(sorted(x->nodes())) + "\n";
    return result;
  }

  /// The keeper of `chat@127.0.0.N`.
  discovery::keeper& keeper(int n) {
    return *keepers_.at(n);
  }

  std::map<int, std::shared_ptr<discovery::keeper>> keepers_;
  /// Nodes started on dist_port_ (none: it may still be picked again).
  int started_ = 0;
  std::unique_ptr<temp_dir> beams_;
};

} // namespace

TEST_F(dns_live, a_records_make_a_full_mesh_that_follows_the_records) {
  dnsmasq dns{{}};
  for (int n : {2, 3, 4})
    dns.add("node" + std::to_string(n), "127.0.0." + std::to_string(n),
            "chat.test");
  auto n2 = start_member(2, dns_words(dns, "chat.test", "a"));
  auto n3 = start_member(3, dns_words(dns, "chat.test", "a"));
  auto n4 = start_member(4, dns_words(dns, "chat.test", "a"));
  ASSERT_TRUE(eventually(
    [&] {
      return full_mesh({n2, n3, n4});
    },
    15s))
    << describe({n2, n3, n4});
  // What each keeper wants is exactly what DNS lists, less itself.
  EXPECT_EQ(sorted(keeper(2).wanted()), (atoms{chat(3), chat(4)}));

  // Node 4 leaves DNS (its own keeper stopped first, as a pod that goes
  // away would): 2 and 3 let it go after the grace period, not before.
  keeper(4).stop();
  auto removed = clock::now();
  dns.remove("node4");
  std::optional<clock::duration> gone2;
  std::optional<clock::duration> gone3;
  ASSERT_TRUE(eventually(
    [&] {
      auto now = clock::now() - removed;
      if (!gone2 && !contains(n2->nodes(), chat(4)))
        gone2 = now;
      if (!gone3 && !contains(n3->nodes(), chat(4)))
        gone3 = now;
      return gone2 && gone3;
    },
    grace + 10s, 10ms))
    << describe({n2, n3, n4});
  // Lower bound: the grace period itself; upper: grace, one interval, the
  // lookup and dnsmasq's inotify re-read, with 3 s slack for a busy machine.
  for (auto gone : {*gone2, *gone3}) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(gone);
    EXPECT_GE(ms, grace) << "let go before the grace period ended";
    EXPECT_LE(ms, grace + interval + 3s);
  }
  EXPECT_TRUE(contains(n2->nodes(), chat(3))) << describe({n2, n3, n4});

  // Node 5 starts later and gets a record: it joins 2 and 3, and their
  // keepers find it in DNS (not only its own connections to them).
  auto n5 = start_member(5, dns_words(dns, "chat.test", "a"));
  dns.add("node5", "127.0.0.5", "chat.test");
  ASSERT_TRUE(eventually(
    [&] {
      return full_mesh({n2, n3, n5});
    },
    15s))
    << describe({n2, n3, n4, n5});
  ASSERT_TRUE(eventually(
    [&] {
      return sorted(keeper(2).wanted()) == atoms{chat(3), chat(5)}
             && sorted(keeper(3).wanted()) == atoms{chat(2), chat(5)};
    },
    10s))
    << names(keeper(2).wanted()) << " / " << names(keeper(3).wanted());
  EXPECT_TRUE(n4->nodes().empty()) << describe({n2, n3, n4, n5});
}

TEST_F(dns_live, srv_records_make_the_same_mesh) {
  // Targets spelled as the nodes' hosts (here their addresses): libcluster's
  // Kubernetes.DNSSRV names each node `basename@<target>`.
  std::vector<std::string> records;
  for (int n : {2, 3, 4})
    records.push_back("--srv-host=_erlang._tcp.chat.test,127.0.0."
                      + std::to_string(n) + "," + std::to_string(dist_port_)
                      + ",0,100");
  dnsmasq dns{records};
  auto n2 = start_member(2, dns_words(dns, "_erlang._tcp.chat.test", "srv"));
  auto n3 = start_member(3, dns_words(dns, "_erlang._tcp.chat.test", "srv"));
  auto n4 = start_member(4, dns_words(dns, "_erlang._tcp.chat.test", "srv"));
  ASSERT_TRUE(eventually(
    [&] {
      return full_mesh({n2, n3, n4});
    },
    15s))
    << describe({n2, n3, n4});
  EXPECT_EQ(sorted(keeper(3).wanted()), (atoms{chat(2), chat(4)}));
}

TEST_F(dns_live, a_real_erl_listed_in_dns_is_connected) {
  dnsmasq dns{{}};
  for (int n : {2, 3, 9})
    dns.add("node" + std::to_string(n), "127.0.0." + std::to_string(n),
            "chat.test");
  auto erl = start_beam(9);
  ASSERT_EQ(erl->name(), chat(9));
  auto n2 = start_member(2, dns_words(dns, "chat.test", "a"));
  auto n3 = start_member(3, dns_words(dns, "chat.test", "a"));
  ASSERT_TRUE(eventually(
    [&] {
      return contains(n2->nodes(), chat(9)) && contains(n3->nodes(), chat(9))
             && contains(n2->nodes(), chat(3));
    },
    15s))
    << describe({n2, n3});
  // The BEAM's own view: both cafe nodes, as visible nodes.
  auto seen = erl->eval("lists:sort(nodes())");
  EXPECT_EQ(etf::to_string(seen), "['chat@127.0.0.2','chat@127.0.0.3']");
}

TEST_F(dns_live,
       a_mixed_cluster_of_4_cafe_and_2_beam_nodes_converges_from_dns_alone) {
  // chat.test lists all six: cafe nodes on .2-.5, real erl nodes on .8 and
  // .9, every one on the same port without EPMD.
  const std::vector<int> cafes{2, 3, 4, 5};
  const std::vector<int> beams{8, 9};
  dnsmasq dns{{}};
  for (int n : {2, 3, 4, 5, 8, 9})
    dns.add("node" + std::to_string(n), "127.0.0." + std::to_string(n),
            "chat.test");
  auto b8 = start_beam(8);
  auto b9 = start_beam(9);
  ASSERT_EQ(b8->name(), chat(8));
  ASSERT_EQ(b9->name(), chat(9));
  std::vector<std::shared_ptr<node::node>> members;
  for (int n : cafes)
    members.push_back(start_member(n, dns_words(dns, "chat.test", "a")));
  auto others = [](int self) {
    atoms xs;
    for (int n : {2, 3, 4, 5, 8, 9})
      if (n != self)
        xs.push_back(chat(n));
    return xs;
  };
  // Every cafe node: connected to exactly the five others, BEAM or cafe.
  ASSERT_TRUE(eventually(
    [&] {
      for (size_t i = 0; i < cafes.size(); ++i)
        if (sorted(members[i]->nodes()) != others(cafes[i]))
          return false;
      return true;
    },
    20s))
    << describe(members);
  // ... because each keeper found all five in DNS, not only because the
  // others dialed it.
  for (int n : cafes)
    EXPECT_EQ(sorted(keeper(n).wanted()), others(n)) << "keeper of " << n;

  // Each BEAM node's own view: the four cafe nodes, as visible nodes. The
  // BEAM nodes run no discovery (in an Elixir app dns_cluster would poll
  // chat.test on them too and connect them to each other), and nothing
  // here makes them dial each other: cafe runs no `global`, whose sync
  // with a shared peer is what would otherwise link two BEAM nodes. So
  // BEAM <-> BEAM is not asserted either way; the other BEAM node is the
  // one name tolerated beside the cafe nodes, and only that one.
  for (int n : beams) {
    auto& erl = n == 8 ? *b8 : *b9;
    auto other = n == 8 ? chat(9) : chat(8);
    auto expr = "lists:sort(nodes() -- [" + quoted(other) + "])";
    std::string seen;
    EXPECT_TRUE(eventually(
      [&] {
        seen = etf::to_string(erl.eval(expr));
        return seen
               == "['chat@127.0.0.2','chat@127.0.0.3','chat@127.0.0.4',"
                  "'chat@127.0.0.5']";
      },
      10s, 100ms))
      << chat(n).text() << " sees " << seen;
  }
}

TEST_F(dns_live, the_plugin_reports_answers_and_keeps_them_through_failures) {
  log_capture log;
  dnsmasq dns{{"--host-record=v6.chat.test,::1",
               "--srv-host=_erlang._tcp.chat.test,chat-0.chat.default.svc."
               "cluster.local,4370,0,100",
               "--srv-host=_erlang._tcp.chat.test,chat-1.chat.default.svc."
               "cluster.local,4370,0,100"}};
  dns.add("node2", "127.0.0.2", "chat.test");
  dns.add("node3", "127.0.0.3", "chat.test");
  auto plugin_for = [&](std::vector<std::string> args) {
    auto res = discovery::make_dns_plugin(io(), etf::atom{"chat@127.0.0.1"},
                                          words(args));
    if (!res)
      throw std::runtime_error(res.error());
    return std::move(*res);
  };
  // AAAA, SRV and a name that does not exist, each through c-ares.
  {
    recording_sink aaaa;
    recording_sink srv;
    recording_sink none;
    auto p6 = plugin_for(dns_words(dns, "v6.chat.test", "aaaa"));
    auto ps = plugin_for(dns_words(dns, "_erlang._tcp.chat.test", "srv"));
    auto pn = plugin_for(dns_words(dns, "nope.chat.test", "a"));
    p6->start(aaaa);
    ps->start(srv);
    pn->start(none);
    EXPECT_TRUE(aaaa.wait_for({etf::atom{"chat@::1"}})) << aaaa.last();
    EXPECT_TRUE(
      srv.wait_for({etf::atom{"chat@chat-0.chat.default.svc.cluster.local"},
                    etf::atom{"chat@chat-1.chat.default.svc.cluster.local"}}))
      << srv.last();
    // NXDOMAIN: an answer naming nothing, reported as such.
    EXPECT_TRUE(none.wait_for({})) << none.last();
    p6->stop();
    ps->stop();
    pn->stop();
  }

  // A: both records, queried with --dns.basename.
  auto fds_before = open_fds();
  recording_sink a;
  {
    auto args = dns_words(dns, "chat.test", "a");
    args.insert(args.end(), {"--dns.basename", "other"});
    auto pa = plugin_for(args);
    auto& poll = dynamic_cast<discovery::dns_poll&>(*pa);
    pa->start(a);
    atoms both{etf::atom{"other@127.0.0.2"}, etf::atom{"other@127.0.0.3"}};
    ASSERT_TRUE(a.wait_for(both)) << a.last();

    // The server dies: rounds go on, each reporting the previous answer,
    // and the failure is logged once.
    dns.stop();
    auto reports = a.count();
    auto rounds = poll.rounds();
    ASSERT_TRUE(eventually([&] { return poll.rounds() >= rounds + 3; }, 15s))
      << "rounds stalled at " << poll.rounds();
    auto seen = a.reports();
    ASSERT_GT(seen.size(), reports);
    for (auto i = reports; i < seen.size(); ++i)
      EXPECT_EQ(seen[i], both) << "report " << i << ": " << names(seen[i]);
    EXPECT_EQ(log.count({"dns: chat.test (a) failed", "keeping"}), 1u);

    // Back on the same port with one record: the new answer, and one line
    // saying so.
    dnsmasq again{{}, dns.port()};
    again.add("node3", "127.0.0.3", "chat.test");
    reports = a.count();
    EXPECT_TRUE(a.wait_for({etf::atom{"other@127.0.0.3"}}, reports))
      << a.last();
    EXPECT_EQ(log.count({"dns: chat.test (a) answers again"}), 1u);

    // stop(): no report once it returned, no socket left open. A control
    // plugin with the same words keeps polling on the same io_context: once
    // it has reported three more rounds, the stopped one would have too.
    recording_sink control;
    auto pc = plugin_for(args);
    pc->start(control);
    ASSERT_TRUE(control.wait_for({etf::atom{"other@127.0.0.3"}}))
      << control.last();
    pa->stop();
    EXPECT_EQ(poll.open_sockets(), 0u);
    reports = a.count();
    auto control_reports = control.count();
    EXPECT_TRUE(
      eventually([&] { return control.count() >= control_reports + 3; }, 15s));
    EXPECT_EQ(a.count(), reports) << "reported after stop()";
    pc->stop();
  }
  EXPECT_EQ(open_fds(), fds_before) << "c-ares left descriptors open";
}

TEST_F(dns_live, a_server_that_never_answers_times_out_on_the_io_context) {
  // A UDP socket nobody reads: c-ares' retries and its final timeout come
  // only from the steady_timer set from ares_timeout.
  auto fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto server = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  log_capture log;
  auto make = [&] {
    return discovery::make_dns_plugin(
      io(), etf::atom{"chat@127.0.0.1"},
      words({"--dns.query", "silent.test", "--dns.interval",
             std::to_string(interval.count()), "--dns.server", server}));
  };
  // Asio's reactor opens its descriptors with the first timer: count after.
  ASSERT_TRUE(make());
  auto fds_before = open_fds();
  {
    recording_sink to;
    auto plugin = make();
    ASSERT_TRUE(plugin) << plugin.error();
    auto& poll = dynamic_cast<discovery::dns_poll&>(**plugin);
    (*plugin)->start(to);
    // Two rounds of two tries (300 ms, then 600 ms) each, then a query in
    // flight when stop() comes.
    ASSERT_TRUE(eventually([&] { return poll.rounds() >= 2; }, 15s))
      << "c-ares never timed out";
    ASSERT_TRUE(eventually([&] { return poll.open_sockets() > 0; }, 5s));
    (*plugin)->stop();
    EXPECT_EQ(poll.open_sockets(), 0u);
    // Never answered: nothing to report, and one line about it.
    EXPECT_EQ(to.count(), 0u) << to.last();
    EXPECT_EQ(log.count({"dns: silent.test (a) failed", "keeping"}), 1u);
  }
  EXPECT_EQ(open_fds(), fds_before) << "c-ares left descriptors open";
  ::close(fd);
}

TEST_F(dns_live, configuration_words) {
  auto self = etf::atom{"app@127.0.0.9"};
  // No query: an error naming the word.
  ::unsetenv("DNS_CLUSTER_QUERY");
  auto none = discovery::make_dns_plugin(io(), self, words({}));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("--dns.query"), std::string::npos);
  // Phoenix 1.7 apps' DNS_CLUSTER_QUERY stands in for --dns.query.
  ::setenv("DNS_CLUSTER_QUERY", "app.internal", 1);
  auto env = discovery::make_dns_plugin(io(), self, words({}));
  ::unsetenv("DNS_CLUSTER_QUERY");
  ASSERT_TRUE(env) << env.error();
  EXPECT_EQ((*env)->name(), "dns");
  // Wrong words.
  auto bad_type = discovery::make_dns_plugin(
    io(), self, words({"--dns.query", "x.test", "--dns.type", "mx"}));
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.error().find("mx"), std::string::npos);
  auto bad_server = discovery::make_dns_plugin(
    io(), self, words({"--dns.query", "x.test", "--dns.server", "no port"}));
  ASSERT_FALSE(bad_server);
  EXPECT_NE(bad_server.error().find("no port"), std::string::npos)
    << bad_server.error();
  auto bad_interval = discovery::make_dns_plugin(
    io(), self, words({"--dns.query", "x.test", "--dns.interval", "0"}));
  ASSERT_FALSE(bad_interval);
  // Several types and names, comma-separated or repeated.
  auto many = discovery::make_dns_plugin(
    io(), self,
    words({"--dns.query", "a.test,b.test", "--dns.query", "c.test",
           "--dns.type", "a,aaaa", "--dns.type", "srv"}));
  ASSERT_TRUE(many) << many.error();
}
