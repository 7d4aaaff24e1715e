// apps/cafectl as a program: each test runs it as a child process against a
// real erl node and checks what a script sees, its stdout and exit status.
// The fixture's cafe node holds the private EPMD port that erl, and so
// cafectl, registers with; cafectl itself must never start one. Every node
// has a long name on 127.0.0.1 and listens there only, so nothing depends
// on how the host name resolves; cafectl's default name (cafectl_<os pid>
// on the host name) is left to the short-name suite.

#include "cafe/etf/match.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <sys/wait.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

/// What one cafectl run showed.
struct ctl_result {
  /// The node name cafectl was given (`--name`).
  etf::atom name;
  int status = 0;
  /// stdout, or stdout and stderr interleaved (`with_stderr`).
  std::string out;
  std::chrono::milliseconds elapsed{0};

  /// The exit status, or -1 when it did not exit normally.
  int code() const {
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string describe() const {
    return describe_status(status) + " after " + std::to_string(elapsed.count())
           + " ms, output: [" + out + "]";
  }
};

std::filesystem::path cafectl_path() {
  return binary_dir() / "apps" / "cafectl";
}

/// `--name <alive>@127.0.0.1 --listen 127.0.0.1`: cafectl's own node
/// with a long name and its listener on loopback.
std::vector<std::string> node_flags(etf::atom name) {
  return {"--name", std::string{name.text()}, "--listen", "127.0.0.1"};
}

/// cafectl with `args`, and $ERL_EPMD_ADDRESS on loopback (cafectl never
/// starts an EPMD, but if it did, it would listen there only).
spawn_options cafectl_options(std::vector<std::string> args) {
  spawn_options so;
  so.program = cafectl_path();
  so.args = std::move(args);
  so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
  return so;
}

/// Runs cafectl with `args`; its stderr goes to the test log unless
/// `with_stderr`. Killed by PID after `limit`.
ctl_result run_cafectl(const std::vector<std::string>& args,
                       bool with_stderr = false,
                       std::chrono::milliseconds limit = 15s) {
  auto so = cafectl_options(args);
  so.pipe_stdout = true;
  so.merge_stderr = with_stderr;
  ctl_result result;
  auto start = clock::now();
  child_process child{so};
  child.read_to_end(result.out, start + limit);
  // End of output comes just before the exit.
  eventually([&] { return child.exited(); },
             std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                        start + limit - clock::now()),
                      0ms),
             5ms);
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
    clock::now() - start);
  result.status = child.stop(0ms);
  return result;
}

/// The parsed form of `text`, which must parse.
etf::term term_of(std::string_view text) {
  auto x = etf::parse(text);
  if (!x)
    throw std::runtime_error("test term does not parse: " + std::string{text});
  return *x;
}

std::vector<etf::atom> sorted_atoms(const etf::term& x) {
  std::vector<etf::atom> result;
  if (!etf::get_as(x, result))
    throw std::runtime_error("not a list of atoms: " + etf::to_string(x));
  std::sort(result.begin(), result.end(),
            [](etf::atom a, etf::atom b) { return a.text() < b.text(); });
  return result;
}

/// A cafe node (holding the EPMD) and the erl node `a`, which can start
/// cafectl_server gen_servers.
class cafectl_app : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    ASSERT_TRUE(std::filesystem::exists(cafectl_path())) << cafectl_path();
    if (!server_dir)
      server_dir = compile_erl("tests/apps/cafectl_server.erl");
    cafe_ = start_cafe();
    erl_ = start_erl("a", [](erl_options& opts) {
      opts.extra_args = {"-pa", server_dir->path().string()};
    });
    target_ = std::string{erl_->name().text()};
  }

  /// A node name for the next cafectl run, fresh each time so that runs
  /// never collide in EPMD: `cafectl_<n>@127.0.0.1`.
  etf::atom next_name() {
    return node_name("cafectl_" + std::to_string(++runs_));
  }

  /// `next_name()` and cafectl's node flags, then `args` (options first).
  ctl_result run_named(std::vector<std::string> args, bool with_stderr = false,
                       std::chrono::milliseconds limit = 15s) {
    auto name = next_name();
    auto all = node_flags(name);
    all.insert(all.end(), args.begin(), args.end());
    auto result = run_cafectl(all, with_stderr, limit);
    result.name = name;
    return result;
  }

  /// cafectl with the fixture's cookie and EPMD port, then `args`.
  ctl_result cafectl(std::vector<std::string> args, bool with_stderr = false,
                     std::chrono::milliseconds limit = 15s) {
    std::vector<std::string> all{"--cookie", cookie_, "--epmd-port",
                                 std::to_string(epmd_port_)};
    all.insert(all.end(), args.begin(), args.end());
    return run_named(all, with_stderr, limit);
  }

  int runs_ = 0;

  static inline std::unique_ptr<temp_dir> server_dir;
  std::shared_ptr<node::node> cafe_;
  std::unique_ptr<erl_node> erl_;
  std::string target_;
};

