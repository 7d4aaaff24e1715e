#pragma once

#include "cafe/etf/identifiers.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace cafe::actor {

/// What converting between messages and terms needs from the bridge: pids
/// become actor handles and back. The bridge implements it; tests of the
/// mapping implement it without a node.
class term_context {
public:
  virtual ~term_context();

  /// The handle for the process `x`: the local actor it belongs to, or a
  /// proxy that forwards to it.
  virtual caf::actor actor_of(const etf::pid& x) = 0;

  /// The pid of `x`, given one if it has none yet.
  virtual etf::pid pid_of(const caf::strong_actor_ptr& x) = 0;
};

} // namespace cafe::actor
