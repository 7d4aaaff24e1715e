#include "cafe/runtime/system.hpp"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <future>
#include <gtest/gtest.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

using namespace std::chrono_literals;
using cafe::runtime::node_options;

// `system` alone would name ::system from <cstdlib>.
using runtime_system = cafe::runtime::system;

namespace {

// -- in-process
// ----------------------------------------------------------------

node_options small_options() {
  node_options opts;
  opts.threads = 2;
  opts.log_level = spdlog::level::warn;
  return opts;
}

TEST(runtime_system, threads_option_sets_scheduler_workers) {
  auto opts = small_options();
  opts.threads = 3;
  runtime_system sys{opts};
  EXPECT_EQ(sys.actors().scheduler().num_workers(), 3u);
}

TEST(runtime_system, run_returns_after_shutdown_from_an_actor) {
  runtime_system sys{small_options()};
  std::vector<int> order;
  sys.on_shutdown([&] { order.push_back(1); });
  sys.on_shutdown([&] { order.push_back(2); });
  auto stopper = sys.actors().spawn([&sys](caf::event_based_actor*) {
    return caf::behavior{[&sys](int) { sys.shutdown(); }};
  });
  sys.keep_alive_until_shutdown(stopper);
  caf::anon_send(stopper, 1);
  auto done = std::async(std::launch::async, [&] { sys.run(); });
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(sys.shutdown_requested());
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST(runtime_system, destructor_stops_kept_actors_and_io) {
  std::atomic<bool> posted_ran = false;
  {
    runtime_system sys{small_options()};
    auto worker = sys.actors().spawn([](caf::event_based_actor*) {
      return caf::behavior{[](int x) { return x; }};
    });
    sys.keep_alive_until_shutdown(worker);
    boost::asio::post(sys.io_context(), [&] { posted_ran = true; });
    // No run(): the destructor must shut down on its own, without hanging.
  }
  EXPECT_TRUE(posted_ran);
}

TEST(runtime_system, late_registrations_run_at_once) {
  runtime_system sys{small_options()};
  sys.shutdown();
  sys.run();
  bool ran = false;
  sys.on_shutdown([&] { ran = true; });
  EXPECT_TRUE(ran);
  auto worker = sys.actors().spawn([](caf::event_based_actor*) {
    return caf::behavior{[](int x) { return x; }};
  });
  // Would hang ~system if it were not told to exit right away.
  sys.keep_alive_until_shutdown(worker);
}

TEST(runtime_system, throwing_callback_does_not_stop_shutdown) {
  runtime_system sys{small_options()};
  bool second_ran = false;
  sys.on_shutdown([&] { second_ran = true; });
  sys.on_shutdown([] { throw std::runtime_error("boom"); });
  sys.shutdown();
  sys.run();
  EXPECT_TRUE(second_ran);
}

// -- the probe program
// ---------------------------------------------------------

struct child {
  pid_t pid = -1;
  int out = -1;
  int err = -1;
};

child start_probe(const std::vector<std::string>& args) {
  std::array<int, 2> out_pipe{};
  std::array<int, 2> err_pipe{};
  if (pipe(out_pipe.data()) != 0 || pipe(err_pipe.data()) != 0)
    return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<char*> argv;
  std::string path = CAFE_SHUTDOWN_PROBE;
  argv.push_back(path.data());
  std::vector<std::string> copies = args;
  for (auto& arg : copies)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  child result;
  if (posix_spawn(&result.pid, path.c_str(), &actions, nullptr, argv.data(),
                  environ)
      != 0)
    result.pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  result.out = out_pipe[0];
  result.err = err_pipe[0];
  return result;
}

// Reads from `fd` into `buf` until it contains `needle`, EOF or the deadline.
bool read_until(int fd, const std::string& needle, std::string& buf,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left <= 0ms)
      return false;
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char chunk[512];
    auto n = read(fd, chunk, sizeof(chunk));
    if (n <= 0)
      return buf.find(needle) != std::string::npos;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

std::string read_to_eof(int fd, std::chrono::milliseconds timeout = 5s) {
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0)
      continue;
    char chunk[512];
    auto n = read(fd, chunk, sizeof(chunk));
    if (n <= 0)
      break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return buf;
}

// The child's wait status, or nullopt (after killing it) on a hang.
std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    auto res = waitpid(pid, &status, WNOHANG);
    if (res == pid)
      return status;
    if (res < 0)
      return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(20ms);
  }
}