// -- ping
// ----------------------------------------------------------------------

TEST_F(cafectl_app, ping_live_node_prints_pong) {
  auto r = cafectl({"ping", target_});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out, "pong\n");
  // Without a host part, NODE is on cafectl's own host (here 127.0.0.1 of
  // its long name: completing the name resolves nothing).
  r = cafectl({"ping", "a"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out, "pong\n");
}

TEST_F(cafectl_app, is_a_hidden_node) {
  erl_->eval("cafectl_server:start(mute)");
  // A call that never returns keeps cafectl connected while erl looks.
  auto name = next_name();
  auto args = node_flags(name);
  args.insert(args.end(),
              {"--cookie", cookie_, "--epmd-port", std::to_string(epmd_port_),
               "call", target_, "mute", "silent"});
  child_process ctl{cafectl_options(args)};
  auto own = quoted(name);
  EXPECT_TRUE(eventually(
    [&] {
      return erl_->eval("lists:member(" + own + ", nodes(hidden))")
             == etf::term{true};
    },
    5s, 50ms));
  EXPECT_EQ(erl_->eval("lists:member(" + own + ", nodes())"), etf::term{false});
  ctl.stop(0ms);
}

TEST_F(cafectl_app, ping_unknown_node_prints_pang_quickly) {
  auto r = cafectl(
    {"--timeout", "30000", "ping", std::string{node_name("nobody").text()}});
  EXPECT_EQ(r.code(), 1) << r.describe();
  EXPECT_EQ(r.out, "pang\n");
  // EPMD says no at once: long before the timeout.
  EXPECT_LT(r.elapsed, 10s) << r.describe();
}

TEST_F(cafectl_app, every_command_exits_1_for_an_unknown_node) {
  auto nobody = std::string{node_name("nobody").text()};
  for (auto args : std::vector<std::vector<std::string>>{
         {"send", nobody, "sink", "hello"},
         {"call", nobody, "kv", "get"},
         {"rpc", nobody, "erlang", "node", "[]"},
         {"nodes", nobody}}) {
    SCOPED_TRACE(args.front());
    args.insert(args.begin(), {"--timeout", "30000"});
    auto r = cafectl(args, true);
    EXPECT_EQ(r.code(), 1) << r.describe();
    // Unreachable, not a timeout: long before it.
    EXPECT_LT(r.elapsed, 10s) << r.describe();
  }
}

TEST_F(cafectl_app, ping_with_wrong_cookie_prints_pang) {
  auto r = run_named({"--cookie", "wrong", "--epmd-port",
                      std::to_string(epmd_port_), "ping", target_});
  EXPECT_EQ(r.code(), 1) << r.describe();
  EXPECT_EQ(r.out, "pang\n");
}

