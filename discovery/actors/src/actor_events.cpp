#include "cafe/discovery/actor_events.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace cafe::discovery {

void forward_events(keeper& k, const caf::actor& subscriber) {
  // Weak: the keeper must not keep the subscriber alive.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(subscriber);
  k.on_event([weak](const event& ev) {
    auto dest = caf::actor_cast<caf::actor>(weak.lock());
    if (!dest)
      return;
    if (ev.up)
      caf::anon_send(dest, actor::nodeup_atom::value, ev.node, ev.sources);
    else
      caf::anon_send(dest, actor::nodedown_atom::value, ev.node, ev.sources);
  });
}

} // namespace cafe::discovery
