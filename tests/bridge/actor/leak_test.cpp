// 100,000 short-lived CAF actors each make a round trip with a real erl
// echo process; afterwards no pid, proxy or node process is left, and the
// sanitizer build (LeakSanitizer) finds nothing leaked at exit.

#include "cafe/actor/bridge.hpp"
#include "cafe/test/env.hpp"
#include "interop_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

using done_atom = caf::atom_constant<caf::atom("done")>;

/// Sends `{self(), I}` to the echo, waits for `{EchoPid, I}`, reports and
/// ends: a pid, a proxy for the echo's pid, and gone.
caf::behavior round_trip(caf::event_based_actor* self, caf::actor echo,
                         int64_t i, caf::actor report_to) {
  self->send(echo, caf::actor_cast<caf::actor>(self), i);
  return {
    [=](const caf::actor&, int64_t j) {
      self->send(report_to, done_atom::value, j == i);
      self->quit();
    },
  };
}

class leak : public interop_fixture {};

TEST_F(leak, short_lived_actors_leave_nothing_behind) {
  auto total = env_uint("CAFE_LEAK_ACTORS", 100000);
  // Actors alive at once: enough to overlap round trips, few enough that
  // the sanitizer build stays within its time.
  const uint64_t window = 256;
  auto cafe = start_cafe();
  auto a = start_erl("a");
  ASSERT_TRUE(a->eval("cafe_peer:start_echo(echo)").is<etf::pid>());
  auto baseline = cafe->process_count();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  {
    actor::bridge br{sys, cafe};
    auto echo = br.remote("echo"_atom, a->name());
    caf::scoped_actor self{sys};
    auto report = caf::actor_cast<caf::actor>(self);
    uint64_t started = 0;
    uint64_t finished = 0;
    uint64_t wrong = 0;
    auto deadline = clock::now() + 240s;
    while (finished < total && clock::now() < deadline) {
      while (started < total && started - finished < window)
        sys.spawn(round_trip, echo, static_cast<int64_t>(started++), report);
      self->receive([&](done_atom, bool ok) { ++finished, wrong += !ok; },
                    caf::after(std::chrono::seconds{10}) >>
                      [&] {
                        ADD_FAILURE() << "no reply within 10 s";
                        deadline = clock::now();
                      });
    }
    ASSERT_EQ(finished, total);
    EXPECT_EQ(wrong, 0u);
    // Everything those actors were given on the Erlang side goes with them.
    EXPECT_TRUE(eventually([&] { return br.process_count() == 0; }, 10s))
      << br.process_count() << " pids left";
    // The echo name proxy is still held here; the echo pid's proxies are
    // released with the last actor that saw them.
    EXPECT_TRUE(eventually([&] { return br.proxy_count() == 1; }, 10s))
      << br.proxy_count() << " proxies left";
    EXPECT_TRUE(
      eventually([&] { return cafe->process_count() == baseline + 1; }, 10s))
      << cafe->process_count() << " node processes, " << baseline
      << " before (+1 for the bridge's anonymous sender)";
  }
  EXPECT_TRUE(
    eventually([&] { return cafe->process_count() == baseline; }, 10s));
  // erl saw every message: its echo still runs and answers.
  EXPECT_EQ(a->eval("is_pid(whereis(echo))"), etf::term{true});
}

} // namespace