TEST_F(cafectl_app, no_epmd_is_unreachable_and_none_is_started) {
  // No EPMD on this port: cafectl must not start one and must say pang.
  auto port = std::to_string(free_port());
  auto r = run_named(
    {"--cookie", cookie_, "--epmd-port", port, "ping", target_}, true);
  EXPECT_EQ(r.code(), 1) << r.describe();
  // pang on stdout, and on stderr why: no EPMD (an embedded one would have
  // let cafectl start, and then fail to find the target).
  EXPECT_NE(r.out.find("pang\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("epmd"), std::string::npos) << r.out;
  // $ERL_EPMD_PORT is the fallback for --epmd-port.
  auto args = node_flags(next_name());
  args.insert(args.end(), {"--cookie", cookie_, "ping", target_});
  auto so = cafectl_options(args);
  so.env.emplace_back("ERL_EPMD_PORT", std::to_string(epmd_port_));
  auto res = run(so, 15s);
  EXPECT_TRUE(res.ok()) << res.describe();
  EXPECT_EQ(res.output, "pong\n");
}

// -- send
// ----------------------------------------------------------------------

TEST_F(cafectl_app, send_delivers_the_exact_term) {
  erl_->eval("cafe_peer:start_collector(sink)");
  std::string text = "{hello, <<\"bin\", 0, 255>>, #{key => [1, 2.5, \"str\"], "
                     "<<\"k\">> => {}}, 123456789012345678901234567890, "
                     "-98765432109876543210, 'Quoted atom', [a | b]}";
  auto r = cafectl({"send", target_, "sink", text});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out, "");
  // erl parses the same text itself: the received term must be identical.
  auto got
    = erl_->eval("X = cafe_peer:take(sink, 5000), {X =:= " + text + ", X}");
  EXPECT_EQ(got, etf::make_tuple(true, term_of(text))) << etf::to_string(got);
}

// -- call
// ----------------------------------------------------------------------

TEST_F(cafectl_app, call_prints_the_reply) {
  erl_->eval("cafectl_server:start(kv)");
  std::string text = "{put, <<\"key\">>, #{n => 12345678901234567890}, "
                     "[1, 2.5, \"x\"], -7}";
  auto r = cafectl({"call", target_, "kv", text});
  ASSERT_EQ(r.code(), 0) << r.describe();
  // {reply, node(Caller), Request}: the caller was cafectl's own node.
  auto expected = etf::make_tuple("reply"_atom, r.name, term_of(text));
  EXPECT_EQ(r.out, etf::to_string(expected) + "\n");
  auto printed = etf::parse(r.out);
  ASSERT_TRUE(printed) << r.out;
  EXPECT_EQ(*printed, expected);
  // A TERM that starts with a dash comes after `--`.
  r = cafectl({"--timeout", "3000", "call", target_, "kv", "--", "-5"});
  ASSERT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out,
            etf::to_string(etf::make_tuple("reply"_atom, r.name, etf::term{-5}))
              + "\n");
}

TEST_F(cafectl_app, call_unregistered_name_exits_4) {
  auto r = cafectl(
    {"--timeout", "30000", "call", target_, "nobody_here", "hello"}, true);
  EXPECT_EQ(r.code(), 4) << r.describe();
  EXPECT_NE(r.out.find("noproc"), std::string::npos) << r.out;
  // The monitor's DOWN says so at once: long before the timeout.
  EXPECT_LT(r.elapsed, 10s) << r.describe();
}

TEST_F(cafectl_app, callee_dying_during_the_call_exits_4_with_reason) {
  erl_->eval("cafectl_server:start(doomed)");
  auto r = cafectl({"call", target_, "doomed", "{stop, boom_reason}"}, true);
  EXPECT_EQ(r.code(), 4) << r.describe();
  EXPECT_NE(r.out.find("boom_reason"), std::string::npos) << r.out;
  EXPECT_EQ(erl_->eval("whereis(doomed)"), etf::term{"undefined"_atom});
}

TEST_F(cafectl_app, call_without_reply_exits_3_after_timeout) {
  erl_->eval("cafectl_server:start(mute)");
  auto timeout = 1000ms;
  auto r = cafectl({"--timeout", std::to_string(timeout.count()), "call",
                    target_, "mute", "silent"},
                   true);
  EXPECT_EQ(r.code(), 3) << r.describe();
  // The timeout, plus start-up and connecting on a loaded machine.
  EXPECT_GE(r.elapsed, timeout) << r.describe();
  EXPECT_LT(r.elapsed, timeout + 10s) << r.describe();
  // Only the call timed out: the server is still there.
  EXPECT_TRUE(erl_->eval("is_pid(whereis(mute))") == etf::term{true});
}

TEST_F(cafectl_app, unparsable_term_exits_2) {
  erl_->eval("cafectl_server:start(kv)");
  for (auto verb : {"call", "send"}) {
    auto r = cafectl({verb, target_, "kv", "{unclosed, "}, true);
    EXPECT_EQ(r.code(), 2) << verb << ": " << r.describe();
    EXPECT_NE(r.out.find("TERM"), std::string::npos) << r.out;
  }
}

// -- rpc
// -----------------------------------------------------------------------

