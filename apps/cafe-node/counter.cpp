#include "example_actors.hpp"

#include <caf/stateful_actor.hpp>

namespace cafe::apps {

namespace {

using incr_atom = caf::atom_constant<caf::atom("incr")>;
using value_atom = caf::atom_constant<caf::atom("value")>;

} // namespace

caf::behavior counter(caf::stateful_actor<int64_t>* self) {
  return {
    [=](incr_atom) { return ++self->state; },
    [=](caf::add_atom, int64_t n) { return self->state += n; },
    [=](caf::get_atom) { return self->state; },
    [=](caf::reset_atom) { self->state = 0; },
    // A plain message {Pid, get}: Pid arrives as a CAF handle.
    [=](const caf::actor& from, caf::get_atom) {
      self->send(from, value_atom::value, self->state);
    },
  };
}

} // namespace cafe::apps
