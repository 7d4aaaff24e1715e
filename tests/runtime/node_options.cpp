#include "cafe/runtime/node_options.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace po = boost::program_options;

using cafe::runtime::errc;
using cafe::runtime::node_options;
using cafe::runtime::options_error;
using cafe::runtime::parse_node_options;

namespace {

class node_options_test : public testing::Test {
protected:
  void SetUp() override {
    if (auto env = std::getenv("ERL_EPMD_PORT"))
      saved_env_ = env;
    if (auto env = std::getenv("ERL_EPMD_ADDRESS"))
      saved_address_ = env;
    unsetenv("ERL_EPMD_PORT");
    unsetenv("ERL_EPMD_ADDRESS");
  }

  void TearDown() override {
    if (saved_env_)
      setenv("ERL_EPMD_PORT", saved_env_->c_str(), 1);
    else
      unsetenv("ERL_EPMD_PORT");
    if (saved_address_)
      setenv("ERL_EPMD_ADDRESS", saved_address_->c_str(), 1);
    else
      unsetenv("ERL_EPMD_ADDRESS");
    if (!ini_path_.empty())
      std::filesystem::remove(ini_path_);
  }

  static cafe::expected<node_options, options_error>
  parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"/usr/bin/prog"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_node_options(static_cast<int>(argv.size()), argv.data());
  }

  // The error message for `args`, which must fail to parse.
  static std::string failure(std::initializer_list<const char*> args) {
    auto res = parse(args);
    if (res)
      return "<parsed>";
    EXPECT_EQ(res.error().code, errc::invalid_option);
    EXPECT_EQ(res.error().message.find('\n'), std::string::npos);
    return res.error().message;
  }

  const std::string& write_ini(const std::string& content) {
    ini_path_
      = (std::filesystem::temp_directory_path()
         / ("cafe_runtime_options_" + std::to_string(getpid()) + "_"
            + testing::UnitTest::GetInstance()->current_test_info()->name()
            + ".ini"))
          .string();
    std::ofstream{ini_path_} << content;
    return ini_path_;
  }

  std::optional<std::string> saved_env_;
  std::optional<std::string> saved_address_;
  std::string ini_path_;
};

