#include "cafe/etf/encoder.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/log.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <cstdint>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  using namespace cafe;
  auto bytes = etf::term_to_binary(etf::make_tuple(etf::atom{"ok"}, 1));
  // erlang:term_to_binary({ok, 1}, [{minor_version, 2}])
  const std::vector<uint8_t> expected{131, 104, 2, 119, 2, 'o', 'k', 97, 1};
  if (bytes != expected) {
    std::fputs("consumer: unexpected encoding of {ok, 1}\n", stderr);
    return 1;
  }
  auto opts = runtime::parse_node_options(argc, argv);
  if (!opts)
    return runtime::report(opts.error(), argv[0]);
  std::atomic<bool> posted = false;
  {
    runtime::system sys{*opts};
    auto worker = sys.actors().spawn([](caf::event_based_actor*) {
      return caf::behavior{[](int x) { return x; }};
    });
    sys.keep_alive_until_shutdown(worker);
    boost::asio::post(sys.io_context(), [&] { posted = true; });
    cafe::logger().info("consumer running as {}", sys.options().name);
    sys.shutdown();
    sys.run();
  }
  if (!posted) {
    std::fputs("consumer: io_context did not run\n", stderr);
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
