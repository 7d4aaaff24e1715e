// How long N cafe nodes take to form a full mesh through one discovery
// plugin, measured from the moment the last node started. All nodes run in
// this process on loopback, each on its own 127.0.0.N without EPMD
// (erl_epmd_port), or with one EPMD for local-epmd. A run is bounded by
// --timeout; every node is stopped before the next.
//
//   bench_discovery_convergence --plugin broadcast|gossip|local-epmd|dns
//     --nodes 16
//     [--interval MS (0: the plugin's default)] [--runs R] [--timeout MS]
//     [--late 1]
//
// Prints one line a run: `plugin=broadcast nodes=16 interval_ms=100
// converged_ms=...` (or `converged_ms=timeout`), then the median.
//
// dns: the bench starts a real dnsmasq (package dnsmasq-base) on a free
// port of 127.0.0.1 for each run, serving a hosts directory with one file
// per node: an A record `127.0.0.N nodes.bench`; every node polls
// `nodes.bench` (`basename@<ip>`: `n@127.0.0.N`). dnsmasq is killed by its
// PID at the end of the run.
//
// --late 1: the first N-1 nodes start together and form their mesh (not
// timed); then node N starts (for dns, its record appears at that moment)
// and two times are taken from its keeper's start: `connected_ms`, until
// every node is connected to it (the late node finds the others at once and
// dials them, so this is mostly the connects), and `found_ms`, until every
// earlier node's own plugin reports it (its keeper wants it): that is where
// a polling interval shows (dns, local-epmd), and a push plugin does not
// wait (broadcast, gossip: the late node announces itself when it starts).

#include "cafe/discovery/broadcast.hpp"
#include "cafe/discovery/dns_poll.hpp"
#include "cafe/discovery/gossip.hpp"
#include "cafe/discovery/keeper.hpp"
#include "cafe/discovery/local_epmd.hpp"
#include "cafe/log.hpp"
#include "cafe/services/start_node.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <iostream>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <pwd.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace cafe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct settings {
  std::string plugin = "broadcast";
  int nodes = 4;
  /// The plugin's interval; 0: its default (libcluster's figures).
  int64_t interval_ms = 100;
  int runs = 3;
  int64_t timeout_ms = 30000;
  /// Time one node started after the others formed their mesh.
  bool late = false;
};

/// Set by SIGINT/SIGTERM (e.g. run_discovery.sh's `timeout`): the waits end
/// and the run unwinds, so dnsmasq is killed and its directory removed.
volatile std::sig_atomic_t interrupted = 0;

/// The name every node of the dns runs polls.
constexpr const char* dns_name = "nodes.bench";

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a{
    io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

int64_t ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                               - t0)
    .count();
}

/// `127.0.0.N` of a node named `alive@127.0.0.N`.
std::string host_of(const node::node& n) {
  std::string name{n.name().text()};
  return name.substr(name.find('@') + 1);
}

/// Whether a DNS server answers on 127.0.0.1:port (any reply to an A query
/// for `ready.bench`).
bool dns_answers(uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const uint8_t query[] = {0x42, 0x42, 0x01, 0x00, 0,   1,   0,   0,   0, 0,
                           0,    0,    5,    'r',  'e', 'a', 'd', 'y', 5, 'b',
                           'e',  'n',  'c',  'h',  0,   0,   1,   0,   1};
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

/// dnsmasq on PATH, or in the sbin directories a user's PATH may lack.
std::optional<fs::path> find_dnsmasq() {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/local/sbin";
  std::stringstream dirs{path};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty())
      continue;
    auto candidate = fs::path{dir} / "dnsmasq";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)
        && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return std::nullopt;
}

