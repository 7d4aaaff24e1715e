#pragma once

#include "cafe/node/config.hpp"
#include "cafe/runtime/node_options.hpp"

namespace cafe::runtime {

/// The node settings of the erl-style flags every program shares (name,
/// cookie, EPMD port and addresses, listener, hidden, ticktime); the rest
/// keep their defaults.
node::config node_config(const node_options& opts);

} // namespace cafe::runtime