#define ASSERT_PARSED(var, ...)                        \
  auto var##_res = parse({__VA_ARGS__});               \
  ASSERT_TRUE(var##_res) << var##_res.error().message; \
  const auto& var = *var##_res

TEST_F(node_options_test, defaults) {
  ASSERT_PARSED(opts);
  EXPECT_EQ(opts.name, "");
  EXPECT_FALSE(opts.long_names);
  EXPECT_EQ(opts.cookie, "");
  EXPECT_EQ(opts.epmd_port, 4369);
  // Every interface, like erl (and epmd, for an embedded one).
  EXPECT_EQ(opts.listen_address, "0.0.0.0");
  EXPECT_EQ(opts.listen_port, 0);
  EXPECT_TRUE(opts.epmd_addresses.empty());
  EXPECT_EQ(opts.erl_epmd_port, 0);
  EXPECT_FALSE(opts.hidden);
  EXPECT_EQ(opts.ticktime.count(), 60);
  EXPECT_EQ(opts.log_level, spdlog::level::info);
  EXPECT_GE(opts.threads, 1u);
  EXPECT_EQ(opts.io_spin.count(), 50);
  EXPECT_EQ(opts.config_file, "");
}

TEST_F(node_options_test, long_and_short_names) {
  {
    ASSERT_PARSED(opts, "--name", "a@host.example.com");
    EXPECT_EQ(opts.name, "a@host.example.com");
    EXPECT_TRUE(opts.long_names);
  }
  {
    ASSERT_PARSED(opts, "--sname=b");
    EXPECT_EQ(opts.name, "b");
    EXPECT_FALSE(opts.long_names);
  }
}

TEST_F(node_options_test, erl_single_dash_spelling) {
  {
    ASSERT_PARSED(opts, "-sname", "b@vm", "-setcookie", "secret", "-hidden");
    EXPECT_EQ(opts.name, "b@vm");
    EXPECT_FALSE(opts.long_names);
    EXPECT_EQ(opts.cookie, "secret");
    EXPECT_TRUE(opts.hidden);
  }
  {
    ASSERT_PARSED(opts, "-name", "a@127.0.0.1", "-cookie", "c");
    EXPECT_EQ(opts.name, "a@127.0.0.1");
    EXPECT_TRUE(opts.long_names);
    EXPECT_EQ(opts.cookie, "c");
  }
}

TEST_F(node_options_test, all_values) {
  ASSERT_PARSED(opts, "--cookie", "monster", "--epmd-port", "4400", "--listen",
                "0.0.0.0:4370", "--hidden", "--ticktime", "15", "--log-level",
                "debug", "--threads", "3", "--io-spin", "0");
  EXPECT_EQ(opts.cookie, "monster");
  EXPECT_EQ(opts.epmd_port, 4400);
  EXPECT_EQ(opts.listen_address, "0.0.0.0");
  EXPECT_EQ(opts.listen_port, 4370);
  EXPECT_TRUE(opts.hidden);
  EXPECT_EQ(opts.ticktime.count(), 15);
  EXPECT_EQ(opts.log_level, spdlog::level::debug);
  EXPECT_EQ(opts.threads, 3u);
  EXPECT_EQ(opts.io_spin.count(), 0);
}

TEST_F(node_options_test, listen_forms) {
  struct sample {
    const char* arg;
    const char* address;
    uint16_t port;
  };
  for (auto [arg, address, port] :
       {sample{"127.0.0.11", "127.0.0.11", 0},
        sample{"127.0.0.1:0", "127.0.0.1", 0}, sample{"::1", "::1", 0},
        sample{"[::1]", "::1", 0}, sample{"[::]:65535", "::", 65535}}) {
    auto res = parse({"--listen", arg});
    ASSERT_TRUE(res) << arg << ": " << res.error().message;
    EXPECT_EQ(res->listen_address, address) << arg;
    EXPECT_EQ(res->listen_port, port) << arg;
  }
  for (auto arg : {"localhost", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x",
                   "[::1", "[::1]4370", "300.1.1.1", ""})
    EXPECT_NE(failure({"--listen", arg}).find("--listen"), std::string::npos)
      << arg;
}

TEST_F(node_options_test, log_levels) {
  using namespace spdlog::level;
  for (auto [arg, level] :
       {std::pair{"trace", trace}, std::pair{"warn", warn},
        std::pair{"warning", warn}, std::pair{"error", err},
        std::pair{"critical", critical}, std::pair{"off", off}}) {
    auto res = parse({"--log-level", arg});
    ASSERT_TRUE(res) << arg;
    EXPECT_EQ(res->log_level, level) << arg;
  }
}

TEST_F(node_options_test, epmd_port_from_environment) {
  setenv("ERL_EPMD_PORT", "4500", 1);
  {
    ASSERT_PARSED(opts);
    EXPECT_EQ(opts.epmd_port, 4500);
  }
  {
    ASSERT_PARSED(opts, "--epmd-port", "4600");
    EXPECT_EQ(opts.epmd_port, 4600);
  }
  setenv("ERL_EPMD_PORT", "", 1);
  {
    ASSERT_PARSED(opts);
    EXPECT_EQ(opts.epmd_port, 4369);
  }
  setenv("ERL_EPMD_PORT", "nope", 1);
  EXPECT_NE(failure({}).find("ERL_EPMD_PORT"), std::string::npos);
  // An explicit option makes a broken environment irrelevant.
  ASSERT_PARSED(opts, "--epmd-port", "4369");
  EXPECT_EQ(opts.epmd_port, 4369);
}

TEST_F(node_options_test, epmd_addresses_from_environment) {
  setenv("ERL_EPMD_ADDRESS", "127.0.0.1,127.0.0.11,,::1", 1);
  ASSERT_PARSED(opts);
  EXPECT_EQ(opts.epmd_addresses,
            (std::vector<std::string>{"127.0.0.1", "127.0.0.11", "::1"}));
}

TEST_F(node_options_test, erl_epmd_port) {
  ASSERT_PARSED(opts, "--erl-epmd-port", "4370");
  EXPECT_EQ(opts.erl_epmd_port, 4370);
  EXPECT_NE(failure({"--erl-epmd-port", "0"}).find("--erl-epmd-port"),
            std::string::npos);
}

TEST_F(node_options_test, bad_values) {
  EXPECT_NE(failure({"--epmd-port", "70000"}).find("--epmd-port"),
            std::string::npos);
  EXPECT_NE(failure({"--epmd-port", "0"}).find("--epmd-port"),
            std::string::npos);
  EXPECT_NE(failure({"--epmd-port", "-1"}).find("--epmd-port"),
            std::string::npos);
  EXPECT_NE(failure({"--ticktime", "0"}).find("--ticktime"), std::string::npos);
  EXPECT_NE(failure({"--ticktime", "ten"}).find("--ticktime"),
            std::string::npos);
  EXPECT_NE(failure({"--threads", "-2"}).find("--threads"), std::string::npos);
  EXPECT_NE(failure({"--io-spin", "-1"}).find("--io-spin"), std::string::npos);
  EXPECT_NE(failure({"--io-spin", "2000000"}).find("--io-spin"),
            std::string::npos);
  EXPECT_NE(failure({"--log-level", "verbose"}).find("--log-level"),
            std::string::npos);
  EXPECT_NE(failure({"--sname", "a b"}).find("--sname"), std::string::npos);
  EXPECT_NE(failure({"--name", "a@"}).find("--name"), std::string::npos);
  EXPECT_NE(failure({"--name", "@host"}).find("--name"), std::string::npos);
  EXPECT_NE(failure({"--epmd-port"}).find("--epmd-port"), std::string::npos);
  EXPECT_NE(failure({"--bogus"}).find("bogus"), std::string::npos);
  EXPECT_NE(failure({"stray"}).find("stray"), std::string::npos);
  EXPECT_NE(failure({"--sname", "a", "--sname", "b"}).find("--sname"),
            std::string::npos);
  EXPECT_NE(failure({"--name", "a@h.x", "--sname", "b"}).find("exclusive"),
            std::string::npos);
  EXPECT_NE(failure({"--cookie", "a", "-setcookie", "b"}).find("cookie"),
            std::string::npos);
  // No prefix guessing: `--na` is not `--name`.
  EXPECT_NE(failure({"--na", "x"}).find("na"), std::string::npos);
}

TEST_F(node_options_test, help) {
  for (auto arg : {"--help", "-h", "-help"}) {
    auto res = parse({"--sname", "x", arg});
    ASSERT_FALSE(res) << arg;
    EXPECT_EQ(res.error().code, errc::help_requested) << arg;
    auto& usage = res.error().message;
    EXPECT_EQ(usage.rfind("Usage: prog [options]", 0), 0u) << usage;
    for (auto opt : {"--name", "--sname", "--cookie", "--setcookie",
                     "--epmd-port", "--listen", "--hidden", "--ticktime",
                     "--log-level", "--threads", "--config"})
      EXPECT_NE(usage.find(opt), std::string::npos) << opt;
  }
}

TEST_F(node_options_test, config_file_with_command_line_precedence) {
  auto& path = write_ini("# shared settings\n"
                         "name = fromfile@host.example.com\n"
                         "cookie = filecookie\n"
                         "epmd-port = 4401\n"
                         "listen = 127.0.0.2:4370\n"
                         "hidden = true\n"
                         "ticktime = 20\n"
                         "log-level = error\n"
                         "threads = 5\n");
  {
    ASSERT_PARSED(opts, "--config", path.c_str());
    EXPECT_EQ(opts.name, "fromfile@host.example.com");
    EXPECT_TRUE(opts.long_names);
    EXPECT_EQ(opts.cookie, "filecookie");
    EXPECT_EQ(opts.epmd_port, 4401);
    EXPECT_EQ(opts.listen_address, "127.0.0.2");
    EXPECT_EQ(opts.listen_port, 4370);
    EXPECT_TRUE(opts.hidden);
    EXPECT_EQ(opts.ticktime.count(), 20);
    EXPECT_EQ(opts.log_level, spdlog::level::err);
    EXPECT_EQ(opts.threads, 5u);
    EXPECT_EQ(opts.config_file, path);
  }
  {
    // The command line wins, also across spellings of the same setting.
    ASSERT_PARSED(opts, "--config", path.c_str(), "-sname", "cli", "-setcookie",
                  "clicookie", "--epmd-port", "4402", "--threads", "1");
    EXPECT_EQ(opts.name, "cli");
    EXPECT_FALSE(opts.long_names);
    EXPECT_EQ(opts.cookie, "clicookie");
    EXPECT_EQ(opts.epmd_port, 4402);
    EXPECT_EQ(opts.threads, 1u);
    EXPECT_EQ(opts.ticktime.count(), 20);
  }
}

TEST_F(node_options_test, config_file_beats_environment) {
  setenv("ERL_EPMD_PORT", "4500", 1);
  auto& path = write_ini("epmd-port = 4401\n");
  ASSERT_PARSED(opts, "--config", path.c_str());
  EXPECT_EQ(opts.epmd_port, 4401);
}

TEST_F(node_options_test, config_file_errors) {
  {
    auto res = parse({"--config", "/nonexistent/cafe.ini"});
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, errc::config_file_unreadable);
    EXPECT_NE(res.error().message.find("/nonexistent/cafe.ini"),
              std::string::npos);
  }
  auto& path = write_ini("unknown-key = 1\n");
  EXPECT_NE(failure({"--config", path.c_str()}).find("unknown-key"),
            std::string::npos);
  write_ini("epmd-port = 99999\n");
  EXPECT_NE(failure({"--config", path.c_str()}).find("epmd-port"),
            std::string::npos);
}

