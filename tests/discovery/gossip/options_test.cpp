// The gossip plugin's configuration words: libcluster Gossip's defaults
// when nothing is said, every `--gossip.*` key on the command line and in a
// config file's `[gossip]` section, and a message naming each wrong word.

#include "cafe/discovery/gossip_setup.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/variables_map.hpp>
#include <gtest/gtest.h>
#include <sstream>

using namespace cafe;
using namespace cafe::discovery;
using namespace std::chrono_literals;

namespace po = boost::program_options;

namespace {

po::variables_map parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"test"};
  for (auto& a : args)
    argv.push_back(a.c_str());
  po::variables_map vm;
  po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(),
                                   gossip_program_options()),
            vm);
  po::notify(vm);
  return vm;
}

std::string error_of(std::vector<std::string> args) {
  auto res = gossip_settings(parse(std::move(args)));
  return res ? std::string{"(no error)"} : res.error();
}

} // namespace

TEST(gossip_options, nothing_said_means_libcluster_defaults) {
  auto opts = gossip_settings(parse({}));
  ASSERT_TRUE(opts) << opts.error();
  EXPECT_EQ(opts->port, 45892);
  EXPECT_EQ(opts->destination(), "233.252.1.32");
  EXPECT_EQ(opts->if_addr, "0.0.0.0");
  EXPECT_FALSE(opts->multicast_if);
  EXPECT_EQ(opts->multicast_ttl, 1);
  EXPECT_FALSE(opts->broadcast_only);
  EXPECT_FALSE(opts->secret);
  EXPECT_FALSE(opts->interval); // libcluster's random 1..5000 ms
}

TEST(gossip_options, every_key_on_the_command_line) {
  auto opts = gossip_settings(
    parse({"--gossip.port", "45900", "--gossip.multicast-addr", "230.1.1.251",
           "--gossip.if-addr", "0.0.0.0", "--gossip.multicast-if", "127.0.0.2",
           "--gossip.ttl", "3", "--gossip.secret", "some password",
           "--gossip.interval", "250", "--gossip.broadcast-only=false"}));
  ASSERT_TRUE(opts) << opts.error();
  EXPECT_EQ(opts->port, 45900);
  EXPECT_EQ(opts->destination(), "230.1.1.251");
  EXPECT_EQ(opts->multicast_if, "127.0.0.2");
  EXPECT_EQ(opts->multicast_ttl, 3);
  EXPECT_EQ(opts->secret, "some password");
  EXPECT_EQ(opts->interval, 250ms);
  EXPECT_FALSE(opts->broadcast_only);
}

TEST(gossip_options, broadcast_only_defaults_to_the_limited_broadcast) {
  auto opts = gossip_settings(parse({"--gossip.broadcast-only"}));
  ASSERT_TRUE(opts) << opts.error();
  EXPECT_TRUE(opts->broadcast_only);
  EXPECT_EQ(opts->destination(), "255.255.255.255");
  // libcluster's documented way: multicast_addr names the broadcast
  // address.
  opts = gossip_settings(parse(
    {"--gossip.broadcast-only", "--gossip.multicast-addr", "127.10.10.255"}));
  ASSERT_TRUE(opts) << opts.error();
  EXPECT_EQ(opts->destination(), "127.10.10.255");
}

TEST(gossip_options, a_config_file_section) {
  std::istringstream file{"[gossip]\n"
                          "port = 45901\n"
                          "multicast-addr = 127.255.255.255\n"
                          "broadcast-only = true\n"
                          "secret = from the file\n"
                          "interval = 100\n"};
  po::variables_map vm;
  po::store(po::parse_config_file(file, gossip_program_options()), vm);
  po::notify(vm);
  auto opts = gossip_settings(vm);
  ASSERT_TRUE(opts) << opts.error();
  EXPECT_EQ(opts->port, 45901);
  EXPECT_TRUE(opts->broadcast_only);
  EXPECT_EQ(opts->destination(), "127.255.255.255");
  EXPECT_EQ(opts->secret, "from the file");
  EXPECT_EQ(opts->interval, 100ms);
}

TEST(gossip_options, wrong_words_are_named) {
  EXPECT_EQ(error_of({"--gossip.port", "0"}), "--gossip.port must not be 0");
  EXPECT_NE(
    error_of({"--gossip.if-addr", "localhost"}).find("--gossip.if-addr"),
    std::string::npos);
  EXPECT_NE(error_of({"--gossip.multicast-addr", "127.0.0.9"})
              .find("no multicast address"),
            std::string::npos);
  EXPECT_NE(error_of({"--gossip.multicast-addr", "233.252.1"})
              .find("--gossip.multicast-addr"),
            std::string::npos);
  EXPECT_NE(
    error_of({"--gossip.multicast-if", "lo"}).find("--gossip.multicast-if"),
    std::string::npos);
  EXPECT_EQ(error_of({"--gossip.ttl", "256"}), "--gossip.ttl must be 0..255");
  EXPECT_EQ(error_of({"--gossip.interval", "0"}),
            "--gossip.interval must be positive");
  EXPECT_NE(error_of({"--gossip.secret", ""}).find("--gossip.secret"),
            std::string::npos);
}

TEST(gossip_options, make_gossip_plugin_builds_the_plugin_or_says_why_not) {
  boost::asio::io_context io;
  auto self = etf::atom{"a@127.0.0.1"};
  auto ok = make_gossip_plugin(io, self, parse({"--gossip.interval", "100"}));
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ((*ok)->name(), "gossip");
  auto bad = make_gossip_plugin(io, self, parse({"--gossip.ttl", "-1"}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "--gossip.ttl must be 0..255");
}
