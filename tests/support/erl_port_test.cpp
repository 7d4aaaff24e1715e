// support.erl_port: the test harness itself must fail loudly and in bounded
// time when the peer misbehaves, and must not leave processes behind.

#include "cafe/test/env.hpp"
#include "cafe/test/erl_port.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>

using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

// An echo server in the shape of etf_peer.erl's loop, inline.
const char* echo_eval
  = "P = open_port({fd, 0, 1}, [{packet, 4}, binary, eof]),"
    "L = fun Loop() -> receive"
    "  {P, {data, <<\"crash\">>}} -> halt(7);"
    "  {P, {data, <<\"mute\">>}} -> Loop();"
    "  {P, {data, D}} -> port_command(P, [<<\"echo:\">>, D]), Loop();"
    "  {P, eof} -> halt(0)"
    "end end,"
    "L().";

std::vector<uint8_t> bytes(std::string_view str) {
  return {str.begin(), str.end()};
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

} // namespace

TEST(erl_port, echoes_frames_of_any_size) {
  erl_port port{{"-eval", echo_eval}};
  EXPECT_EQ(port.call(bytes("hi")), bytes("echo:hi"));
  EXPECT_EQ(port.call({}), bytes("echo:"));
  std::vector<uint8_t> big(1 << 20, 0xab);
  auto reply = port.call(big);
  ASSERT_EQ(reply.size(), big.size() + 5);
  EXPECT_TRUE(std::equal(big.begin(), big.end(), reply.begin() + 5));
  EXPECT_EQ(port.stop(), 0) << describe_status(port.stop());
}

TEST(erl_port, a_silent_peer_times_out_and_is_killed) {
  erl_port port{{"-eval", echo_eval}};
  ASSERT_EQ(port.call(bytes("x")), bytes("echo:x"));
  auto pid = port.os_pid();
  auto start = clock::now();
  EXPECT_THROW(port.call(bytes("mute"), 300ms), std::runtime_error);
  EXPECT_LT(clock::now() - start, 5s);
  EXPECT_FALSE(alive(pid)) << "erl still running after the timeout";
}

TEST(erl_port, a_crashing_peer_reports_its_exit_status) {
  erl_port port{{"-eval", echo_eval}};
  try {
    port.call(bytes("crash"));
    ADD_FAILURE() << "call returned";
  } catch (const std::runtime_error& ex) {
    EXPECT_NE(std::string{ex.what()}.find("exit status 7"), std::string::npos)
      << ex.what();
  }
}

TEST(erl_port, a_module_that_does_not_compile_fails_fast) {
  temp_dir tmp;
  auto src = tmp.path() / "broken.erl";
  std::ofstream{src} << "-module(broken).\nmain() -> .\n";
  auto port = erl_port::start_module(src);
  auto start = clock::now();
  try {
    port->call(bytes("x"), 20s);
    ADD_FAILURE() << "call returned";
  } catch (const std::runtime_error& ex) {
    EXPECT_NE(std::string{ex.what()}.find("exit status 3"), std::string::npos)
      << ex.what();
  }
  EXPECT_LT(clock::now() - start, 15s);
}

TEST(erl_port, destructor_stops_the_node) {
  pid_t pid = 0;
  {
    erl_port port{{"-eval", echo_eval}};
    ASSERT_EQ(port.call(bytes("x")), bytes("echo:x"));
    pid = port.os_pid();
  }
  EXPECT_FALSE(alive(pid));
}

TEST(process, run_kills_a_program_past_its_timeout) {
  spawn_options opts;
  opts.program = require_tool("sleep");
  opts.args = {"30"};
  auto start = clock::now();
  auto res = run(opts, 200ms);
  EXPECT_TRUE(res.timed_out);
  EXPECT_FALSE(res.ok());
  EXPECT_LT(clock::now() - start, 5s);
}

TEST(process, run_collects_output_and_status) {
  spawn_options opts;
  opts.program = require_tool("sh");
  opts.args = {"-c", "echo out; echo err >&2; exit 3"};
  auto res = run(opts, 10s);
  EXPECT_FALSE(res.timed_out);
  EXPECT_EQ(describe_status(res.status), "exit status 3");
  EXPECT_NE(res.output.find("out"), std::string::npos);
  EXPECT_NE(res.output.find("err"), std::string::npos);
}

TEST(tools, require_tool_throws_for_a_missing_tool) {
  EXPECT_FALSE(find_tool("cafe-no-such-tool"));
  EXPECT_THROW(require_tool("cafe-no-such-tool"), std::runtime_error);
  EXPECT_TRUE(find_tool("sh"));
  // The message names the caller, not tools.hpp.
  try {
    require_tool("cafe-no-such-tool");
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string_view{e.what()}.find("erl_port_test.cpp:"),
              std::string_view::npos)
      << e.what();
  }
}
