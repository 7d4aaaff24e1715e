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

using app = interop_fixture;

TEST_F(app, erl_pings_and_gets_echo_replies) {
  auto exe = binary_dir() / "apps" / "cafe-node";
  ASSERT_TRUE(std::filesystem::exists(exe)) << exe;
  spawn_options so;
  so.program = exe;
  auto name = node_name("cafe");
  // Long names on the loopback address, listener and embedded EPMD on
  // loopback only: nothing depends on how the host name resolves.
  so.args
    = {"--name",      std::string{name.text()},   "--cookie", cookie_,
       "--epmd-port", std::to_string(epmd_port_), "--listen", "127.0.0.1"};
  so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
  so.pipe_stdout = true;
  child_process node{so};
  // It prints one line to stdout once it is registered and listening.
  std::string out;
  auto deadline = clock::now() + 10s;
  while (out.find('\n') == std::string::npos) {
    uint8_t buf[512];
    auto n = node.read_some(buf, sizeof(buf), deadline);
    ASSERT_GT(n, 0u) << "cafe-node exited: " << out;
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  EXPECT_NE(out.find(std::string{name.text()}), std::string::npos) << out;
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
    3s, 50ms));
}

} // namespace
