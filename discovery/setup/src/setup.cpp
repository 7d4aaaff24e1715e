#include "cafe/discovery/setup.hpp"

#include "cafe/discovery/broadcast.hpp"
#include "cafe/discovery/dns_setup.hpp"
#include "cafe/discovery/epmd_hosts.hpp"
#include "cafe/discovery/gossip_setup.hpp"
#include "cafe/discovery/local_epmd.hpp"

#include <algorithm>
#include <boost/program_options/value_semantic.hpp>
#include <cstdlib>
#include <sstream>

namespace cafe::discovery {

namespace po = boost::program_options;

namespace {

/// `a,b , c` -> {a, b, c}.
std::vector<std::string> split_list(const std::vector<std::string>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs) {
    std::stringstream in{x};
    std::string item;
    while (std::getline(in, item, ',')) {
      auto first = item.find_first_not_of(" \t");
      auto last = item.find_last_not_of(" \t");
      if (first != std::string::npos)
        result.push_back(item.substr(first, last - first + 1));
    }
  }
  return result;
}

template <class T>
T get_or(const po::variables_map& vm, const char* key, T fallback) {
  return vm.count(key) ? vm[key].as<T>() : fallback;
}

uint16_t epmd_port_of_environment() {
  // The EPMD this node registered with, as erl finds it.
  if (auto env = std::getenv("ERL_EPMD_PORT"))
    return static_cast<uint16_t>(std::atoi(env));
  return 4369;
}

} // namespace

po::options_description program_options() {
  po::options_description result{"discovery (libcluster-style, repeatable)"};
  result.add_options()(
    "discovery", po::value<std::vector<std::string>>()->value_name("KIND"),
    "find nodes and keep a full mesh with them: epmd, local-epmd, "
    "broadcast, dns, gossip (repeatable)")(
    "discovery.grace", po::value<int64_t>()->value_name("MS"),
    "how long a node no plugin finds any more stays connected (10000)")(
    "epmd.hosts", po::value<std::vector<std::string>>()->value_name("NODES"),
    "epmd: nodes to connect, comma-separated (libcluster Epmd's hosts)")(
    "local-epmd.interval", po::value<int64_t>()->value_name("MS"),
    "local-epmd: how often the local EPMD is asked (5000)")(
    "local-epmd.port", po::value<uint16_t>()->value_name("PORT"),
    "local-epmd: the local EPMD's port (ERL_EPMD_PORT, else 4369)")(
    "broadcast.port", po::value<uint16_t>()->value_name("PORT"),
    "broadcast: the UDP port announcements use (45893)")(
    "broadcast.addr", po::value<std::string>()->value_name("ADDR"),
    "broadcast: where announcements go, e.g. 10.10.10.255 "
    "(255.255.255.255)")(
    "broadcast.if-addr", po::value<std::string>()->value_name("ADDR"),
    "broadcast: the address announcements leave from (0.0.0.0)")(
    "broadcast.secret", po::value<std::string>()->value_name("SECRET"),
    "broadcast: the cluster's shared secret (required)")(
    "broadcast.interval", po::value<int64_t>()->value_name("MS"),
    "broadcast: time between announcements (2000)");
  result.add(dns_program_options());
  result.add(gossip_program_options());
  return result;
}

expected<std::vector<std::unique_ptr<plugin>>, std::string>
make_plugins(boost::asio::io_context& io, const node::node& self,
             const po::variables_map& vm) {
  std::vector<std::unique_ptr<plugin>> result;
  std::vector<std::string> kinds;
  if (vm.count("discovery"))
    kinds = split_list(vm["discovery"].as<std::vector<std::string>>());
  // As in a Phoenix 1.7 app, whose generated config turns DNSCluster on
  // when the variable is set.
  if (auto env = std::getenv("DNS_CLUSTER_QUERY");
      env && *env
      && std::find(kinds.begin(), kinds.end(), "dns") == kinds.end())
    kinds.emplace_back("dns");
  for (auto& kind : kinds) {
    if (kind == "epmd") {
      if (!vm.count("epmd.hosts"))
        return unexpected{std::string{"--discovery epmd needs --epmd.hosts"}};
      std::vector<etf::atom> hosts;
      for (auto& h :
           split_list(vm["epmd.hosts"].as<std::vector<std::string>>()))
        hosts.emplace_back(h);
      result.push_back(std::make_unique<epmd_hosts>(std::move(hosts)));
    } else if (kind == "local-epmd") {
      local_epmd_options opts;
      opts.epmd_port = get_or<uint16_t>(vm, "local-epmd.port",
                                        epmd_port_of_environment());
      opts.interval = std::chrono::milliseconds{
        get_or<int64_t>(vm, "local-epmd.interval", opts.interval.count())};
      result.push_back(std::make_unique<local_epmd>(io, self.name(), opts));
    } else if (kind == "broadcast") {
      broadcast_options opts;
      if (!vm.count("broadcast.secret"))
        return unexpected{std::string{
          "--discovery broadcast needs --broadcast.secret (the cluster's "
          "shared secret)"}};
      opts.secret = vm["broadcast.secret"].as<std::string>();
      opts.port = get_or<uint16_t>(vm, "broadcast.port", opts.port);
      opts.addr = get_or<std::string>(vm, "broadcast.addr", opts.addr);
      opts.if_addr = get_or<std::string>(vm, "broadcast.if-addr", opts.if_addr);
      opts.interval = std::chrono::milliseconds{
        get_or<int64_t>(vm, "broadcast.interval", opts.interval.count())};
      result.push_back(std::make_unique<broadcast>(io, self.name(), opts));
    } else if (kind == "dns") {
      auto made = make_dns_plugin(io, self.name(), vm);
      if (!made)
        return unexpected{made.error()};
      result.push_back(std::move(*made));
    } else if (kind == "gossip") {
      auto made = make_gossip_plugin(io, self.name(), vm);
      if (!made)
        return unexpected{made.error()};
      result.push_back(std::move(*made));
    } else {
      return unexpected{
        "unknown discovery kind '" + kind
        + "' (known: epmd, local-epmd, broadcast, dns, gossip)"};
    }
  }
  return result;
}

mesh_options mesh_settings(const po::variables_map& vm) {
  mesh_options result;
  result.grace = std::chrono::milliseconds{
    get_or<int64_t>(vm, "discovery.grace", result.grace.count())};
  return result;
}

expected<std::shared_ptr<keeper>, std::string>
start_keeper(boost::asio::io_context& io, std::shared_ptr<node::node> self,
             const po::variables_map& vm) {
  auto plugins = make_plugins(io, *self, vm);
  if (!plugins)
    return unexpected{plugins.error()};
  if (plugins->empty())
    return std::shared_ptr<keeper>{};
  return keeper::start(io, std::move(self), std::move(*plugins),
                       mesh_settings(vm));
}

} // namespace cafe::discovery
