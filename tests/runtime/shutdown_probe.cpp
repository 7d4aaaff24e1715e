// Started by runtime.system: prints "ready" once a long-lived actor and a
// pending Asio operation exist, then waits for a signal. Exits 0 only if the
// shutdown callback ran and the actor exited with user_shutdown.

#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <chrono>
#include <iostream>
#include <memory>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  bool keep_io_busy = false;
  po::options_description extra{"Probe options"};
  extra.add_options()(
    "keep-io-busy", po::bool_switch(&keep_io_busy),
    "leave an Asio timer pending at shutdown (tests the grace period)");
  po::variables_map values;
  auto opts = cafe::runtime::parse_node_options(argc, argv, extra, values);
  if (!opts)
    return cafe::runtime::report(opts.error(), argv[0]);
  std::atomic<bool> callback_ran = false;
  auto worker_exit = std::make_shared<std::atomic<int>>(-1);
  {
    cafe::runtime::system sys{*opts};
    auto worker = sys.actors().spawn(
      [worker_exit](caf::event_based_actor* self) -> caf::behavior {
        self->attach_functor([worker_exit](const caf::error& reason) {
          *worker_exit = reason.code();
        });
        return {[](int x) { return x; }};
      });
    sys.keep_alive_until_shutdown(worker);
    auto timer = std::make_shared<boost::asio::steady_timer>(
      sys.io_context(), std::chrono::hours{1});
    timer->async_wait([timer](const boost::system::error_code&) {});
    sys.on_shutdown([&sys, &callback_ran, keep_io_busy, timer] {
      callback_ran = true;
      if (!keep_io_busy)
        boost::asio::post(sys.io_context(), [timer] { timer->cancel(); });
    });
    std::cout << "ready" << std::endl;
    sys.run();
  }
  std::cout << "shutdown complete" << std::endl;
  if (!callback_ran) {
    std::cerr << "shutdown callback did not run" << std::endl;
    return 3;
  }
  if (*worker_exit != static_cast<int>(caf::exit_reason::user_shutdown)) {
    std::cerr << "worker exit reason: " << *worker_exit << std::endl;
    return 4;
  }
  return 0;
}
