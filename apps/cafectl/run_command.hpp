#pragma once

#include "cafe/node/node.hpp"
#include "command.hpp"
#include "exit_code.hpp"

#include <chrono>
#include <iosfwd>

namespace cafe::cafectl {

/// Carries out `cmd` from the started node `self` within `timeout`: prints
/// the answer (pong, a reply, nodes()) in Erlang syntax on `out` and any
/// diagnostic on `err`. Blocks; never call it on an io thread.
exit_code run_command(node::node& self, const command& cmd,
                      std::chrono::milliseconds timeout, std::ostream& out,
                      std::ostream& err);

} // namespace cafe::cafectl
