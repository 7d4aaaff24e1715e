#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "example_actors.hpp"

#include <caf/actor_cast.hpp>

namespace cafe::apps {

caf::behavior echo(caf::event_based_actor* self,
                   std::shared_ptr<actor::bridge> br) {
  return {
    [=](const etf::term& msg) {
      etf::pid from;
      etf::term payload;
      if (!etf::match(msg, &from, &payload)) {
        cafe::logger().info("echo: ignoring {}", etf::to_string(msg));
        return;
      }
      auto me = br->pid_of(caf::actor_cast<caf::actor>(self));
      self->send(br->actor_of(from), etf::make_tuple(me, std::move(payload)));
    },
  };
}

} // namespace cafe::apps
