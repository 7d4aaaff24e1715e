#include "demo_exports.hpp"

#include "cafe/actor/exit_reasons.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/rpc/outcome.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <chrono>

namespace cafe::apps {

namespace {

using namespace etf::literals;
using done_atom = caf::atom_constant<caf::atom("done")>;

caf::behavior worker(caf::event_based_actor* self,
                     std::shared_ptr<actor::bridge> br, etf::term name) {
  return {
    [=](const etf::term& msg) {
      etf::pid from;
      etf::term reason;
      auto me = [&] { return br->pid_of(caf::actor_cast<caf::actor>(self)); };
      if (etf::match(msg, &from, "ping"_atom))
        self->send(br->actor_of(from), etf::make_tuple(me(), "pong"_atom));
      else if (etf::match(msg, &from, "name"_atom))
        self->send(br->actor_of(from), etf::make_tuple(me(), name));
      else if (msg == etf::term{"stop"_atom})
        self->quit();
      else if (etf::match(msg, "exit"_atom, &reason))
        self->quit(actor::to_error(reason));
    },
  };
}

} // namespace

void add_demo_exports(rpc::exports& table, caf::actor_system& sys,
                      std::shared_ptr<actor::bridge> br) {
  // Functions that never block run on the io thread that got the call.
  using rpc::execution;
  table
    .add(
      "cafe_demo", "add", [](int64_t a, int64_t b) { return a + b; },
      execution::caller_thread)
    .add(
      "cafe_demo", "echo", [](etf::term x) { return x; },
      execution::caller_thread)
    .add(
      "cafe_demo", "fail",
      [](etf::term reason) -> etf::term {
        rpc::raise_error(std::move(reason));
      },
      execution::caller_thread)
    .add_async("cafe_demo", "slow", 1,
               [&sys](const rpc::call& c, rpc::responder done) {
                 auto ms = actor::from_term<int64_t>(c.args[0]);
                 if (!ms || *ms < 0)
                   rpc::detail::raise_badarg();
                 sys.spawn([ms = *ms, done](
                             caf::event_based_actor* self) -> caf::behavior {
                   self->delayed_send(self, std::chrono::milliseconds{ms},
                                      done_atom::value);
                   return {
                     [=](done_atom) {
                       done(rpc::outcome::returned(etf::term{"ok"_atom}));
                       self->quit();
                     },
                   };
                 });
               })
    .add_spawnable_raw(
      "cafe_demo", "worker", 1,
      [br](caf::actor_system& s, const etf::list& args) {
        return s.spawn(worker, br, args[0]);
      },
      actor::delivery::raw);
}

} // namespace cafe::apps
