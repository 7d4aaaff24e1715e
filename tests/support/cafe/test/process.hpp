#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace cafe::test {

using clock = std::chrono::steady_clock;

/// How to start a child process.
struct spawn_options {
  /// Executable (an absolute path, see `require_tool`) and its arguments;
  /// `argv[0]` of the child is the executable path.
  std::filesystem::path program;
  std::vector<std::string> args;
  /// Variables added to, or overriding, the parent's environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Give the child a pipe as stdin (else /dev/null).
  bool pipe_stdin = false;
  /// Give the child a pipe as stdout (else inherit ours).
  bool pipe_stdout = false;
  /// Send the child's stderr into the stdout pipe (else inherit ours, so
  /// its diagnostics land in the test log).
  bool merge_stderr = false;
};

/// A child process in a process group of its own. The destructor stops it
/// and everything it started: it closes stdin, waits a short grace period,
/// then SIGKILLs the group (whose id is the child's PID) and reaps the
/// child, so no test leaves processes behind and none blocks forever.
///
/// Failures to start throw `std::system_error` / `std::runtime_error`:
/// these helpers serve tests, where an exception becomes a test failure
/// with its message.
class child_process {
public:
  explicit child_process(const spawn_options& opts);
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept {
    return pid_;
  }

  /// Writes all of `bytes` to the child's stdin. Throws on a timeout or
  /// when the child closed its end.
  void write_all(std::span<const uint8_t> bytes, clock::time_point deadline);

  /// Reads up to `n` bytes of the child's stdout into `buf`; returns 0 at
  /// end of file. Throws on a timeout.
  size_t read_some(uint8_t* buf, size_t n, clock::time_point deadline);

  /// Reads stdout until end of file or `deadline`; returns whether it saw
  /// end of file.
  bool read_to_end(std::string& out, clock::time_point deadline);

  void close_stdin() noexcept;

  /// Waits up to `grace` for the child to exit by itself, then kills its
  /// process group and reaps it. Returns the wait status; idempotent.
  int stop(std::chrono::milliseconds grace);

  /// Whether the child has exited (without reaping it).
  bool exited() const noexcept;

private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

/// "exit status 3", "killed by signal 9", ...
std::string describe_status(int wait_status);

/// What `run` saw.
struct run_result {
  int status = 0;
  bool timed_out = false;
  /// stdout and stderr, interleaved.
  std::string output;

  bool ok() const noexcept;
  std::string describe() const;
};

/// Reads `child`'s stdout until it holds `marker` or `limit` passes; all
/// of it so far.
std::string read_until(child_process& child, std::string_view marker,
                       std::chrono::milliseconds limit);

/// Runs a program to completion with stdin from /dev/null, collecting its
/// output; kills it when it takes longer than `timeout`.
run_result run(const spawn_options& opts, std::chrono::milliseconds timeout);

} // namespace cafe::test
