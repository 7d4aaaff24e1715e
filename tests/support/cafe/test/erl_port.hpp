#pragma once

#include "cafe/test/process.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cafe::test {

/// A real `erl -noshell -noinput` running an Erlang program that talks to us
/// like an Erlang port program talks to the BEAM, with the roles swapped:
/// the Erlang side opens `open_port({fd, 0, 1}, [{packet, 4}, binary, eof])`
/// and we exchange 4-byte big-endian length-prefixed frames over its stdin
/// and stdout.
///
/// The node runs without distribution (no -name/-sname, so no epmd and no
/// sockets), its logger writes to stderr so that reports cannot corrupt the
/// frames on stdout, and crash dumps are off. Every operation has a
/// deadline; the destructor closes stdin (the program sees `eof` and should
/// halt), then kills the node by PID after a grace period.
///
/// Errors (erl missing, a timeout, the node exiting) throw
/// `std::runtime_error` with the node's exit status, which fails the test.
class erl_port {
public:
  /// Largest frame `receive` accepts, so a confused peer cannot make us
  /// allocate without bound.
  static constexpr size_t max_frame_size = size_t{1} << 26;

  /// Starts `erl -noshell -noinput` with the extra `args` (e.g. `-eval`).
  explicit erl_port(std::vector<std::string> args);

  /// Compiles the module in `source` in memory (no .beam files written) and
  /// runs its `main/0`, which must serve the port and halt on `eof`.
  static std::unique_ptr<erl_port>
  start_module(const std::filesystem::path& source);

  erl_port(const erl_port&) = delete;
  erl_port& operator=(const erl_port&) = delete;

  ~erl_port();

  /// Sends one frame and waits for one reply frame.
  std::vector<uint8_t>
  call(std::span<const uint8_t> request,
       std::chrono::milliseconds timeout = std::chrono::seconds{10});

  void send(std::span<const uint8_t> frame, clock::time_point deadline);

  std::vector<uint8_t> receive(clock::time_point deadline);

  /// OS process id of the node (erl execs into beam.smp, keeping the PID).
  pid_t os_pid() const noexcept {
    return child_->pid();
  }

  /// Closes stdin and waits up to `grace` for the node to halt before it is
  /// killed; returns the wait status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds{2});

private:
  [[noreturn]] void fail(const std::string& what);

  void read_exactly(uint8_t* buf, size_t n, clock::time_point deadline);

  std::unique_ptr<child_process> child_;
};

} // namespace cafe::test
