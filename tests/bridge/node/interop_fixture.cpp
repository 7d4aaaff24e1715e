#include "interop_fixture.hpp"

#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/services/start_node.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"
#include "cafe/test/tools.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace cafe::test {

namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int tcp_socket() {
  auto fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  return fd;
}

int connect_loopback(uint16_t port) {
  auto fd = tcp_socket();
  auto addr = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    auto err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(),
                            "connect to 127.0.0.1:" + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool wait_fd(int fd, short events, clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
    pollfd pfd{fd, events, 0};
    auto rc = ::poll(&pfd, 1,
                     static_cast<int>(std::max<int64_t>(
                       0, std::min<int64_t>(left.count(), 1000))));
    if (rc > 0)
      return true;
    if (rc < 0 && errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "poll");
    if (clock::now() >= deadline)
      return false;
  }
}

void send_all(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw std::system_error(errno, std::generic_category(), "send");
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
}

/// The compiled cafe_peer.beam, shared by the tests of one binary.
std::unique_ptr<temp_dir> beam_dir;

} // namespace

// -- free functions
// ------------------------------------------------------------

uint16_t free_port() {
  auto fd = tcp_socket();
  auto addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    auto err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind port 0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string quoted(etf::atom x) {
  std::string result = "'";
  result += x.text();
  result += '\'';
  return result;
}

std::string erl_literal(const etf::term& x) {
  return "binary_to_term(binary:decode_hex(<<\""
         + to_hex(etf::term_to_binary(x)) + "\">>))";
}

std::unique_ptr<temp_dir> compile_erl(const std::filesystem::path& source) {
  auto dir = std::make_unique<temp_dir>();
  spawn_options so;
  so.program = require_tool("erlc");
  so.args = {"-o", dir->path().string(), (source_dir() / source).string()};
  auto res = run(so, 60s);
  if (!res.ok())
    throw std::runtime_error("erlc " + source.string() + ": " + res.describe());
  return dir;
}

bool contains(const std::vector<etf::atom>& xs, etf::atom x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// -- erl_node
// ------------------------------------------------------------------

std::vector<std::string> elixir_pubsub_peer(const erl_options& o,
                                            const std::string& name,
                                            size_t pool_size) {
  auto peer = source_dir() / "tests/support/phoenix_pubsub/peer.exs";
  return {"elixir", "--name", o.name + "@" + std::string{node_host}, "--cookie",
          o.cookie, "--erl",
          // As for erl above: loopback only, no epmd of its own, and idle
          // schedulers that do not spin.
          "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1} "
          "+sbwt none +sbwtdcpu none +sbwtdio none",
          peer.string(), "pubsub=" + name,
          "pool_size=" + std::to_string(pool_size), "reply=etf"};
}

erl_node::erl_node(const std::filesystem::path& dir, erl_options opts) {
  spawn_options so;
  so.program = require_tool("erl");
  so.args = {
    "-name", opts.name + "@" + std::string{node_host}, "-setcookie",
    opts.cookie, "-noshell",
    // Only the EPMD on the test's port: never start a real one.
    "-start_epmd", "false",
    // Idle schedulers must not spin: on two cores they would steal the CPU
    // from the cafe node under test.
    "+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none", "-kernel",
    "inet_dist_use_interface", "{127,0,0,1}",
    // Reports go to stderr (the test log), never into the answer lines.
    "-kernel", "logger",
    "[{handler,default,logger_std_h,#{config => #{type => standard_error}}}]",
    "-pa", dir.string()};
  if (opts.ticktime.count() > 0) {
    so.args.insert(so.args.end(), {"-kernel", "net_ticktime",
                                   std::to_string(opts.ticktime.count())});
  }
  so.args.insert(so.args.end(), opts.extra_args.begin(), opts.extra_args.end());
  so.args.insert(so.args.end(), {"-s", "cafe_peer", "main"});
  if (!opts.command.empty()) {
    so.program = require_tool(opts.command.front());
    so.args.assign(opts.command.begin() + 1, opts.command.end());
  }
  so.env = {{"ERL_EPMD_PORT", std::to_string(opts.epmd_port)},
            {"ERL_CRASH_DUMP_SECONDS", "0"}};
  so.pipe_stdin = true;
  so.pipe_stdout = true;
  child_ = std::make_unique<child_process>(so);
  // cafe_peer:main/0 answers {ok, node()} once distribution is up.
  auto self = result(15s);
  auto name = self.get_if<etf::atom>();
  if (name == nullptr)
    throw std::runtime_error(
      "erl " + opts.name + " did not report its name: " + etf::to_string(self));
  name_ = *name;
}

erl_node::~erl_node() {
  // End of stdin makes cafe_peer halt; stop() kills what is still there.
  child_->stop(1s);
}

void erl_node::post(std::string_view expr) {
  std::string line{expr};
  line += ".\n";
  child_->write_all({reinterpret_cast<const uint8_t*>(line.data()),
                     line.size()},
                    clock::now() + 5s);
}

etf::term erl_node::result(std::chrono::milliseconds timeout) {
  static constexpr std::string_view marker = "@@cafe ";
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto eol = buf_.find('\n');
    while (eol != std::string::npos) {
      auto line = buf_.substr(0, eol);
      buf_.erase(0, eol + 1);
      if (line.starts_with(marker)) {
        auto bytes = from_hex(std::string_view{line}.substr(marker.size()));
        auto x = etf::binary_to_term(bytes);
        if (!x)
          throw std::runtime_error("undecodable answer from erl: " + line);
        auto tup = x->get_if<etf::tuple>();
        if (tup != nullptr && tup->size() == 2
            && (*tup)[0] == etf::term{etf::atom{"ok"}})
          return (*tup)[1];
        throw std::runtime_error("erl " + std::string{name_.text()}
                                 + " raised: " + etf::to_string(*x));
      }
      std::cerr << "[erl " << name_.text() << "] " << line << '\n';
      eol = buf_.find('\n');
    }
    uint8_t chunk[4096];
    size_t n = 0;
    try {
      n = child_->read_some(chunk, sizeof(chunk), deadline);
    } catch (const std::runtime_error& ex) {
      throw std::runtime_error("no answer from erl " + std::string{name_.text()}
                               + " within " + std::to_string(timeout.count())
                               + " ms: " + ex.what());
    }
    if (n == 0) {
      auto status = child_->stop(0ms);
      throw std::runtime_error("erl " + std::string{name_.text()}
                               + " exited: " + describe_status(status));
    }
    buf_.append(reinterpret_cast<const char*>(chunk), n);
  }
}

etf::term erl_node::eval(std::string_view expr,
                         std::chrono::milliseconds timeout) {
  post(expr);
  return result(timeout);
}

void erl_node::signal(int sig) {
  if (!child_->exited())
    ::kill(-child_->pid(), sig);
}

void erl_node::kill() {
  signal(SIGKILL);
  child_->stop(0ms);
}

// -- tcp_relay
// -----------------------------------------------------------------

tcp_relay::tcp_relay(uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = tcp_socket();
  auto addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(listen_fd_, 4) != 0
      || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len)
           != 0) {
    ::close(listen_fd_);
    throw std::system_error(errno, std::generic_category(), "relay listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread{[this] { run(); }};
}

tcp_relay::~tcp_relay() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::vector<uint8_t> tcp_relay::from_client() const {
  std::lock_guard guard{mtx_};
  return from_client_;
}

std::vector<uint8_t> tcp_relay::from_target() const {
  std::lock_guard guard{mtx_};
  return from_target_;
}

void tcp_relay::run() {
  // One thread, poll with a short timeout: the loop checks `stop_` at least
  // every 50 ms, so the destructor never waits long.
  int client = -1;
  int target = -1;
  auto close_all = [&] {
    if (client >= 0)
      ::close(client);
    if (target >= 0)
      ::close(target);
  };
  try {
    while (!stop_ && client < 0) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) > 0)
        client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    if (client < 0)
      return;
    target = connect_loopback(target_port_);
    bool client_open = true;
    bool target_open = true;
    uint8_t buf[65536];
    while (!stop_ && (client_open || target_open)) {
      pollfd pfds[2] = {{client, client_open ? short{POLLIN} : short{0}, 0},
                        {target, target_open ? short{POLLIN} : short{0}, 0}};
      if (::poll(pfds, 2, 50) <= 0)
        continue;
      for (int i = 0; i < 2; ++i) {
        if (pfds[i].revents == 0)
          continue;
        int from = i == 0 ? client : target;
        int to = i == 0 ? target : client;
        auto n = ::recv(from, buf, sizeof(buf), 0);
        if (n <= 0) {
          // Pass the close on: the other end sees what a direct
          // connection would show.
          ::shutdown(to, SHUT_WR);
          (i == 0 ? client_open : target_open) = false;
          continue;
        }
        {
          std::lock_guard guard{mtx_};
          auto& log = i == 0 ? from_client_ : from_target_;
          log.insert(log.end(), buf, buf + n);
        }
        send_all(to, {buf, static_cast<size_t>(n)});
      }
    }
  } catch (const std::exception& ex) {
    std::cerr << "tcp_relay: " << ex.what() << '\n';
  }
  close_all();
}

