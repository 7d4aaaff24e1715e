#pragma once

// Shared by the bridge.node suites: a cafe node on loopback with a private
// EPMD port per test, real `erl` nodes driven through cafe_peer.erl, and the
// small socket tools the protocol tests need (a capturing TCP relay, a raw
// client). Everything is bounded in time; every process is killed by PID.
//
// Every node is named `alive@127.0.0.1` (long names) and listens on
// 127.0.0.1 only, and so is every EPMD: no test depends on what the host
// name resolves to, or whether it resolves at all.

#include "cafe/etf/term.hpp"
#include "cafe/node/config.hpp"
#include "cafe/node/mailbox.hpp"
#include "cafe/node/node.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/process.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::test {

using namespace std::chrono_literals;

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
/// then released).
uint16_t free_port();

/// The host part of every node name in these suites: the loopback address,
/// with long names (`-name alive@127.0.0.1`), which nothing resolves.
inline constexpr std::string_view node_host = "127.0.0.1";

/// `'text'`: an atom as an Erlang literal.
std::string quoted(etf::atom x);

/// An Erlang expression that rebuilds `x` exactly (via term_to_binary
/// bytes), e.g. to hand a cafe pid to an erl expression.
std::string erl_literal(const etf::term& x);

/// How `interop_fixture::start_erl` starts a node.
struct erl_options {
  /// The alive part; the node runs as `-name <name>@127.0.0.1`.
  std::string name;
  std::string cookie;
  uint16_t epmd_port = 0;
  /// net_ticktime; 0 keeps erl's default (60 s).
  std::chrono::seconds ticktime{0};
  std::vector<std::string> extra_args;
  /// Runs this program and arguments instead of erl with cafe_peer: a peer
  /// that speaks cafe_peer's line protocol (e.g. the Elixir node of
  /// tests/support/phoenix_pubsub/peer.exs). The name, cookie and EPMD
  /// port are the caller's to pass in it; the environment is set as for
  /// erl.
  std::vector<std::string> command;
};

/// The command (for `erl_options::command`) that runs the Phoenix.PubSub
/// test double (tests/support/phoenix_pubsub/peer.exs) as the Elixir node
/// `o.name@127.0.0.1`, with the pubsub `name` (`MyApp.PubSub`) and
/// `pool_size`, answering in cafe_peer's format.
std::vector<std::string> elixir_pubsub_peer(const erl_options& o,
                                            const std::string& name,
                                            size_t pool_size);

/// A real `erl -name alive@127.0.0.1` node running cafe_peer:main/0: each
/// `eval` sends one Erlang expression over stdin and decodes the answer line
/// from stdout. The node cannot start an epmd of its own (`-start_epmd
/// false`), keeps its listener on loopback and logs to stderr (the test
/// log).
class erl_node {
public:
  /// Starts the node and waits until its distribution is up.
  erl_node(const std::filesystem::path& beam_dir, erl_options opts);

  ~erl_node();

  erl_node(const erl_node&) = delete;
  erl_node& operator=(const erl_node&) = delete;

  /// The full node name, e.g. `a@127.0.0.1`.
  etf::atom name() const noexcept {
    return name_;
  }

  pid_t os_pid() const noexcept {
    return child_->pid();
  }

  /// Sends `expr` (no trailing dot) without waiting for its value.
  void post(std::string_view expr);

  /// The value of the oldest posted expression not yet collected. Throws
  /// (failing the test) when it raised, or after `timeout`.
  etf::term result(std::chrono::milliseconds timeout = 10s);

  /// `post` then `result`.
  etf::term eval(std::string_view expr,
                 std::chrono::milliseconds timeout = 10s);

  /// Sends `sig` to the node's process group (e.g. SIGSTOP to freeze it).
  void signal(int sig);

  /// SIGKILLs the node and reaps it.
  void kill();

private:
  std::unique_ptr<child_process> child_;
  std::string buf_;
  etf::atom name_;
};

