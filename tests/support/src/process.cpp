#include "cafe/test/process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cafe::test {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void set_nonblocking(int fd) {
  auto flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw_errno("fcntl");
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

/// Both ends of a pipe, closed on scope exit unless released.
struct pipe_pair {
  int fds[2] = {-1, -1};

  pipe_pair() {
    // O_CLOEXEC so that no other child (ours or another test's) inherits
    // an end and keeps the pipe open; dup2 in the child clears the flag on
    // the copy it installs as 0/1/2.
    if (::pipe2(fds, O_CLOEXEC) != 0)
      throw_errno("pipe2");
  }

  ~pipe_pair() {
    close_fd(fds[0]);
    close_fd(fds[1]);
  }

  int release(int i) noexcept {
    return std::exchange(fds[i], -1);
  }
};

int poll_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1000));
}

/// Waits until `fd` is ready for `events` or `deadline` passes.
bool wait_ready(int fd, short events, clock::time_point deadline) {
  while (true) {
    pollfd pfd{fd, events, 0};
    auto rc = ::poll(&pfd, 1, poll_ms(deadline));
    if (rc > 0)
      return true;
    if (rc < 0 && errno != EINTR)
      throw_errno("poll");
    if (rc == 0 && clock::now() >= deadline)
      return false;
  }
}

// Installs `fd` as `target` in the child. Only async-signal-safe calls.
void child_dup(int fd, int target) noexcept {
  if (fd == target)
    ::fcntl(fd, F_SETFD, 0);
  else
    ::dup2(fd, target);
}

} // namespace