TEST_F(node_options_test, program_options_extend_the_shared_ones) {
  int rooms = 0;
  po::options_description extra{"Chat"};
  extra.add_options()("rooms", po::value<int>(&rooms)->default_value(1),
                      "number of rooms")("motd", po::value<std::string>(),
                                         "message of the day");
  auto& path = write_ini("rooms = 4\nmotd = from file\n");
  std::vector<const char*> argv{"chat",       "--sname", "chat", "--config",
                                path.c_str(), "--motd",  "hello"};
  po::variables_map values;
  auto res = parse_node_options(static_cast<int>(argv.size()), argv.data(),
                                extra, values);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->name, "chat");
  EXPECT_EQ(rooms, 4);
  EXPECT_EQ(values["motd"].as<std::string>(), "hello");
  std::vector<const char*> help{"chat", "--help"};
  auto usage = parse_node_options(2, help.data(), extra, values);
  ASSERT_FALSE(usage);
  EXPECT_NE(usage.error().message.find("--rooms"), std::string::npos);
}

} // namespace

namespace {

TEST(node_options_operands, words_that_are_no_option_are_operands) {
  po::options_description extra{"extra"};
  int timeout = 0;
  extra.add_options()("timeout", po::value(&timeout));
  po::variables_map values;
  std::vector<std::string> operands;
  std::vector<const char*> argv{
    "/usr/bin/prog", "--cookie", "c",       "call", "a@host",
    "--timeout",     "50",       "counter", "--",   "-1"};
  auto res = parse_node_options(static_cast<int>(argv.size()), argv.data(),
                                extra, values, operands);
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->cookie, "c");
  EXPECT_EQ(timeout, 50);
  // After `--` a word starting with a dash is an operand too.
  EXPECT_EQ(operands,
            (std::vector<std::string>{"call", "a@host", "counter", "-1"}));
}

TEST(node_options_operands, without_the_operand_form_they_are_errors) {
  std::vector<const char*> argv{"/usr/bin/prog", "stray"};
  auto res = parse_node_options(static_cast<int>(argv.size()), argv.data());
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::invalid_option);
}

} // namespace
