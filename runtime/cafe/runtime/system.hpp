#pragma once

#include "cafe/runtime/fwd.hpp"
#include "cafe/runtime/node_options.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>
#include <functional>
#include <memory>

namespace cafe::runtime {

/// The process's actor system, its io_context (all network I/O runs on
/// Asio, on a small pool of threads) and its one clean shutdown.
///
/// SIGINT, SIGTERM or `shutdown()` request the shutdown; `run()` or the
/// destructor carries it out, once, in this order: the `on_shutdown`
/// callbacks run (last registered first), every actor passed to
/// `keep_alive_until_shutdown` receives `exit_reason::user_shutdown`, the
/// io_context runs out of work (it is stopped after a grace period if
/// something keeps it busy) and its threads join. The destructor then waits
/// for all remaining actors, as `caf::actor_system` does: an actor nobody
/// tells to exit hangs the process. A second signal during shutdown exits
/// the process at once.
class system {
public:
  /// Adjusts CAF's configuration (message types, ...) before the actor
  /// system starts.
  using config_hook = std::function<void(caf::actor_system_config&)>;

  /// Starts the actor system with `opts.threads` scheduler threads, the
  /// io_context threads and the signal handling, and applies
  /// `opts.log_level` to the cafe logger.
  explicit system(node_options opts, config_hook hook = {});

  ~system();

  system(const system&) = delete;
  system& operator=(const system&) = delete;

  const node_options& options() const noexcept;

  caf::actor_system& actors() noexcept;

  boost::asio::io_context& io_context() noexcept;

  /// Registers `fn` to run first thing during shutdown, on the thread that
  /// carries it out; a module closes its acceptors and sockets here. Runs
  /// `fn` at once when the shutdown has already begun.
  void on_shutdown(std::function<void()> fn);

  /// Holds `handle` until shutdown, then sends it
  /// `exit_reason::user_shutdown`. For long-lived actors nobody else tells
  /// to quit; without this, `~system` waits for them forever.
  void keep_alive_until_shutdown(caf::strong_actor_ptr handle);

  template <class Handle>
  void keep_alive_until_shutdown(const Handle& handle) {
    keep_alive_until_shutdown(caf::actor_cast<caf::strong_actor_ptr>(handle));
  }

  /// Blocks until the shutdown is requested, then carries it out. Call it
  /// from the thread that owns the system (e.g. main), never from an actor
  /// or an io_context handler.
  void run();

  /// Requests the shutdown. Thread-safe, idempotent and non-blocking, so
  /// actors and handlers may call it.
  void shutdown();

  bool shutdown_requested() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cafe::runtime
