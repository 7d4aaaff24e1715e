#pragma once

#include "cafe/actor/message_types.hpp"
#include "cafe/discovery/keeper.hpp"

#include <caf/actor.hpp>
#include <string>
#include <vector>

namespace cafe::discovery {

/// Tells `subscriber` of every node the keeper sees come and go, with the
/// plugins that found it: `(actor::nodeup_atom, etf::atom node,
/// std::vector<std::string> plugins)` and the same with
/// `actor::nodedown_atom`, while the subscriber lives.
void forward_events(keeper& k, const caf::actor& subscriber);

} // namespace cafe::discovery
