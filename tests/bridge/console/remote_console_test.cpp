// The remote console against real peers: `erl -remsh` and `iex --remsh`
// driven through a pseudo-terminal (pty_dialog.py), tab completion from the
// export table under both, and `erl_call -e`. The
// cafe node runs in the test process with the rpc server and the console
// on top; every node has a long name on 127.0.0.1 and a private EPMD port.
// erl, iex, erl_call and python3 must be installed: fails, never skips.

#include "cafe/actor/bridge.hpp"
#include "cafe/console/console.hpp"
#include "cafe/rpc/builtins.hpp"
#include "cafe/rpc/server.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <regex>
#include <sys/wait.h>
#include <thread>

using namespace cafe;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

/// One step of a terminal dialog.
struct step {
  std::string send;
  std::string expect;
  bool expect_eof = false;
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (auto c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/// The pieces of a regex that match `text` literally.
std::string literally(std::string_view text) {
  static const std::string special = "\\^$.|?*+()[]{}";
  std::string out;
  for (auto c : text) {
    if (special.find(c) != std::string::npos)
      out += '\\';
    out += c;
  }
  return out;
}

class remote_console : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    node_ = start_cafe();
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    bridge_ = std::make_shared<actor::bridge>(*sys_, node_);
    table_ = std::make_shared<rpc::exports>();
    rpc::add_builtins(*table_, node_, [this](int) { ++halts_; });
    table_->add("cafe_demo", "add", [](int64_t a, int64_t b) { return a + b; });
    table_->add("cafe_demo", "echo", [](etf::term x) { return x; });
    server_ = std::make_unique<rpc::server>(*sys_, bridge_, table_);
    console_ = console::add_console(*table_, node_);
  }

  void TearDown() override {
    console_.reset();
    server_.reset();
    // The table's functions may hold the bridge: both go before the system.
    table_.reset();
    bridge_.reset();
    sys_.reset();
  }

  std::vector<std::pair<std::string, std::string>> erl_env() const {
    return {{"ERL_EPMD_PORT", std::to_string(epmd_port_)},
            {"ERL_EPMD_ADDRESS", "127.0.0.1"},
            {"ERL_CRASH_DUMP_SECONDS", "0"}};
  }

  /// Runs `argv` on a terminal through `steps`; the transcript, or a failed
  /// test naming the step that did not happen.
  std::string dialog(const std::vector<std::string>& argv,
                     const std::vector<step>& steps) {
    auto python = require_tool("python3");
    std::string json = "[";
    for (auto& s : steps) {
      if (json.size() > 1)
        json += ",";
      json += "{\"send\":" + json_string(s.send);
      if (!s.expect.empty())
        json += ",\"expect\":" + json_string(s.expect);
      if (s.expect_eof)
        json += ",\"expect_eof\":true";
      json += "}";
    }
    json += "]";
    spawn_options so;
    so.program = python;
    so.args = {(source_dir() / "tests/bridge/console/pty_dialog.py").string(),
               json, "--"};
    so.args.insert(so.args.end(), argv.begin(), argv.end());
    so.env = erl_env();
    // A terminal tty_sl can drive (with "dumb", erl falls back to a
    // shell without -remsh), and plain enough to match text in.
    so.env.emplace_back("TERM", "vt100");
    // pty_dialog bounds each step by 20 s and kills what it started.
    auto res = run(so, 20s * static_cast<int>(steps.size() + 2));
    EXPECT_TRUE(res.ok()) << res.describe();
    // The transcript, for the test log.
    std::cout << res.output << std::flush;
    return res.output;
  }

  std::vector<std::string> erl_remsh(std::string_view alive) const {
    return {require_tool("erl").string(),
            "-name",
            std::string{alive} + "@127.0.0.1",
            "-setcookie",
            cookie_,
            "-start_epmd",
            "false",
            "-kernel",
            "inet_dist_use_interface",
            "{127,0,0,1}",
            "-remsh",
            std::string{node_->name().text()}};
  }

  std::string prompt(int n, std::string_view prefix = "") const {
    return literally(std::string{prefix} + "("
                     + std::string{node_->name().text()} + ")"
                     + std::to_string(n) + "> ");
  }

  caf::actor_system_config cfg_;
  std::shared_ptr<node::node> node_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<actor::bridge> bridge_;
  std::shared_ptr<rpc::exports> table_;
  std::unique_ptr<rpc::server> server_;
  std::unique_ptr<console::console> console_;
  std::atomic<int> halts_{0};
};

} // namespace

TEST_F(remote_console, erl_remsh_evaluates_binds_completes_and_quits) {
  auto out = dialog(
    erl_remsh("me"),
    {
      {"", "cafe console on " + literally(std::string{node_->name().text()})},
      {"", prompt(1)},
      {"cafe_demo:add(40, 2).\n", "\r?\n42\r?\n" + prompt(2)},
      {"cafe_demo:nope().\n",
       literally("** exception error: undefined function cafe_demo:nope/0")
         + "\r?\n" + prompt(3)},
      {"X = cafe_demo:add(1, 2).\n", "\r?\n3\r?\n" + prompt(4)},
      {"X = 4.\n",
       literally("** exception error: no match of right hand side value 4")},
      {"{X, node()}.\n",
       literally("{3,'" + std::string{node_->name().text()} + "'}") + "|"
         + literally("{3," + std::string{node_->name().text()} + "}")},
      {"foo(.\n", literally("* 1:5: syntax error before: '.'")},
      // Tab completion from the export table: module, then function.
      {"cafe_de\t", "cafe_demo:"},
      {"ad\t", "add\\("},
      {"1, 1).\n", "\r?\n2\r?\n"},
      {"q().\n", "Shell process terminated!"},
      // Back on the local erl: Ctrl-G, then q, leaves it.
      {"\x07", "-->"},
      {"q\n", "", true},
    });
  EXPECT_NE(out.find("DIALOG OK"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return console_->sessions() == 0; }, 10s))
    << console_->sessions() << " sessions left";
  // q() leaves the node running.
  EXPECT_EQ(halts_, 0);
}

