// cafe-node as Erlang tools use a node: erl_call -a, rpc/erpc from erl
// (multicall across BEAM and cafe nodes, a slow call beside fast ones) and
// from Elixir (:rpc, :erpc, Node.spawn with M, F, A and with a fun). Every
// node has a long name on 127.0.0.1; the fixture's in-process cafe node
// runs the test's private EPMD, which cafe-node, erl, elixir and erl_call
// all use.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <sys/wait.h>

using namespace cafe;
using namespace cafe::test;

namespace {

class cafe_node_rpc : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    // Holds the EPMD everyone registers with.
    epmd_holder = start_cafe();
  }

  /// cafe-node as `alive@127.0.0.1`, returning once it is up.
  std::unique_ptr<child_process> start_cafe_node(const std::string& alive) {
    spawn_options so;
    so.program = binary_dir() / "apps" / "cafe-node";
    so.args = {"--name",   alive + "@127.0.0.1", "--cookie",
               cookie_,    "--epmd-port",        std::to_string(epmd_port_),
               "--listen", "127.0.0.1"};
    so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
    so.pipe_stdout = true;
    auto child = std::make_unique<child_process>(so);
    auto up = "cafe node " + alive + "@127.0.0.1 up";
    auto out = read_until(*child, up, 15s);
    if (out.find(up) == std::string::npos)
      ADD_FAILURE() << "cafe-node " << alive << " did not come up: " << out;
    return child;
  }

  /// erl_call against `node` with `args`.
  run_result erl_call(const std::string& node, std::vector<std::string> args) {
    spawn_options so;
    so.program = require_tool("erl_call");
    so.args = {"-name", node, "-c", cookie_, "-timeout", "20"};
    so.args.insert(so.args.end(), args.begin(), args.end());
    so.env = {{"ERL_EPMD_PORT", std::to_string(epmd_port_)}};
    return run(so, 30s);
  }

  /// `elixir -e script` as `name@127.0.0.1` on the test's EPMD.
  run_result elixir(const std::string& name, const std::string& script) {
    spawn_options so;
    so.program = require_tool("elixir");
    so.args = {"--name",
               name + "@127.0.0.1",
               "--cookie",
               cookie_,
               "--erl",
               "-start_epmd false -kernel inet_dist_use_interface "
               "{127,0,0,1}",
               "-e",
               script};
    so.env = {{"ERL_EPMD_PORT", std::to_string(epmd_port_)},
              {"ERL_CRASH_DUMP_SECONDS", "0"}};
    return run(so, 60s);
  }

  std::shared_ptr<node::node> epmd_holder;
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

TEST_F(cafe_node_rpc, erl_call_applies_functions_and_halts_the_node) {
  auto x = start_cafe_node("x");
  auto res = erl_call("x@127.0.0.1", {"-a", "erlang node"});
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_EQ(trimmed(res.output), "'x@127.0.0.1'");
  res = erl_call("x@127.0.0.1", {"-a", "cafe_demo add [40, 2]"});
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_EQ(trimmed(res.output), "42");
  // erl_call prints terms its own way (ei_print_term).
  res = erl_call("x@127.0.0.1", {"-a", "cafe_demo nope [a]"});
  EXPECT_EQ(trimmed(res.output),
            "{badrpc, {'EXIT', {undef, [{cafe_demo, nope, [a], []}]}}}")
    << res.describe();
  // `erlang halt` ends the node cleanly (exit status 0); erl_call sees it
  // go away without an answer, as with a BEAM node.
  erl_call("x@127.0.0.1", {"-a", "erlang halt"});
  ASSERT_TRUE(eventually([&] { return x->exited(); }, 15s));
  EXPECT_EQ(x->stop(0ms), 0);
}

TEST_F(cafe_node_rpc, multicall_spans_beam_and_cafe_nodes) {
  auto x = start_cafe_node("x");
  auto y = start_cafe_node("y");
  auto a = start_erl("a");
  auto b = start_erl("b");
  EXPECT_EQ(etf::to_string(a->eval(
              "rpc:multicall(['a@127.0.0.1', 'b@127.0.0.1', 'x@127.0.0.1', "
              "'y@127.0.0.1'], erlang, node, [])")),
            "{['a@127.0.0.1','b@127.0.0.1','x@127.0.0.1','y@127.0.0.1'],[]}");
  // The same function on all four: cafe's export and the BEAM's undef.
  EXPECT_EQ(etf::to_string(a->eval(
              "[element(1, R) || R <- erpc:multicall(['a@127.0.0.1', "
              "'x@127.0.0.1', 'b@127.0.0.1', 'y@127.0.0.1'], cafe_demo, add, "
              "[1, 2])]")),
            "[error,ok,error,ok]");
  EXPECT_EQ(etf::to_string(a->eval(
              "erpc:multicall(['x@127.0.0.1', 'y@127.0.0.1'], cafe_demo, "
              "add, [1, 2])")),
            "[{ok,3},{ok,3}]");
}