// What runtime/src/system.cpp gives a busy io_context after the shutdown
// callbacks before stopping it (`io_grace_period`, not configurable).
constexpr auto io_grace_period = 3s;
// Start-up and scheduling slack on a loaded 2-core machine.
constexpr auto shutdown_slack = 3s;

// When, after the signal, the probe may exit.
struct exit_window {
  std::chrono::milliseconds earliest;
  std::chrono::milliseconds latest;
};

// An idle io_context runs out of work at once: the exit must come before
// the grace period would have stopped it.
constexpr exit_window before_grace_period{0ms, io_grace_period};
// A busy one is stopped by the grace period: not before it, and soon after.
constexpr exit_window after_grace_period{io_grace_period,
                                         io_grace_period + shutdown_slack};

void expect_clean_exit_on(int sig, const std::vector<std::string>& args,
                          exit_window window) {
  auto proc = start_probe(args);
  ASSERT_GT(proc.pid, 0) << "cannot start " << CAFE_SHUTDOWN_PROBE;
  std::string out;
  if (!read_until(proc.out, "ready\n", out, 10s)) {
    kill(proc.pid, SIGKILL);
    wait_for_exit(proc.pid, 5s);
    FAIL() << "probe never printed ready; stdout: " << out;
  }
  ASSERT_EQ(kill(proc.pid, sig), 0);
  auto started = std::chrono::steady_clock::now();
  auto status = wait_for_exit(proc.pid, 10s);
  auto took = std::chrono::steady_clock::now() - started;
  read_until(proc.out, "shutdown complete\n", out, 1s);
  auto err = read_to_eof(proc.err);
  close(proc.out);
  close(proc.err);
  ASSERT_TRUE(status.has_value())
    << "no exit within 10 s of signal " << sig << " (killed); stderr: " << err;
  ASSERT_TRUE(WIFEXITED(*status))
    << "died of signal " << WTERMSIG(*status) << "; stderr: " << err;
  EXPECT_EQ(WEXITSTATUS(*status), 0) << "stderr: " << err;
  EXPECT_NE(out.find("shutdown complete"), std::string::npos) << out;
  auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took);
  std::cout << "  exited " << took_ms.count() << " ms after signal " << sig
            << '\n';
  EXPECT_GE(took_ms, window.earliest)
    << "exited " << took_ms.count() << " ms after signal " << sig
    << ", before the " << window.earliest.count() << " ms expected";
  EXPECT_LT(took_ms, window.latest)
    << "exited " << took_ms.count() << " ms after signal " << sig
    << ", not within " << window.latest.count() << " ms (grace period "
    << std::chrono::milliseconds{io_grace_period}.count() << " ms)";
}

TEST(runtime_system, sigterm_shuts_down_cleanly) {
  expect_clean_exit_on(SIGTERM, {"--threads", "2"}, before_grace_period);
}

TEST(runtime_system, sigint_shuts_down_cleanly) {
  expect_clean_exit_on(SIGINT, {"-sname", "probe", "-setcookie", "x"},
                       before_grace_period);
}

TEST(runtime_system, busy_io_context_is_stopped_after_grace_period) {
  expect_clean_exit_on(SIGTERM, {"--keep-io-busy"}, after_grace_period);
}

TEST(runtime_system, help_exits_zero_with_usage) {
  auto proc = start_probe({"--help"});
  ASSERT_GT(proc.pid, 0);
  auto status = wait_for_exit(proc.pid, 10s);
  auto out = read_to_eof(proc.out);
  close(proc.out);
  close(proc.err);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_NE(out.find("Usage: runtime_shutdown_probe"), std::string::npos);
  EXPECT_NE(out.find("--epmd-port"), std::string::npos);
  EXPECT_NE(out.find("--keep-io-busy"), std::string::npos) << out;
}

TEST(runtime_system, bad_value_exits_non_zero_with_one_line) {
  auto proc = start_probe({"--epmd-port", "70000"});
  ASSERT_GT(proc.pid, 0);
  auto status = wait_for_exit(proc.pid, 10s);
  auto err = read_to_eof(proc.err);
  close(proc.out);
  close(proc.err);
  ASSERT_TRUE(status && WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
  EXPECT_NE(err.find("epmd-port"), std::string::npos) << err;
  EXPECT_EQ(err.rfind("runtime_shutdown_probe: ", 0), 0u) << err;
}

} // namespace
