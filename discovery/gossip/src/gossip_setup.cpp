#include "cafe/discovery/gossip_setup.hpp"

#include <arpa/inet.h>
#include <boost/program_options/value_semantic.hpp>
#include <cstdint>
#include <netinet/in.h>

namespace cafe::discovery {

namespace po = boost::program_options;

namespace {

/// The address in host byte order, if `text` is a dotted IPv4 address.
std::optional<uint32_t> parse_ipv4(const std::string& text) {
  in_addr addr{};
  if (::inet_pton(AF_INET, text.c_str(), &addr) != 1)
    return std::nullopt;
  return ntohl(addr.s_addr);
}

bool is_multicast(uint32_t addr) {
  return (addr >> 28) == 0xE; // 224.0.0.0/4
}

} // namespace

po::options_description gossip_program_options() {
  po::options_description result{"gossip (libcluster Cluster.Strategy.Gossip)"};
  result.add_options()(
    "gossip.port", po::value<uint16_t>()->value_name("PORT"),
    "gossip: UDP port to bind and send to (libcluster's port, 45892)")(
    "gossip.multicast-addr", po::value<std::string>()->value_name("ADDR"),
    "gossip: group heartbeats go to, or the broadcast address with "
    "broadcast-only (multicast_addr, 233.252.1.32; older libcluster: "
    "230.1.1.251)")("gossip.if-addr",
                    po::value<std::string>()->value_name("ADDR"),
                    "gossip: address to bind (if_addr, 0.0.0.0)")(
    "gossip.multicast-if", po::value<std::string>()->value_name("ADDR"),
    "gossip: interface address to send from and join the group on "
    "(multicast_if; default: by route)")(
    "gossip.ttl", po::value<int>()->value_name("N"),
    "gossip: multicast TTL (multicast_ttl, 1)")(
    "gossip.secret", po::value<std::string>()->value_name("TEXT"),
    "gossip: encrypt heartbeats with AES-256-CBC under SHA-256(TEXT) and "
    "drop plaintext ones (secret)")(
    "gossip.broadcast-only",
    po::value<bool>()->implicit_value(true)->value_name("BOOL"),
    "gossip: broadcast to multicast-addr (255.255.255.255 by default) "
    "without multicast (broadcast_only)")(
    "gossip.interval", po::value<int64_t>()->value_name("MS"),
    "gossip: fixed heartbeat interval (default: libcluster's random "
    "1..5000 ms)");
  return result;
}

expected<gossip_options, std::string>
gossip_settings(const po::variables_map& vm) {
  gossip_options result;
  if (vm.count("gossip.port")) {
    result.port = vm["gossip.port"].as<uint16_t>();
    if (result.port == 0)
      return unexpected{std::string{"--gossip.port must not be 0"}};
  }
  if (vm.count("gossip.broadcast-only"))
    result.broadcast_only = vm["gossip.broadcast-only"].as<bool>();
  if (vm.count("gossip.if-addr")) {
    result.if_addr = vm["gossip.if-addr"].as<std::string>();
    if (!parse_ipv4(result.if_addr))
      return unexpected{"--gossip.if-addr: not an IPv4 address: "
                        + result.if_addr};
  }
  if (vm.count("gossip.multicast-addr"))
    result.multicast_addr = vm["gossip.multicast-addr"].as<std::string>();
  auto dest = parse_ipv4(result.destination());
  if (!dest)
    return unexpected{"--gossip.multicast-addr: not an IPv4 address: "
                      + result.destination()};
  if (!result.broadcast_only && !is_multicast(*dest))
    return unexpected{"--gossip.multicast-addr: " + result.destination()
                      + " is no multicast address (224.0.0.0/4); use "
                        "--gossip.broadcast-only for a broadcast address"};
  if (vm.count("gossip.multicast-if")) {
    result.multicast_if = vm["gossip.multicast-if"].as<std::string>();
    if (!parse_ipv4(*result.multicast_if))
      return unexpected{"--gossip.multicast-if: not an IPv4 address: "
                        + *result.multicast_if};
  }
  if (vm.count("gossip.ttl")) {
    result.multicast_ttl = vm["gossip.ttl"].as<int>();
    if (result.multicast_ttl < 0 || result.multicast_ttl > 255)
      return unexpected{std::string{"--gossip.ttl must be 0..255"}};
  }
  if (vm.count("gossip.secret")) {
    result.secret = vm["gossip.secret"].as<std::string>();
    if (result.secret->empty())
      return unexpected{std::string{
        "--gossip.secret is empty (leave it out for plaintext heartbeats)"}};
  }
  if (vm.count("gossip.interval")) {
    auto ms = vm["gossip.interval"].as<int64_t>();
    if (ms <= 0)
      return unexpected{std::string{"--gossip.interval must be positive"}};
    result.interval = std::chrono::milliseconds{ms};
  }
  return result;
}

expected<std::unique_ptr<plugin>, std::string>
make_gossip_plugin(boost::asio::io_context& io, etf::atom self,
                   const po::variables_map& vm) {
  auto opts = gossip_settings(vm);
  if (!opts)
    return unexpected{opts.error()};
  return std::unique_ptr<plugin>{
    std::make_unique<gossip>(io, self, std::move(*opts))};
}

} // namespace cafe::discovery