TEST_F(cafe_node_rpc, a_slow_call_leaves_other_calls_flowing) {
  auto x = start_cafe_node("x");
  auto a = start_erl("a");
  // cafe_demo:slow(2000) runs beside 200 quick calls on the same
  // connection; they all finish first, and slow takes its 2 s.
  auto res = a->eval(
    "Me = self(), N = 'x@127.0.0.1', T0 = erlang:monotonic_time(millisecond), "
    "spawn(fun() -> ok = erpc:call(N, cafe_demo, slow, [2000]), "
    "Me ! {slow, erlang:monotonic_time(millisecond) - T0} end), "
    "Sum = lists:sum([erpc:call(N, cafe_demo, add, [I, 0]) || I <- "
    "lists:seq(1, 200)]), Quick = erlang:monotonic_time(millisecond) - T0, "
    "receive {slow, Slow} -> {Sum, Quick < Slow, Slow} after 15000 -> "
    "timeout end",
    20s);
  int64_t sum = 0, slow = 0;
  bool quick_first = false;
  ASSERT_TRUE(etf::match(res, &sum, &quick_first, &slow))
    << etf::to_string(res);
  EXPECT_EQ(sum, 20100);
  EXPECT_TRUE(quick_first) << etf::to_string(res);
  EXPECT_GE(slow, 2000);
  EXPECT_LT(slow, 12000);
}

TEST_F(cafe_node_rpc, elixir_calls_and_spawns_like_on_another_elixir_node) {
  auto x = start_cafe_node("x");
  auto res = elixir("ex", R"(
    node = :"x@127.0.0.1"
    IO.puts("rpc: #{:rpc.call(node, :cafe_demo, :add, [40, 2])}")
    IO.puts("erpc: #{inspect(:erpc.call(node, :cafe_demo, :echo, [%{a: [1, "b"]}]))}")
    IO.puts("badrpc: #{inspect(:rpc.call(node, :cafe_demo, :fail, [:boom]))}")
    IO.puts("error: #{inspect(try do :erpc.call(node, :cafe_demo, :fail, [:boom]) catch :error, e -> e end)}")
    pid = Node.spawn(node, :cafe_demo, :worker, [:bob])
    IO.puts("spawned on: #{node(pid)}")
    send(pid, {self(), :ping})
    receive do
      {^pid, :pong} -> IO.puts("worker: pong")
    after 5000 -> IO.puts("worker: silent")
    end
    ref = Process.monitor(pid)
    send(pid, :stop)
    receive do
      {:DOWN, ^ref, :process, ^pid, why} -> IO.puts("worker down: #{inspect(why)}")
    after 5000 -> IO.puts("worker: no down")
    end
    {fpid, fref} = Node.spawn_monitor(node, fn -> :ok end)
    receive do
      {:DOWN, ^fref, :process, ^fpid, {:undef, [{f, [], []}]}} when is_function(f) ->
        IO.puts("fun: undef")
      {:DOWN, ^fref, :process, ^fpid, other} -> IO.puts("fun: #{inspect(other)}")
    after 5000 -> IO.puts("fun: no down")
    end
  )");
  ASSERT_TRUE(res.ok()) << res.describe();
  for (auto line :
       {"rpc: 42", "erpc: %{a: [1, \"b\"]}",
        "badrpc: {:badrpc, {:EXIT, {:boom, [{:cafe_demo, :fail, 1, []}]}}}",
        "error: {:exception, :boom, [{:cafe_demo, :fail, 1, []}]}",
        "spawned on: x@127.0.0.1", "worker: pong", "worker down: :normal",
        "fun: undef"})
    EXPECT_NE(res.output.find(line), std::string::npos)
      << "missing [" << line << "] in:\n"
      << res.output;
}

} // namespace
