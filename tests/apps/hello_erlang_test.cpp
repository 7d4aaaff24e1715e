// apps/examples/hello_erlang, the program the README points CAF developers
// to, against a real Elixir node both ways: Elixir sends to the C++ actor
// and gets its reply; the C++ actor sends to an Elixir process first.

#include "cafe/test/env.hpp"
#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

#include <csignal>
#include <cstring>
#include <sys/wait.h>

using namespace cafe::test;

namespace {

/// The example and the Elixir nodes run with long names on the loopback
/// address, listeners and EPMD on loopback only: nothing depends on how the
/// host name resolves.
class hello_erlang : public ::testing::Test {
protected:
  hello_erlang() : epmd_port(free_port()) {}

  /// `--name alive@127.0.0.1 --listen 127.0.0.1` and the rest of the
  /// example's flags, its embedded EPMD on loopback.
  spawn_options example(const std::string& alive,
                        std::vector<std::string> extra = {}) {
    spawn_options so;
    so.program = binary_dir() / "apps" / "examples" / "hello_erlang"
                 / "hello_erlang";
    so.args = {"--name",   alive + "@" + host, "--cookie",
               "secret",   "--epmd-port",      std::to_string(epmd_port),
               "--listen", "127.0.0.1"};
    so.args.insert(so.args.end(), extra.begin(), extra.end());
    so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
    return so;
  }

  /// The example as a child process, running the test's own embedded EPMD;
  /// returns once it is registered. The EPMD port was only free a moment
  /// ago: if another suite's EPMD holds it by now, the example would use
  /// that one, so it starts again on a fresh port.
  std::unique_ptr<child_process>
  start_example(std::vector<std::string> extra = {}) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto so = example("hello", extra);
      so.pipe_stdout = true;
      so.merge_stderr = true;
      auto child = std::make_unique<child_process>(so);
      auto up = "hello_erlang up as hello@" + host;
      auto out = read_until(*child, up, 10s);
      if (out.find(up) == std::string::npos) {
        ADD_FAILURE() << "the example did not come up: " << out;
        return child;
      }
      auto own_epmd = "started an embedded one on port "
                      + std::to_string(epmd_port);
      if (out.find(own_epmd) != std::string::npos)
        return child;
      child->stop(0ms);
      epmd_port = free_port();
    }
    ADD_FAILURE() << "an EPMD of someone else held every port tried";
    return nullptr;
  }

  /// `elixir -e script` as `name@127.0.0.1` on the test's EPMD port.
  spawn_options elixir(const std::string& name, const std::string& script) {
    spawn_options so;
    so.program = require_tool("elixir");
    so.args = {"--name",
               name + "@" + host,
               "--cookie",
               "secret",
               "--erl",
               "-start_epmd false -kernel inet_dist_use_interface "
               "{127,0,0,1}",
               "-e",
               script};
    so.env = {{"ERL_EPMD_PORT", std::to_string(epmd_port)},
              {"ERL_CRASH_DUMP_SECONDS", "0"}};
    so.pipe_stdout = true;
    so.merge_stderr = true;
    return so;
  }

  const std::string host{node_host};
  uint16_t epmd_port;
};

TEST_F(hello_erlang, elixir_sends_and_gets_the_reply) {
  auto example = start_example();
  auto res = run(elixir("ex", R"(
    node = :"hello@)" + host + R"("
    IO.puts("connect: #{Node.connect(node)}")
    IO.puts("listed: #{node in Node.list()}")
    ref = Process.monitor({:greeter, node})
    send({:greeter, node}, {:greet, "Ada", self()})
    receive do
      {:hello, text} -> IO.puts("reply: " <> text)
    after 5000 -> IO.puts("no reply")
    end
    receive do
      {:DOWN, ^ref, _, _, reason} -> IO.puts("down: #{inspect(reason)}")
    after 200 -> IO.puts("still up")
    end
  )"),
                 60s);
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_NE(res.output.find("connect: true"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("listed: true"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("reply: hello, Ada"), std::string::npos)
    << res.output;
  EXPECT_NE(res.output.find("still up"), std::string::npos) << res.output;
}

TEST_F(hello_erlang, the_cpp_actor_greets_an_elixir_process_first) {
  // Elixir needs an EPMD to register with: the example's embedded one runs
  // only while the example does, so a first example instance provides it.
  auto epmd_holder = start_example();
  child_process ex{elixir("ex2", R"(
    Process.register(self(), :shell)
    IO.puts("ready")
    receive do
      {:hello, text, greeter} ->
        IO.puts("got: " <> text <> " from #{node(greeter)}")
        send(greeter, {:greet, "back", self()})
        receive do
          {:hello, reply} -> IO.puts("reply: " <> reply)
        after 5000 -> IO.puts("no reply")
        end
    after 10000 -> IO.puts("no greeting")
    end
  )")};
  auto out = read_until(ex, "ready", 30s);
  ASSERT_NE(out.find("ready"), std::string::npos) << out;
  child_process greeter{example("hello2", {"--greet", "shell@ex2@" + host})};
  std::string rest;
  ex.read_to_end(rest, clock::now() + 20s);
  out += rest;
  EXPECT_NE(out.find("got: from C++ from hello2@" + host), std::string::npos)
    << out;
  EXPECT_NE(out.find("reply: hello, back"), std::string::npos) << out;
  EXPECT_EQ(ex.stop(5s), 0) << out;
}

TEST_F(hello_erlang, stops_cleanly_on_sigint_and_sigterm) {
  for (int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(strsignal(sig));
    auto example = start_example();
    ASSERT_TRUE(example);
    ::kill(example->pid(), sig);
    ASSERT_TRUE(eventually([&] { return example->exited(); }, 10s))
      << "still running after the signal";
    auto status = example->stop(0ms);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << describe_status(status);
  }
}

} // namespace
