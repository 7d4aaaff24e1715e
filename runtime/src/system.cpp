#include "cafe/runtime/system.hpp"

#include "cafe/log.hpp"

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;

namespace cafe::runtime {

namespace {

// Time the io_context gets after the shutdown callbacks to finish the closes
// they posted. Work that is still pending then is abandoned.
constexpr auto io_grace_period = std::chrono::seconds{3};

// One io thread when io threads spin: an empty poll() hands Asio's reactor
// to a thread sleeping in run_one(), so beside a second thread the spinner
// would poll while the other one waits in epoll for the sockets (measured:
// no gain across CPUs, and runs 3x slower than without spinning). Else up
// to two.
int io_pool_size(const node_options& opts) {
  if (opts.io_spin.count() > 0)
    return 1;
  return static_cast<int>(
    std::clamp(std::thread::hardware_concurrency(), 1u, 2u));
}

/// Runs `io` until it is stopped or runs out of work, as `io.run()`. With a
/// `spin` budget, a thread that ran out of ready handlers polls for that
/// long, yielding the CPU between polls (a peer on the same CPU must still
/// run), before it blocks in epoll: on a VM a blocked thread takes ~50 us
/// to wake, which a request that arrives meanwhile then skips. The budget
/// starts again only after a handler ran, so an idle thread sleeps.
void run_spinning(asio::io_context& io, std::chrono::microseconds spin) {
  if (spin.count() == 0) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  while (!io.stopped()) {
    if (io.poll() > 0)
      continue;
    auto until = clock::now() + spin;
    bool ran = false;
    while (!ran && !io.stopped() && clock::now() < until) {
      std::this_thread::yield();
      ran = io.poll() > 0;
    }
    // Out of work, poll() and run_one() stop the io_context, as run().
    if (!ran)
      io.run_one();
  }
}

caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                    const node_options& opts,
                                    const system::config_hook& hook) {
  cafe::set_log_level(opts.log_level);
  if (opts.threads > 0)
    cfg.set("scheduler.max-threads",
            static_cast<caf::config_value::integer>(opts.threads));
  if (hook)
    hook(cfg);
  return cfg;
}

template <class F>
void invoke_guarded(F& fn, const char* what) {
  try {
    fn();
  } catch (const std::exception& e) {
    logger().error("{} threw: {}", what, e.what());
  } catch (...) {
    logger().error("{} threw an unknown exception", what);
  }
}

} // namespace

struct system::impl {
  impl(node_options opts_arg, const config_hook& hook)
    : opts(std::move(opts_arg)), io(io_pool_size(opts)),
      work(asio::make_work_guard(io)), signal_strand(asio::make_strand(io)),
      signals(io, SIGINT, SIGTERM), actors(configure(cfg, opts, hook)) {
    // nop
  }

  void arm_signals() {
    signals.async_wait(asio::bind_executor(
      signal_strand, [this](const boost::system::error_code& ec, int sig) {
        if (ec)
          return;
        if (shutdown_requested()) {
          // Whatever hangs the shutdown, a second ^C must still end it.
          logger().warn("signal {} during shutdown: exiting now", sig);
          std::_Exit(128 + sig);
        }
        logger().info("signal {}: shutting down", sig);
        request();
        arm_signals();
      }));
  }

  void start_io() {
    auto n = io_pool_size(opts);
    io_running = static_cast<size_t>(n);
    io_threads.reserve(io_running);
    for (int i = 0; i < n; ++i)
      io_threads.emplace_back([this] { run_io(); });
  }

  void run_io() {
    // A throwing handler is a bug, but it must not take the process down
    // with std::terminate: log it and keep serving the other handlers.
    for (;;) {
      try {
        run_spinning(io, opts.io_spin);
        break;
      } catch (const std::exception& e) {
        logger().error("io_context handler threw: {}", e.what());
      } catch (...) {
        logger().error("io_context handler threw an unknown exception");
      }
    }
    {
      std::lock_guard guard{mtx};
      --io_running;
    }
    cv.notify_all();
  }

  bool shutdown_requested() const {
    std::lock_guard guard{mtx};
    return requested;
  }

  void request() {
    {
      std::lock_guard guard{mtx};
      if (requested)
        return;
      requested = true;
    }
    cv.notify_all();
  }

  void await_request() {
    std::unique_lock lock{mtx};
    cv.wait(lock, [this] { return requested; });
  }

  void teardown() {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard guard{mtx};
      if (tearing_down)
        return;
      tearing_down = true;
      requested = true;
      fns.swap(callbacks);
    }
    logger().debug("shutdown: {} callbacks", fns.size());
    for (auto i = fns.rbegin(); i != fns.rend(); ++i)
      invoke_guarded(*i, "shutdown callback");
    fns.clear();
    std::vector<caf::strong_actor_ptr> handles;
    {
      std::lock_guard guard{mtx};
      exits_sent = true;
      handles.swap(kept);
    }
    logger().debug("shutdown: stopping {} actors", handles.size());
    for (auto& hdl : handles)
      caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
    handles.clear();
    // Removing the signals restores their default action: a signal while
    // ~actor_system waits for a stuck actor still ends the process.
    asio::post(signal_strand, [this] {
      boost::system::error_code ec;
      signals.cancel(ec);
      signals.clear(ec);
    });
    work.reset();
    {
      std::unique_lock lock{mtx};
      if (!cv.wait_for(lock, io_grace_period,
                       [this] { return io_running == 0; })) {
        logger().warn("io_context still busy after shutdown: stopping it");
        io.stop();
      }
    }
    for (auto& thread : io_threads)
      thread.join();
    io_threads.clear();
    logger().debug("shutdown: io_context stopped");
  }

  node_options opts;
  // Declared before the actor system, so destroyed after it: actor state may
  // own Asio objects, which need their io_context.
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  asio::strand<asio::io_context::executor_type> signal_strand;
  asio::signal_set signals;
  std::vector<std::thread> io_threads;
  caf::actor_system_config cfg;
  caf::actor_system actors;

  mutable std::mutex mtx;
  std::condition_variable cv;
  bool requested = false;
  bool tearing_down = false;
  bool exits_sent = false;
  size_t io_running = 0;
  std::vector<std::function<void()>> callbacks;
  std::vector<caf::strong_actor_ptr> kept;
};

system::system(node_options opts, config_hook hook)
  : impl_(std::make_unique<impl>(std::move(opts), hook)) {
  impl_->arm_signals();
  impl_->start_io();
}

system::~system() {
  impl_->request();
  impl_->teardown();
}

const node_options& system::options() const noexcept {
  return impl_->opts;
}

caf::actor_system& system::actors() noexcept {
  return impl_->actors;
}

boost::asio::io_context& system::io_context() noexcept {
  return impl_->io;
}

void system::on_shutdown(std::function<void()> fn) {
  if (!fn)
    return;
  {
    std::lock_guard guard{impl_->mtx};
    if (!impl_->tearing_down) {
      impl_->callbacks.push_back(std::move(fn));
      return;
    }
  }
  invoke_guarded(fn, "shutdown callback");
}

void system::keep_alive_until_shutdown(caf::strong_actor_ptr handle) {
  if (!handle)
    return;
  {
    std::lock_guard guard{impl_->mtx};
    if (!impl_->exits_sent) {
      impl_->kept.push_back(std::move(handle));
      return;
    }
  }
  caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
}

void system::run() {
  impl_->await_request();
  impl_->teardown();
}

void system::shutdown() {
  impl_->request();
}

bool system::shutdown_requested() const noexcept {
  return impl_->shutdown_requested();
}

} // namespace cafe::runtime
