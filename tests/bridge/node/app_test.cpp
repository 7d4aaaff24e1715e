// apps/cafe-node as a program: started as a child process on a private
// EPMD port, a real erl pings it and talks to its example CAF actors.

#include "cafe/test/env.hpp"
#include "interop_fixture.hpp"

#include <csignal>
#include <sys/wait.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

class app : public interop_fixture {
protected:
  /// apps/cafe-node as `cafe@127.0.0.1` with its own embedded EPMD on the
  /// fixture's port: long names on the loopback address, listener and EPMD
  /// on loopback only, so nothing depends on how the host name resolves.
  /// The port was only free a moment ago: if another suite's EPMD holds it
  /// by now, the node starts again on a fresh port.
  std::unique_ptr<child_process> start_node_program() {
    auto exe = binary_dir() / "apps" / "cafe-node";
    if (!std::filesystem::exists(exe))
      throw std::runtime_error("no " + exe.string());
    for (int attempt = 0; attempt < 5; ++attempt) {
      spawn_options so;
      so.program = exe;
      so.args
        = {"--name",      std::string{name.text()},   "--cookie", cookie_,
           "--epmd-port", std::to_string(epmd_port_), "--listen", "127.0.0.1"};
      so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
      so.pipe_stdout = true;
      so.merge_stderr = true;
      auto node = std::make_unique<child_process>(so);
      // One line on stdout once it is registered and listening.
      auto up = "cafe node " + std::string{name.text()} + " up";
      std::string out;
      auto deadline = clock::now() + 10s;
      while (out.find(up) == std::string::npos) {
        uint8_t buf[512];
        auto n = node->read_some(buf, sizeof(buf), deadline);
        if (n == 0)
          throw std::runtime_error("cafe-node did not come up: " + out);
        out.append(reinterpret_cast<const char*>(buf), n);
      }
      if (out.find("started an embedded one on port "
                   + std::to_string(epmd_port_))
          != std::string::npos)
        return node;
      node->stop(0ms);
      epmd_port_ = free_port();
    }
    throw std::runtime_error("an EPMD of someone else held every port tried");
  }

  etf::atom name = node_name("cafe");
};

TEST_F(app, erl_pings_and_gets_echo_replies) {
  auto node_ptr = start_node_program();
  auto& node = *node_ptr;
  auto a = start_erl("a");
  EXPECT_EQ(a->eval("net_adm:ping(" + quoted(name) + ")"),
            etf::term{"pong"_atom});
  EXPECT_EQ(a->eval("lists:member(" + quoted(name) + ", nodes())"),
            etf::term{true});
  // 100 round trips, each answered by a pid of the cafe node, in order.
  auto res = a->eval("Echo = {echo, " + quoted(name)
                       + "},"
                         "lists:foldl(fun(I, ok) ->"
                         "    Echo ! {self(), {hello, I}},"
                         "    receive {P, {hello, I}} when node(P) =:= "
                       + quoted(name)
                       + " -> ok; Other -> {unexpected, Other}"
                         "    after 5000 -> {timeout, I} end;"
                         "  (_, Err) -> Err end, ok, lists:seq(1, 100))",
                     30s);
  EXPECT_EQ(res, etf::term{"ok"_atom});
  // The counter and the store are CAF actors answering gen_server:call.
  auto call = [&](std::string_view server, std::string_view request) {
    return a->eval("gen_server:call({" + std::string{server} + ", "
                   + quoted(name) + "}, " + std::string{request} + ", 5000)");
  };
  EXPECT_EQ(call("counter", "incr"), etf::term{1});
  EXPECT_EQ(call("counter", "{add, 41}"), etf::term{42});
  EXPECT_EQ(call("counter", "get"), etf::term{42});
  EXPECT_EQ(call("counter", "reset"), etf::term{"ok"_atom});
  EXPECT_EQ(call("counter", "get"), etf::term{0});
  EXPECT_EQ(call("kv", "{put, <<\"k\">>, #{a => [1, 2.5]}}"),
            etf::term{"ok"_atom});
  EXPECT_EQ(a->eval("gen_server:call({kv, " + quoted(name)
                    + "}, {get, <<\"k\">>}) =:= {ok, #{a => [1, 2.5]}}"),
            etf::term{true});
  EXPECT_EQ(call("kv", "{get, missing}"), etf::term{"not_found"_atom});
  EXPECT_EQ(call("kv", "keys"), etf::make_list(etf::binary{"k"}));
  // SIGTERM is a clean shutdown: exit status 0, and erl sees it go.
  ::kill(node.pid(), SIGTERM);
  ASSERT_TRUE(eventually([&] { return node.exited(); }, 5s));
  auto status = node.stop(0ms);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
    << describe_status(status);
  EXPECT_TRUE(eventually(
    [&] {
      return a->eval("lists:member(" + quoted(name) + ", nodes())")
             == etf::term{false};
    },
    5s, 50ms));
}

TEST_F(app, cafectl_pings_and_calls_cafe_node) {
  auto node = start_node_program();
  auto ctl = [&](std::vector<std::string> words) {
    spawn_options so;
    so.program = binary_dir() / "apps" / "cafectl";
    so.args = {"--name",   "cafectl@127.0.0.1", "--cookie",
               cookie_,    "--epmd-port",       std::to_string(epmd_port_),
               "--listen", "127.0.0.1",         "--timeout",
               "10000"};
    so.args.insert(so.args.end(), words.begin(), words.end());
    return run(so, 30s);
  };
  auto target = std::string{name.text()};
  // cafe <-> cafe: cafectl dials (initiator), cafe-node accepts.
  auto r = ctl({"ping", target});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "pong\n");
  r = ctl({"call", target, "counter", "incr"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "1\n");
  r = ctl({"call", target, "counter", "{add, 41}"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "42\n");
  r = ctl({"call", target, "kv", "{put, <<\"k\">>, [1, 2.5]}"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "ok\n");
  r = ctl({"call", target, "kv", "{get, <<\"k\">>}"});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output, "{ok,[1,2.5]}\n");
  // A name cafe-node does not have: exit code 4, noproc.
  r = ctl({"call", target, "nobody", "x"});
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 4)
    << r.describe();
  EXPECT_NE(r.output.find("noproc"), std::string::npos) << r.output;
}

} // namespace
