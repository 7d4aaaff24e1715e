#pragma once

// The expand fun an `iex --remsh` console needs from the node its shell runs
// on. Not installed.

#include "cafe/etf/term.hpp"
#include "cafe/node/node.hpp"

#include <chrono>
#include <optional>

namespace cafe::console::detail {

/// `IEx.Autocomplete.remsh(self)`, made on `iex_node` (the console's node,
/// which runs IEx), waiting up to `timeout`: the fun IEx.start/2 installs
/// in its group leader on the node it runs on. Called in the console's
/// group process, it asks `self` for `IEx.Autocomplete.expand(Before,
/// Shell)` by rpc. Nothing (and a log line) when `iex_node` gives no fun.
/// Blocks: never on an io thread. IEx.CLI gives the console's group no
/// expand fun (only erl's own -remsh does), so without this it completes
/// from its own node's modules.
std::optional<etf::term>
iex_expand_fun(node::node& self, etf::atom iex_node,
               std::chrono::milliseconds timeout = std::chrono::seconds{5});

} // namespace cafe::console::detail
