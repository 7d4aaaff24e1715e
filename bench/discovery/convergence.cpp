// How long N cafe nodes take to form a full mesh through one discovery
// plugin, measured from the moment the last node started. All nodes run in
// this process on loopback, each on its own 127.0.0.N without EPMD
// (erl_epmd_port), or with one EPMD for local-epmd. A run is bounded by
// --timeout; every node is stopped before the next.
//
//   bench_discovery_convergence --plugin broadcast|gossip|local-epmd
//     --nodes 16
//     [--interval MS (0: the plugin's default)] [--runs R] [--timeout MS]
//
// Prints one line a run: `plugin=broadcast nodes=16 interval_ms=100
// converged_ms=...` (or `converged_ms=timeout`), then the median.

#include "cafe/discovery/broadcast.hpp"
#include "cafe/discovery/gossip.hpp"
#include "cafe/discovery/keeper.hpp"
#include "cafe/discovery/local_epmd.hpp"
#include "cafe/log.hpp"
#include "cafe/services/start_node.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace cafe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::string plugin = "broadcast";
  int nodes = 4;
  /// The plugin's interval; 0: its default (libcluster's figures).
  int64_t interval_ms = 100;
  int runs = 3;
  int64_t timeout_ms = 30000;
};

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a{
    io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

std::unique_ptr<discovery::plugin>
make_plugin(const settings& s, boost::asio::io_context& io,
            const node::node& n, const std::string& addr, uint16_t udp_port,
            uint16_t epmd_port) {
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
  std::cerr << "unknown plugin " << s.plugin << '\n';
  std::exit(2);
}

/// One run: milliseconds from the last start to a full mesh, or -1.
int64_t run_once(const settings& s) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] { io.run(); });
  auto dist_port = free_port();
  auto udp_port = free_port();
  auto epmd_port = free_port();
  std::vector<std::shared_ptr<node::node>> nodes;
  std::vector<std::shared_ptr<discovery::keeper>> keepers;
  for (int i = 0; i < s.nodes; ++i) {
    node::config cfg;
    cfg.long_names = true;
    cfg.cookie = "bench";
    if (s.plugin == "local-epmd") {
      // One host: every node on 127.0.0.1, one embedded EPMD (the first's).
      cfg.name = "n" + std::to_string(i) + "@127.0.0.1";
      cfg.listen_address = "127.0.0.1";
      cfg.epmd_port = epmd_port;
      cfg.epmd_listen_addresses = {"127.0.0.1"};
    } else {
      auto addr = "127.0.0." + std::to_string(i + 2);
      cfg.name = "n@" + addr;
      cfg.listen_address = addr;
      cfg.erl_epmd_port = dist_port;
      cfg.embedded_epmd = false;
    }
    auto n = services::start_node(io, cfg);
    if (!n) {
      std::cerr << "node " << cfg.name << ": " << n.error() << '\n';
      std::exit(1);
    }
    nodes.push_back(*n);
  }
  // The keepers start last, together, as nodes of a deployment would.
  auto started = clock_type::now();
  for (auto& n : nodes) {
    auto addr = std::string{n->name().text()}.substr(
      std::string{n->name().text()}.find('@') + 1);
    std::vector<std::unique_ptr<discovery::plugin>> ps;
    ps.push_back(make_plugin(s, io, *n, addr, udp_port, epmd_port));
    keepers.push_back(discovery::keeper::start(io, n, std::move(ps)));
  }
  auto full = [&] {
    for (auto& n : nodes)
      if (n->nodes(true).size() < nodes.size() - 1)
        return false;
    return true;
  };
  int64_t result = -1;
  auto deadline = started + std::chrono::milliseconds{s.timeout_ms};
  while (clock_type::now() < deadline) {
    if (full()) {
      result = std::chrono::duration_cast<std::chrono::milliseconds>(
                 clock_type::now() - started)
                 .count();
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  for (auto& k : keepers)
    k->stop();
  for (auto& n : nodes)
    n->stop();
  work.reset();
  io.stop();
  for (auto& t : threads)
    t.join();
  return result;
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
    else {
      std::cerr << "unknown option " << key << '\n';
      return 2;
    }
  }
  std::vector<int64_t> times;
  for (int r = 0; r < s.runs; ++r) {
    auto ms = run_once(s);
    std::cout << "plugin=" << s.plugin << " nodes=" << s.nodes
              << " interval_ms=" << s.interval_ms << " converged_ms="
              << (ms < 0 ? std::string{"timeout"} : std::to_string(ms))
              << std::endl;
    times.push_back(ms < 0 ? s.timeout_ms : ms);
  }
  std::sort(times.begin(), times.end());
  std::cout << "median plugin=" << s.plugin << " nodes=" << s.nodes
            << " interval_ms=" << s.interval_ms
            << " converged_ms=" << times[times.size() / 2] << std::endl;
}