// -- raw_client
// ----------------------------------------------------------------

raw_client::raw_client(uint16_t port) : fd_(connect_loopback(port)) {
  // nop
}

raw_client::~raw_client() {
  ::close(fd_);
}

void raw_client::send(std::span<const uint8_t> bytes) {
  send_all(fd_, bytes);
}

std::vector<uint8_t> raw_client::receive(std::chrono::milliseconds timeout) {
  if (!wait_fd(fd_, POLLIN, clock::now() + timeout))
    throw std::runtime_error("raw_client: nothing received within "
                             + std::to_string(timeout.count()) + " ms");
  uint8_t buf[4096];
  auto n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0)
    return {};
  return {buf, buf + n};
}

bool raw_client::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (wait_fd(fd_, POLLIN, deadline)) {
    uint8_t buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      return true; // end of file or reset: closed either way
  }
  return false;
}

// -- interop_fixture
// -----------------------------------------------------------

struct interop_fixture::io_state {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
    io.get_executor()};
  std::vector<std::thread> threads;

  io_state() {
    for (int i = 0; i < 2; ++i)
      threads.emplace_back([this] { io.run(); });
  }

  ~io_state() {
    work.reset();
    io.stop();
    for (auto& t : threads)
      t.join();
  }
};

interop_fixture::interop_fixture()
  : epmd_port_(free_port()), io_(std::make_unique<io_state>()) {
  // nop
}

