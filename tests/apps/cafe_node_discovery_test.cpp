// cafe-node's discovery words as a user writes them: on the command line
// (`--discovery epmd --epmd.hosts ...`), in the config file (`discovery =
// local-epmd` and a `[local-epmd]` section), and a kind it does not know
// (exit 2 with the reason). Real erl nodes on the test's private EPMD see
// cafe-node connect to them without anyone calling connect.

#include "cafe/test/process.hpp"
#include "interop_fixture.hpp"

#include <fstream>
#include <stdexcept>
#include <sys/wait.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

const etf::atom cafe_node_name{"cafe@127.0.0.1"};

class cafe_node_discovery : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    // Runs the EPMD everyone registers with.
    epmd_holder = start_cafe([](node::config& cfg) {
      cfg.name = std::string{node_name("holder").text()};
    });
  }

  spawn_options cafe_node(std::vector<std::string> args) {
    spawn_options so;
    so.program = binary_dir() / "apps" / "cafe-node";
    so.args = {"--name",      std::string{cafe_node_name.text()},
               "--cookie",    cookie_,
               "--epmd-port", std::to_string(epmd_port_),
               "--listen",    "127.0.0.1"};
    so.args.insert(so.args.end(), args.begin(), args.end());
    so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
    so.pipe_stdout = true;
    so.merge_stderr = true;
    return so;
  }

  std::unique_ptr<child_process>
  start_cafe_node(std::vector<std::string> args) {
    auto child = std::make_unique<child_process>(cafe_node(std::move(args)));
    auto up = "cafe node " + std::string{cafe_node_name.text()} + " up";
    auto out = read_until(*child, up, 15s);
    if (out.find(up) == std::string::npos)
      throw std::runtime_error("cafe-node did not come up: " + out);
    return child;
  }

  /// Whether erl sees cafe-node among its nodes, within a generous bound.
  static bool joined(erl_node& erl) {
    return eventually(
      [&] {
        return erl.eval("lists:member(" + quoted(cafe_node_name) + ", nodes())")
               == etf::term{true};
      },
      15s, 100ms);
  }

  std::shared_ptr<node::node> epmd_holder;
};

} // namespace

TEST_F(cafe_node_discovery, command_line_words_connect_the_listed_nodes) {
  auto a = start_erl("a");
  auto b = start_erl("b");
  auto node = start_cafe_node(
    {"--discovery", "epmd", "--epmd.hosts",
     std::string{a->name().text()} + "," + std::string{b->name().text()}});
  EXPECT_TRUE(joined(*a));
  EXPECT_TRUE(joined(*b));
}

TEST_F(cafe_node_discovery, config_file_sections_name_plugin_options) {
  auto dir = std::make_unique<temp_dir>();
  auto ini = dir->path() / "cafe.ini";
  std::ofstream{ini} << "discovery = local-epmd\n"
                     << "[local-epmd]\n"
                     << "interval = 200\n"
                     << "port = " << epmd_port_ << "\n";
  auto node = start_cafe_node({"--config", ini.string()});
  // A node that registers with the EPMD after cafe-node started is found
  // at the next poll.
  auto late = start_erl("late");
  EXPECT_TRUE(joined(*late));
}

TEST_F(cafe_node_discovery, an_unknown_kind_is_refused_with_the_reason) {
  auto so = cafe_node({"--discovery", "carrier-pigeon"});
  auto res = run(so, 15s);
  ASSERT_FALSE(res.timed_out) << res.output;
  ASSERT_TRUE(WIFEXITED(res.status)) << res.describe();
  EXPECT_EQ(WEXITSTATUS(res.status), 2) << res.output;
  EXPECT_NE(res.output.find("unknown discovery kind 'carrier-pigeon'"),
            std::string::npos)
    << res.output;
}
