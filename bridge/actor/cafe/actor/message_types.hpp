#pragma once

// Erlang values as CAF message elements, and the atoms of the messages the
// bridge itself sends to actors.

#include "cafe/etf/print.hpp"
#include "cafe/etf/term.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace cafe::actor {

/// `(nodeup_atom, etf::atom node)`: a node connected (monitor_nodes).
using nodeup_atom = caf::atom_constant<caf::atom("nodeup")>;

/// `(nodedown_atom, etf::atom node)`: a node disconnected.
using nodedown_atom = caf::atom_constant<caf::atom("nodedown")>;

} // namespace cafe::actor

// Terms travel inside the process only (never serialized by CAF); CAF
// prints them with cafe::etf::to_string, found by ADL.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::etf::term)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::etf::atom)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::etf::pid)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::etf::reference)
