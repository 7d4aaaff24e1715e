// The configuration words: which plugins `--discovery` and its options
// make, the errors that name a wrong or missing word, and Phoenix's
// DNS_CLUSTER_QUERY turning dns discovery on by itself.

#include "cafe/discovery/setup.hpp"
#include "interop_fixture.hpp"

#include <boost/program_options/parsers.hpp>
#include <cstdlib>

using namespace cafe;
using namespace cafe::test;
namespace po = boost::program_options;

namespace {

class discovery_setup : public interop_fixture {
protected:
  void SetUp() override {
    // No erl here.
    self = start_cafe();
    ::unsetenv("DNS_CLUSTER_QUERY");
  }

  void TearDown() override {
    ::unsetenv("DNS_CLUSTER_QUERY");
  }

  /// The names of the plugins `args` make, or the error.
  expected<std::vector<std::string>, std::string>
  plugins(std::vector<std::string> args) {
    std::vector<const char*> argv{"cafe-node"};
    for (auto& a : args)
      argv.push_back(a.c_str());
    po::variables_map vm;
    po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(),
                                     discovery::program_options()),
              vm);
    po::notify(vm);
    auto made = discovery::make_plugins(io(), *self, vm);
    if (!made)
      return unexpected{made.error()};
    std::vector<std::string> names;
    for (auto& p : *made)
      names.emplace_back(p->name());
    return names;
  }

  std::shared_ptr<node::node> self;
};

using names = std::vector<std::string>;

} // namespace

TEST_F(discovery_setup, each_kind_makes_its_plugin) {
  EXPECT_EQ(plugins({}).value(), names{});
  EXPECT_EQ(plugins({"--discovery", "epmd", "--epmd.hosts", "a@h,b@h"}).value(),
            names{"epmd"});
  EXPECT_EQ(plugins({"--discovery", "local-epmd", "--discovery", "gossip",
                     "--discovery", "broadcast", "--broadcast.secret", "s",
                     "--discovery", "dns", "--dns.query", "chat.test"})
              .value(),
            (names{"local-epmd", "gossip", "broadcast", "dns"}));
  // Comma-separated as well.
  EXPECT_EQ(plugins({"--discovery", "local-epmd,gossip"}).value(),
            (names{"local-epmd", "gossip"}));
}

TEST_F(discovery_setup, missing_or_wrong_words_are_named) {
  auto err = [&](std::vector<std::string> args) {
    auto res = plugins(std::move(args));
    EXPECT_FALSE(res);
    return res ? std::string{} : res.error();
  };
  EXPECT_EQ(err({"--discovery", "epmd"}),
            "--discovery epmd needs --epmd.hosts");
  EXPECT_NE(err({"--discovery", "broadcast"}).find("--broadcast.secret"),
            std::string::npos);
  EXPECT_NE(err({"--discovery", "dns"}).find("--dns.query"), std::string::npos);
  EXPECT_EQ(err({"--discovery", "carrier-pigeon"}),
            "unknown discovery kind 'carrier-pigeon' (known: epmd, local-epmd, "
            "broadcast, dns, gossip)");
}

TEST_F(discovery_setup, dns_cluster_query_turns_dns_on_as_in_phoenix) {
  ::setenv("DNS_CLUSTER_QUERY", "chat.test", 1);
  EXPECT_EQ(plugins({}).value(), names{"dns"});
  // Named as well: one dns plugin, not two.
  EXPECT_EQ(plugins({"--discovery", "dns"}).value(), names{"dns"});
  ::setenv("DNS_CLUSTER_QUERY", "", 1);
  EXPECT_EQ(plugins({}).value(), names{});
}