interop_fixture::~interop_fixture() {
  for (auto& n : nodes_)
    n->stop();
  // Let the closes posted by stop() run before the io threads go.
  std::this_thread::sleep_for(50ms);
  nodes_.clear();
  io_.reset();
}

void interop_fixture::SetUp() {
  if (!beam_dir)
    beam_dir = compile_erl("tests/bridge/node/cafe_peer.erl");
}

std::shared_ptr<node::node>
interop_fixture::start_cafe(const std::function<void(node::config&)>& tweak) {
  node::config cfg;
  cfg.name = std::string{node_name("cafe").text()};
  cfg.long_names = true;
  cfg.cookie = cookie_;
  cfg.epmd_address = "127.0.0.1";
  cfg.epmd_port = epmd_port_;
  // The defaults are every interface, as for erl and epmd: loopback only.
  cfg.epmd_listen_addresses = {"127.0.0.1"};
  cfg.listen_address = "127.0.0.1";
  // The suites of the node and of the other services see a node without
  // global's traffic; the global suites start it themselves.
  cfg.run_global = false;
  if (tweak)
    tweak(cfg);
  auto must_embed = nodes_.empty() && !external_epmd_ && cfg.embedded_epmd
                    && cfg.epmd_port == epmd_port_;
  for (int attempt = 0;; ++attempt) {
    auto res = services::start_node(io(), cfg);
    if (res && (!must_embed || (*res)->runs_embedded_epmd())) {
      nodes_.push_back(*res);
      return *res;
    }
    if (res)
      (*res)->stop();
    if (!must_embed || attempt == 4)
      throw std::runtime_error(
        "cafe node " + cfg.name + " did not start"
        + (res ? std::string{": an EPMD of someone else holds every port tried"}
               : ": " + res.error()));
    epmd_port_ = free_port();
    cfg.epmd_port = epmd_port_;
  }
}

std::unique_ptr<child_process> interop_fixture::start_real_epmd() {
  auto exe = require_tool("epmd");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = free_port();
    spawn_options so;
    so.program = exe;
    so.args = {"-port", std::to_string(port), "-address", "127.0.0.1"};
    auto epmd = std::make_unique<child_process>(so);
    // Ours once it answers while it runs: an epmd that lost the port to
    // another exits at once.
    auto answers = eventually(
      [&] {
        spawn_options names;
        names.program = exe;
        names.args = {"-port", std::to_string(port), "-names"};
        return !epmd->exited() && run(names, 2s).ok();
      },
      5s);
    if (answers && !epmd->exited()) {
      epmd_port_ = port;
      external_epmd_ = true;
      return epmd;
    }
  }
  throw std::runtime_error("no port for a real epmd after 5 attempts");
}

std::unique_ptr<erl_node>
interop_fixture::start_erl(std::string name,
                           const std::function<void(erl_options&)>& tweak) {
  erl_options opts;
  opts.name = std::move(name);
  opts.cookie = cookie_;
  opts.epmd_port = epmd_port_;
  if (tweak)
    tweak(opts);
  return std::make_unique<erl_node>(beam_dir->path(), std::move(opts));
}

etf::atom interop_fixture::node_name(std::string_view alive) {
  std::string result{alive};
  result += '@';
  result += node_host;
  return etf::atom{result};
}

boost::asio::io_context& interop_fixture::io() {
  return io_->io;
}

} // namespace cafe::test
