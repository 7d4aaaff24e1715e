#include "cafe/discovery/dns_setup.hpp"

#include "cafe/discovery/dns_poll.hpp"

#include <algorithm>
#include <boost/program_options/value_semantic.hpp>
#include <cstdlib>

namespace cafe::discovery {

namespace po = boost::program_options;

namespace {

/// `a,b c` -> {a, b, c}: commas and blanks separate.
std::vector<std::string> split_words(const std::vector<std::string>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs) {
    std::string item;
    for (auto c : x + ",") {
      if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
        if (!item.empty())
          result.push_back(std::move(item));
        item.clear();
      } else {
        item += c;
      }
    }
  }
  return result;
}

} // namespace

po::options_description dns_program_options() {
  po::options_description result{"dns discovery (dns_cluster, libcluster "
                                 "DNSPoll / Kubernetes.DNS / DNSSRV)"};
  result.add_options()(
    "dns.query", po::value<std::vector<std::string>>()->value_name("NAME"),
    "dns: names to look up, repeatable (dns_cluster's query; env "
    "DNS_CLUSTER_QUERY)")(
    "dns.type", po::value<std::vector<std::string>>()->value_name("TYPE"),
    "dns: a, aaaa or srv, repeatable (dns_cluster's dns_rr_types; default "
    "a)")("dns.basename", po::value<std::string>()->value_name("NAME"),
          "dns: the name before @ of the nodes found (libcluster's "
          "node_basename / application_name; default: this node's)")(
    "dns.interval", po::value<int64_t>()->value_name("MS"),
    "dns: time between lookups (polling_interval; default 5000)")(
    "dns.server", po::value<std::string>()->value_name("HOST:PORT"),
    "dns: DNS servers to ask, comma-separated (default: resolv.conf's)");
  return result;
}

expected<std::unique_ptr<plugin>, std::string>
make_dns_plugin(boost::asio::io_context& io, etf::atom self,
                const po::variables_map& vm) {
  dns_options opts;
  if (vm.count("dns.query"))
    opts.queries = split_words(vm["dns.query"].as<std::vector<std::string>>());
  else if (auto env = std::getenv("DNS_CLUSTER_QUERY"))
    opts.queries = split_words({env});
  if (opts.queries.empty())
    return unexpected{
      std::string{"--discovery dns needs --dns.query (or DNS_CLUSTER_QUERY)"}};
  if (vm.count("dns.type")) {
    opts.types.clear();
    for (auto& word :
         split_words(vm["dns.type"].as<std::vector<std::string>>())) {
      auto type = parse_dns_type(word);
      if (!type)
        return unexpected{"--dns.type: '" + word + "' is not a, aaaa or srv"};
      if (std::find(opts.types.begin(), opts.types.end(), *type)
          == opts.types.end())
        opts.types.push_back(*type);
    }
  }
  if (vm.count("dns.basename")) {
    opts.basename = vm["dns.basename"].as<std::string>();
  } else {
    auto text = self.text();
    opts.basename = std::string{text.substr(0, text.find('@'))};
  }
  if (opts.basename.empty() || opts.basename.find('@') != std::string::npos)
    return unexpected{"--dns.basename: '" + opts.basename
                      + "' is no node base name"};
  if (vm.count("dns.interval")) {
    auto ms = vm["dns.interval"].as<int64_t>();
    if (ms <= 0)
      return unexpected{std::string{"--dns.interval must be positive"}};
    opts.interval = std::chrono::milliseconds{ms};
  }
  if (vm.count("dns.server"))
    opts.servers = vm["dns.server"].as<std::string>();
  auto result = dns_poll::make(io, std::move(opts));
  if (!result)
    return unexpected{result.error()};
  return std::unique_ptr<plugin>{std::move(*result)};
}

} // namespace cafe::discovery