/// A loopback TCP relay for one connection: it accepts on its own port,
/// dials `127.0.0.1:target_port` and copies bytes both ways, keeping a copy
/// of each direction.
class tcp_relay {
public:
  explicit tcp_relay(uint16_t target_port);
  ~tcp_relay();

  tcp_relay(const tcp_relay&) = delete;
  tcp_relay& operator=(const tcp_relay&) = delete;

  uint16_t port() const noexcept {
    return port_;
  }

  /// What the dialing side sent so far.
  std::vector<uint8_t> from_client() const;

  /// What the target sent so far.
  std::vector<uint8_t> from_target() const;

private:
  void run();

  uint16_t target_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mtx_;
  std::vector<uint8_t> from_client_;
  std::vector<uint8_t> from_target_;
  std::thread thread_;
};

/// A blocking loopback TCP client for scripted peers.
class raw_client {
public:
  explicit raw_client(uint16_t port);
  ~raw_client();

  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  void send(std::span<const uint8_t> bytes);

  /// Bytes available within `timeout`; empty when the peer closed. Throws
  /// on a timeout.
  std::vector<uint8_t> receive(std::chrono::milliseconds timeout);

  /// Whether the peer closes the connection within `timeout` (anything it
  /// sends meanwhile is discarded).
  bool closed_within(std::chrono::milliseconds timeout);

private:
  int fd_ = -1;
};

/// Polls `pred` every `step` until it holds or `timeout` passes.
template <class Predicate>
bool eventually(Predicate pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = 20ms) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(step);
  }
}

/// Compiles the Erlang module `source` (a path in the source tree) with a
/// real erlc into a fresh directory, for `-pa`. Throws with erlc's output
/// when it fails (or when erlc is missing).
std::unique_ptr<temp_dir> compile_erl(const std::filesystem::path& source);

/// Whether `xs` holds `x`.
bool contains(const std::vector<etf::atom>& xs, etf::atom x);

/// An io_context on two threads, a private EPMD port, and the cafe and erl
/// nodes of one test. Nodes a test starts are stopped when it ends (erl
/// nodes by the test's own `unique_ptr`s, which die first).
class interop_fixture : public ::testing::Test {
protected:
  interop_fixture();
  ~interop_fixture() override;

  /// Compiles cafe_peer.erl (once per suite).
  void SetUp() override;

  /// Starts `cafe@127.0.0.1` (long names), its listener and embedded EPMD
  /// on 127.0.0.1 only, with the fixture's cookie and EPMD port, then
  /// `tweak`. The first node must run the test's own EPMD: if another
  /// suite's EPMD took the port meanwhile (it was only free a moment ago),
  /// the node starts again on a fresh port, so two tests never share one.
  std::shared_ptr<node::node>
  start_cafe(const std::function<void(node::config&)>& tweak = {});

  /// Starts a real `epmd` on a fresh port for the test (and makes it the
  /// fixture's EPMD port), retrying on ports taken meanwhile; cafe nodes
  /// started afterwards use it.
  std::unique_ptr<child_process> start_real_epmd();

  /// Starts `<name>@127.0.0.1` with the fixture's cookie and EPMD port,
  /// then `tweak`.
  std::unique_ptr<erl_node>
  start_erl(std::string name,
            const std::function<void(erl_options&)>& tweak = {});

  /// `alive@127.0.0.1`.
  static etf::atom node_name(std::string_view alive);

  boost::asio::io_context& io();

  uint16_t epmd_port_ = 0;
  std::string cookie_ = "secret";
  /// Set by start_real_epmd: cafe nodes use that EPMD, not their own.
  bool external_epmd_ = false;

private:
  struct io_state;
  std::unique_ptr<io_state> io_;
  std::vector<std::shared_ptr<node::node>> nodes_;
};

} // namespace cafe::test