TEST_F(remote_console, leaving_erl_with_ctrl_g_ends_the_session_only) {
  auto out = dialog(erl_remsh("me"), {
                                       {"", prompt(1)},
                                       {"Y = 7.\n", "\r?\n7\r?\n" + prompt(2)},
                                       {"\x07", "-->"},
                                       {"q\n", "", true},
                                     });
  EXPECT_NE(out.find("DIALOG OK"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return console_->sessions() == 0; }, 10s))
    << console_->sessions() << " sessions left";
  EXPECT_EQ(halts_, 0);
  // The node still serves a new console.
  auto again = dialog(erl_remsh("me2"),
                      {
                        {"", prompt(1)},
                        {"cafe_demo:add(1, 1).\n", "\r?\n2\r?\n" + prompt(2)},
                        {"\x07", "-->"},
                        {"q\n", "", true},
                      });
  EXPECT_NE(again.find("DIALOG OK"), std::string::npos) << again;
}

TEST_F(remote_console, iex_remsh_opens_an_iex_prompt) {
  auto iex = require_tool("iex");
  auto out = dialog(
    {iex.string(), "--name", "me@127.0.0.1", "--cookie", cookie_, "--erl",
     "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}", "--remsh",
     std::string{node_->name().text()}},
    {
      {"", prompt(1, "iex")},
      {"cafe_demo:add(40, 2).\n", "\r?\n42\r?\n" + prompt(2, "iex")},
      {"cafe_demo:nope().\n",
       literally("** exception error: undefined function cafe_demo:nope/0")},
      {"Z = 1, {Z, Z}.\n", literally("{1,1}")},
      {"q().\n", "Shell process terminated!"},
      {"\x07", "-->"},
      {"q\n", "", true},
    });
  EXPECT_NE(out.find("DIALOG OK"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return console_->sessions() == 0; }, 10s))
    << console_->sessions() << " sessions left";
  EXPECT_EQ(halts_, 0);
}

TEST_F(remote_console, iex_remsh_completes_from_the_export_table) {
  // IEx.CLI leaves the group's expansion local: without the session's
  // expand fun, `cafe_de` would find nothing on the iex node and beep.
  auto iex = require_tool("iex");
  auto out = dialog(
    {iex.string(), "--name", "me@127.0.0.1", "--cookie", cookie_, "--erl",
     "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}", "--remsh",
     std::string{node_->name().text()}},
    {
      {"", prompt(1, "iex")},
      // The Erlang syntax the console evaluates: module, the module's
      // functions as IEx lists them, a function.
      {"cafe_de\t", "cafe_demo:"},
      {"\t", "add/2 +echo/1"},
      {"a\t", "add\\("},
      {"40, 2).\n", "\r?\n42\r?\n" + prompt(2, "iex")},
      // IEx's own spelling of an Erlang module: `:mod`, then `.`, then its
      // functions (the console does not evaluate it: a syntax error).
      {":cafe_d\t", ":cafe_demo"},
      {"\t", literally(".")},
      {"\t", "add/2 +echo/1"},
      {"\n", "syntax error[^\r\n]*\r?\n" + prompt(2, "iex")},
      {"q().\n", "Shell process terminated!"},
      {"\x07", "-->"},
      {"q\n", "", true},
    });
  EXPECT_NE(out.find("DIALOG OK"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return console_->sessions() == 0; }, 10s))
    << console_->sessions() << " sessions left";
  EXPECT_EQ(halts_, 0);
}

TEST_F(remote_console, erl_call_e_evaluates_stdin) {
  auto erl_call = require_tool("erl_call");
  auto call = [&](std::string_view text) {
    // erl_call reads the expression from stdin: through a shell pipe.
    spawn_options so;
    so.program = require_tool("sh");
    so.args = {"-c",
               "printf '%s\\n' \"$1\" | \"$0\" -name \"$2\" -c \"$3\" -e",
               erl_call.string(),
               std::string{text},
               std::string{node_->name().text()},
               cookie_};
    so.env = erl_env();
    auto res = run(so, 20s);
    EXPECT_TRUE(res.ok()) << text << ": " << res.describe();
    return res.output;
  };
  // As ei_print_term writes the answer.
  EXPECT_EQ(call("cafe_demo:add(40, 2)."), "{ok, 42}");
  EXPECT_EQ(call("X = cafe_demo:add(1, 2), {X, X}."), "{ok, {3, 3}}");
  EXPECT_EQ(call("cafe_demo:nope()."),
            "{error, \"*** eval: {'EXIT',{undef,[{cafe_demo,nope,[],[]}]}}\"}");
  EXPECT_EQ(call("foo(."), "{error, \"*** syntax error before: '.'\"}");
}