TEST_F(cafectl_app, rpc_prints_the_value_like_erl_call) {
  auto r = cafectl({"rpc", target_, "erlang", "node", "[]"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(r.out, etf::to_string(etf::term{erl_->name()}) + "\n");
  r = cafectl({"rpc", target_, "lists", "reverse", "[[1,2,3]]"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(term_of(r.out), term_of("[3,2,1]")) << r.out;
  // Any term comes back as erl made it: compare with erl's own answer.
  auto expr = "#{k => {<<\"v\">>, [a | b], 1.5}}";
  r = cafectl(
    {"rpc", target_, "lists", "last", std::string{"[["} + expr + "]]"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  EXPECT_EQ(term_of(r.out), erl_->eval(expr)) << r.out;
}

TEST_F(cafectl_app, rpc_exception_exits_4_with_the_reason) {
  // undef, as the BEAM reports it: the error and the call as its stack.
  auto r = cafectl({"rpc", target_, "no_such_module", "f", "[1]"}, true);
  EXPECT_EQ(r.code(), 4) << r.describe();
  EXPECT_NE(r.out.find("no_such_module:f/1 on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: undef in [{no_such_module,f,[1],[]}"),
            std::string::npos)
    << r.out;
  EXPECT_NE(r.out.find("{badrpc,{'EXIT',{undef,[{no_such_module,f,[1],[]}"),
            std::string::npos)
    << r.out;
  // Nothing on stdout for a failed call.
  r = cafectl({"rpc", target_, "erlang", "exit", "[{shutdown, bye}]"});
  EXPECT_EQ(r.code(), 4) << r.describe();
  EXPECT_EQ(r.out, "");
}

TEST_F(cafectl_app, rpc_timeout_exits_3) {
  auto r = cafectl(
    {"--timeout", "1000", "rpc", target_, "timer", "sleep", "[20000]"}, true);
  EXPECT_EQ(r.code(), 3) << r.describe();
  EXPECT_GE(r.elapsed, 1000ms) << r.describe();
  EXPECT_LT(r.elapsed, 11s) << r.describe();
}

TEST_F(cafectl_app, rpc_bad_operands_exit_2) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"rpc", target_, "erlang", "node"},
         {"rpc", target_, "erlang", "node", "[]", "extra"},
         {"rpc", target_, "{m}", "node", "[]"},
         {"rpc", target_, "erlang", "node", "not_a_list"},
         {"rpc", target_, "erlang", "node", "[1 | 2]"},
         {"rpc", target_, "erlang", "node", "[unclosed"}}) {
    auto r = cafectl(args, true);
    EXPECT_EQ(r.code(), 2) << args.back() << ": " << r.describe();
  }
}

// -- nodes
// ---------------------------------------------------------------------

TEST_F(cafectl_app, nodes_lists_what_erl_nodes_gives) {
  auto b = start_erl("b");
  auto cafe_name = quoted(cafe_->name());
  ASSERT_EQ(erl_->eval("net_adm:ping(" + cafe_name + ")"),
            etf::term{"pong"_atom});
  ASSERT_EQ(erl_->eval("net_adm:ping(" + quoted(b->name()) + ")"),
            etf::term{"pong"_atom});
  auto expected = sorted_atoms(erl_->eval("nodes()"));
  ASSERT_TRUE(contains(expected, cafe_->name()));
  ASSERT_TRUE(contains(expected, b->name()));
  auto r = cafectl({"nodes", target_});
  ASSERT_EQ(r.code(), 0) << r.describe();
  auto printed = etf::parse(r.out);
  ASSERT_TRUE(printed) << r.out;
  // Equal sets: cafectl, a hidden node, is not among them.
  EXPECT_EQ(sorted_atoms(*printed), expected) << r.out;
}

// -- usage (no node needed: these fail before cafectl starts one)
// ----------------------------------------------

TEST(cafectl_usage, bad_operands_exit_2) {
  ASSERT_TRUE(std::filesystem::exists(cafectl_path())) << cafectl_path();
  std::vector<std::vector<std::string>> cases = {
    {},
    {"frobnicate", "a@b"},
    {"ping"},
    {"ping", "a@b", "extra"},
    {"call", "a@b", "kv"},
    {"call", "a@b", "kv", "{a,", "b}"},
    {"send", "not a node", "kv", "x"},
    {"--timeout", "0", "ping", "a@b"},
    {"--timeout", "soon", "ping", "a@b"},
    {"--bogus", "ping", "a@b"},
  };
  for (auto& args : cases) {
    auto r = run_cafectl(args, true);
    std::string shown;
    for (auto& x : args)
      shown += " [" + x + "]";
    EXPECT_EQ(r.code(), 2) << shown << ": " << r.describe();
    EXPECT_NE(r.out.find("cafectl: "), std::string::npos) << shown << r.out;
    // Refused before any network I/O.
    EXPECT_LT(r.elapsed, 10s) << shown << ": " << r.describe();
  }
}

TEST(cafectl_usage, help_documents_commands_and_exit_codes) {
  auto r = run_cafectl({"--help"});
  EXPECT_EQ(r.code(), 0) << r.describe();
  for (auto text :
       {"ping NODE", "nodes NODE", "send NODE NAME TERM", "call NODE NAME TERM",
        "Exit status", "--timeout", "--cookie", "--epmd-port", "--sname"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
}

} // namespace