child_process::child_process(const spawn_options& opts) {
  // A write to a pipe whose reader died raises SIGPIPE, which would kill the
  // whole test binary instead of failing one test: report EPIPE instead.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  // Build argv and envp before fork: the child may only call
  // async-signal-safe functions.
  std::vector<std::string> arg_strs;
  arg_strs.push_back(opts.program.string());
  arg_strs.insert(arg_strs.end(), opts.args.begin(), opts.args.end());
  std::vector<char*> argv;
  for (auto& str : arg_strs)
    argv.push_back(str.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strs;
  for (auto env = environ; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry{*env};
    auto overridden = std::any_of(opts.env.begin(), opts.env.end(),
                                  [&](const auto& kvp) {
                                    return entry.starts_with(kvp.first + "=");
                                  });
    if (!overridden)
      env_strs.emplace_back(entry);
  }
  for (auto& [key, value] : opts.env)
    env_strs.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& str : env_strs)
    envp.push_back(str.data());
  envp.push_back(nullptr);
  pipe_pair in;
  pipe_pair out;
  pipe_pair exec_err; // Reports a failed exec; closed by a successful one.
  auto dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (dev_null < 0)
    throw_errno("open /dev/null");
  auto pid = ::fork();
  if (pid < 0) {
    auto err = errno;
    ::close(dev_null);
    errno = err;
    throw_errno("fork");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    child_dup(opts.pipe_stdin ? in.fds[0] : dev_null, 0);
    if (opts.pipe_stdout)
      child_dup(out.fds[1], 1);
    if (opts.merge_stderr)
      child_dup(opts.pipe_stdout ? out.fds[1] : dev_null, 2);
    // Nothing else of the test process reaches the child: Asio's sockets
    // are not close-on-exec, and a child holding one keeps a connection
    // (or a cafe node's EPMD registration) open after cafe closed it.
    if (::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
      for (int fd = 3; fd < 4096; ++fd)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    // SIG_IGN survives exec; the child should see the default.
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(argv[0], argv.data(), envp.data());
    auto err = errno;
    [[maybe_unused]] auto n = ::write(exec_err.fds[1], &err, sizeof(err));
    ::_exit(127);
  }
  ::close(dev_null);
  pid_ = pid;
  // Also set the group from the parent: whichever runs first wins, and a
  // kill(-pid) right after fork then cannot miss the child.
  ::setpgid(pid_, pid_);
  close_fd(exec_err.fds[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(exec_err.fds[0], &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof(err))) {
    stop(std::chrono::milliseconds{0});
    throw std::system_error(err, std::generic_category(),
                            "exec " + opts.program.string());
  }
  if (opts.pipe_stdin) {
    stdin_fd_ = in.release(1);
    set_nonblocking(stdin_fd_);
  }
  if (opts.pipe_stdout) {
    stdout_fd_ = out.release(0);
    set_nonblocking(stdout_fd_);
  }
}

child_process::~child_process() {
  stop(std::chrono::milliseconds{2000});
}

void child_process::write_all(std::span<const uint8_t> bytes,
                              clock::time_point deadline) {
  if (stdin_fd_ < 0)
    throw std::logic_error("child has no stdin pipe");
  while (!bytes.empty()) {
    auto n = ::write(stdin_fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno != EAGAIN)
      throw_errno("write to child " + std::to_string(pid_));
    if (!wait_ready(stdin_fd_, POLLOUT, deadline))
      throw std::runtime_error("timeout writing to child "
                               + std::to_string(pid_));
  }
}

size_t child_process::read_some(uint8_t* buf, size_t n,
                                clock::time_point deadline) {
  if (stdout_fd_ < 0)
    throw std::logic_error("child has no stdout pipe");
  while (true) {
    auto rc = ::read(stdout_fd_, buf, n);
    if (rc >= 0)
      return static_cast<size_t>(rc);
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN)
      throw_errno("read from child " + std::to_string(pid_));
    if (!wait_ready(stdout_fd_, POLLIN, deadline))
      throw std::runtime_error("timeout reading from child "
                               + std::to_string(pid_));
  }
}

bool child_process::read_to_end(std::string& out, clock::time_point deadline) {
  uint8_t buf[4096];
  try {
    while (auto n = read_some(buf, sizeof(buf), deadline))
      out.append(reinterpret_cast<const char*>(buf), n);
    return true;
  } catch (const std::runtime_error&) {
    if (clock::now() >= deadline)
      return false;
    throw;
  }
}

void child_process::close_stdin() noexcept {
  close_fd(stdin_fd_);
}

bool child_process::exited() const noexcept {
  if (reaped_)
    return true;
  siginfo_t info{};
  // WNOWAIT leaves the child a zombie: its PID (and so its process group
  // id) stays reserved until stop() has killed the rest of the group.
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info,
                  WEXITED | WNOHANG | WNOWAIT)
           == 0
         && info.si_pid == pid_;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (reaped_ || pid_ < 0)
    return status_;
  close_stdin();
  auto deadline = clock::now() + grace;
  while (!exited() && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  // Kill by process group id (= our child's PID): reaches the child and
  // helpers it started, e.g. erl_child_setup, and nothing else.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    // retry
  }
  status_ = status;
  reaped_ = true;
  close_fd(stdout_fd_);
  return status_;
}

std::string describe_status(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return "killed by signal " + std::to_string(WTERMSIG(wait_status)) + " ("
           + strsignal(WTERMSIG(wait_status)) + ")";
  return "wait status " + std::to_string(wait_status);
}

bool run_result::ok() const noexcept {
  return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string run_result::describe() const {
  std::string result = timed_out ? "timed out" : describe_status(status);
  if (!output.empty())
    result += ", output:\n" + output;
  return result;
}

run_result run(const spawn_options& opts, std::chrono::milliseconds timeout) {
  auto cfg = opts;
  cfg.pipe_stdin = false;
  cfg.pipe_stdout = true;
  cfg.merge_stderr = true;
  auto deadline = clock::now() + timeout;
  child_process child{cfg};
  run_result result;
  result.timed_out = !child.read_to_end(result.output, deadline);
  // End of output is not yet the end of the program: let it exit by
  // itself until the deadline.
  while (!result.timed_out && !child.exited()) {
    if (clock::now() >= deadline)
      result.timed_out = true;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  result.status = child.stop(std::chrono::milliseconds{0});
  return result;
}

std::string read_until(child_process& child, std::string_view marker,
                       std::chrono::milliseconds limit) {
  std::string out;
  auto deadline = clock::now() + limit;
  while (out.find(marker) == std::string::npos) {
    uint8_t buf[512];
    auto n = child.read_some(buf, sizeof(buf), deadline);
    if (n == 0)
      break;
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  return out;
}

} // namespace cafe::test