/// A real dnsmasq on 127.0.0.1 and a free port, serving the host records of
/// a private directory it watches (inotify); killed (its process group, by
/// PID) and reaped when destroyed, its directory removed.
class dnsmasq {
public:
  dnsmasq() {
    auto exe = find_dnsmasq();
    if (!exe)
      throw std::runtime_error("dnsmasq not found on PATH or in /usr/sbin: "
                               "install the package dnsmasq-base");
    auto tmpl = (fs::temp_directory_path() / "cafe-bench-dns-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    fs::create_directory(dir_ / "hosts");
    // The port was free a moment ago: another may take it first, and then
    // dnsmasq exits at once.
    for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt)
      launch(*exe, free_port());
    if (pid_ < 0) {
      std::ifstream log{dir_ / "log"};
      std::cerr << log.rdbuf();
      fs::remove_all(dir_);
      throw std::runtime_error("dnsmasq did not start (its output above)");
    }
  }

  ~dnsmasq() {
    kill();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  dnsmasq(const dnsmasq&) = delete;
  dnsmasq& operator=(const dnsmasq&) = delete;

  std::string server() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  /// Adds `addr dns_name` as a file of its own (renamed in, so dnsmasq never
  /// reads half a file).
  void add(const std::string& addr) {
    auto staged = dir_ / (addr + ".staged");
    std::ofstream{staged} << addr << ' ' << dns_name << '\n';
    fs::rename(staged, dir_ / "hosts" / addr);
  }

private:
  void launch(const fs::path& exe, uint16_t port) {
    std::vector<std::string> args{
      exe.string(), "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
      "--listen-address=127.0.0.1", "--bind-interfaces",
      "--port=" + std::to_string(port), "--pid-file=" + (dir_ / "pid").string(),
      "--keep-in-foreground", "--log-facility=-",
      // Names it does not know: NXDOMAIN, not REFUSED.
      "--local=/#/",
      // Stay who we are (as root it would become `nobody`, who cannot read
      // the private directory).
      "--user=" + user_name(), "--group=" + group_name(),
      "--hostsdir=" + (dir_ / "hosts").string(),
      "--host-record=ready.bench,127.0.0.1"};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    auto log = (dir_ / "log").string();
    auto pid = ::fork();
    if (pid < 0)
      throw std::runtime_error("fork failed");
    if (pid == 0) {
      // Its own process group, killed with us if we die first.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      auto fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    pid_ = pid;
    auto deadline = clock_type::now() + 10s;
    while (clock_type::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1; // exited: reaped already
        return;
      }
      if (dns_answers(port)) {
        port_ = port;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    kill();
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  fs::path dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

std::unique_ptr<discovery::plugin>
make_plugin(const settings& s, boost::asio::io_context& io, const node::node& n,
            uint16_t udp_port, uint16_t epmd_port, const dnsmasq* dns) {
  auto addr = host_of(n);
  if (s.plugin == "broadcast") {
    discovery::broadcast_options opts;
    opts.port = udp_port;
    opts.addr = "127.255.255.255";
    opts.if_addr = addr;
    opts.secret = "bench";
    if (s.interval_ms > 0)
      opts.interval = std::chrono::milliseconds{s.interval_ms};
    return std::make_unique<discovery::broadcast>(io, n.name(), opts);
  }
  if (s.plugin == "gossip") {
    // broadcast_only to the loopback broadcast address: multicast needs a
    // network namespace (the live test has one), broadcast does not.
    discovery::gossip_options opts;
    opts.port = udp_port;
    opts.broadcast_only = true;
    opts.multicast_addr = "127.255.255.255";
    if (s.interval_ms > 0)
      opts.interval = std::chrono::milliseconds{s.interval_ms};
    return std::make_unique<discovery::gossip>(io, n.name(), opts);
  }
  if (s.plugin == "local-epmd") {
    discovery::local_epmd_options opts;
    opts.epmd_port = epmd_port;
    if (s.interval_ms > 0)
      opts.interval = std::chrono::milliseconds{s.interval_ms};
    return std::make_unique<discovery::local_epmd>(io, n.name(), opts);
  }
  if (s.plugin == "dns") {
    discovery::dns_options opts;
    opts.queries = {dns_name};
    opts.basename = "n";
    opts.servers = dns->server();
    if (s.interval_ms > 0)
      opts.interval = std::chrono::milliseconds{s.interval_ms};
    auto p = discovery::dns_poll::make(io, opts);
    if (!p)
      throw std::runtime_error("dns plugin: " + p.error());
    return std::move(*p);
  }
  throw std::runtime_error("unknown plugin " + s.plugin);
}

/// What one run measured, in milliseconds; -1: not within --timeout.
struct outcome {
  /// To a full mesh (with --late: until every node is connected to the late
  /// one).
  int64_t converged_ms = -1;
  /// --late: until every earlier node's keeper wants the late one.
  int64_t found_ms = -1;
};

/// N nodes on one io_context (two threads), stopped when it goes.
class cluster {
public:
  explicit cluster(const settings& s) : s_(s) {
    if (s.plugin == "dns")
      dns_.emplace();
    for (int i = 0; i < 2; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }

  ~cluster() {
    for (auto& k : keepers_)
      k->stop();
    for (auto& n : nodes_)
      n->stop();
    work_.reset();
    io_.stop();
    for (auto& t : threads_)
      t.join();
  }

  /// Starts node `i` (listening; for dns, without a record yet).
  void start_node(int i) {
    node::config cfg;
    cfg.long_names = true;
    cfg.cookie = "bench";
    // global's connect_all would close the mesh by itself: measure the
    // plugins alone.
    cfg.run_global = false;
    if (s_.plugin == "local-epmd") {
      // One host: every node on 127.0.0.1, one embedded EPMD (the first's).
      cfg.name = "n" + std::to_string(i) + "@127.0.0.1";
      cfg.listen_address = "127.0.0.1";
      cfg.epmd_port = epmd_port_;
      cfg.epmd_listen_addresses = {"127.0.0.1"};
    } else {
      auto addr = "127.0.0." + std::to_string(i + 2);
      cfg.name = "n@" + addr;
      cfg.listen_address = addr;
      cfg.erl_epmd_port = dist_port_;
      cfg.embedded_epmd = false;
    }
    auto n = services::start_node(io_, cfg);
    if (!n)
      throw std::runtime_error("node " + cfg.name + ": " + n.error());
    nodes_.push_back(*n);
  }

  /// Lists node `i` in DNS (dns only) and starts its keeper.
  void start_keeper(int i) {
    auto& n = nodes_.at(i);
    if (dns_)
      dns_->add(host_of(*n));
    std::vector<std::unique_ptr<discovery::plugin>> ps;
    ps.push_back(
      make_plugin(s_, io_, *n, udp_port_, epmd_port_, dns_ ? &*dns_ : nullptr));
    keepers_.push_back(discovery::keeper::start(io_, n, std::move(ps)));
  }

  size_t size() const {
    return nodes_.size();
  }

  /// Whether every node is connected to every other one.
  bool full() const {
    for (auto& n : nodes_)
      if (n->nodes(true).size() < nodes_.size() - 1)
        return false;
    return true;
  }

  /// Whether every node but the last has its keeper wanting the last.
  bool last_found() const {
    auto last = nodes_.back()->name();
    for (size_t i = 0; i + 1 < keepers_.size(); ++i) {
      auto wanted = keepers_[i]->wanted();
      if (std::find(wanted.begin(), wanted.end(), last) == wanted.end())
        return false;
    }
    return true;
  }

private:
  const settings& s_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_
    = boost::asio::make_work_guard(io_);
  std::vector<std::thread> threads_;
  uint16_t dist_port_ = free_port();
  uint16_t udp_port_ = free_port();
  uint16_t epmd_port_ = free_port();
  std::optional<dnsmasq> dns_;
  std::vector<std::shared_ptr<node::node>> nodes_;
  std::vector<std::shared_ptr<discovery::keeper>> keepers_;
};

/// Polls `pred` every 5 ms until it holds (milliseconds since `t0`) or the
/// deadline passes (-1).
template <class Pred>
int64_t wait_for(Pred pred, clock_type::time_point t0,
                 clock_type::time_point deadline) {
  while (clock_type::now() < deadline && interrupted == 0) {
    if (pred())
      return ms_since(t0);
    std::this_thread::sleep_for(5ms);
  }
  return -1;
}

outcome run_once(const settings& s) {
  cluster c{s};
  auto first = s.late ? s.nodes - 1 : s.nodes;
  for (int i = 0; i < first; ++i)
    c.start_node(i);
  // The keepers start last, together, as nodes of a deployment would.
  auto started = clock_type::now();
  for (int i = 0; i < first; ++i)
    c.start_keeper(i);
  auto timeout = std::chrono::milliseconds{s.timeout_ms};
  outcome result;
  result.converged_ms = wait_for([&] { return c.full(); }, started,
                                 started + timeout);
  if (!s.late || result.converged_ms < 0)
    return result;
  // The mesh of the first N-1 stands: one more node joins.
  c.start_node(first);
  auto joined = clock_type::now();
  c.start_keeper(first);
  auto deadline = joined + timeout;
  result = {};
  // Both conditions watched in one loop: neither waits for the other.
  while (clock_type::now() < deadline && interrupted == 0
         && (result.converged_ms < 0 || result.found_ms < 0)) {
    if (result.converged_ms < 0 && c.full())
      result.converged_ms = ms_since(joined);
    if (result.found_ms < 0 && c.last_found())
      result.found_ms = ms_since(joined);
    std::this_thread::sleep_for(5ms);
  }
  return result;
}

std::string ms_text(int64_t ms) {
  return ms < 0 ? std::string{"timeout"} : std::to_string(ms);
}

int64_t median(std::vector<int64_t> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  // Only what goes wrong: every connect is an info line, and simultaneous
  // connects (expected when all dial at once) are warnings.
  cafe::logger().set_level(spdlog::level::err);
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    std::string value = argv[i + 1];
    if (key == "--plugin")
      s.plugin = value;
    else if (key == "--nodes")
      s.nodes = std::stoi(value);
    else if (key == "--interval")
      s.interval_ms = std::stoll(value);
    else if (key == "--runs")
      s.runs = std::stoi(value);
    else if (key == "--timeout")
      s.timeout_ms = std::stoll(value);
    else if (key == "--late")
      s.late = value != "0";
    else {
      std::cerr << "unknown option " << key << '\n';
      return 2;
    }
  }
  if (s.nodes < 2 || s.nodes > 200 || s.runs < 1) {
    std::cerr << "--nodes 2..200 and --runs >= 1\n";
    return 2;
  }
  auto head = [&] {
    return "plugin=" + s.plugin + " nodes=" + std::to_string(s.nodes)
           + " interval_ms=" + std::to_string(s.interval_ms)
           + (s.late ? " late=1" : "");
  };
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  std::vector<int64_t> converged;
  std::vector<int64_t> found;
  try {
    for (int r = 0; r < s.runs; ++r) {
      auto o = run_once(s);
      if (interrupted != 0) {
        std::cerr << "interrupted\n";
        return 130;
      }
      std::cout << head() << " converged_ms=" << ms_text(o.converged_ms);
      if (s.late)
        std::cout << " found_ms=" << ms_text(o.found_ms);
      std::cout << std::endl;
      converged.push_back(o.converged_ms < 0 ? s.timeout_ms : o.converged_ms);
      found.push_back(o.found_ms < 0 ? s.timeout_ms : o.found_ms);
    }
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  std::cout << "median " << head() << " converged_ms=" << median(converged);
  if (s.late)
    std::cout << " found_ms=" << median(found);
  std::cout << std::endl;
}
