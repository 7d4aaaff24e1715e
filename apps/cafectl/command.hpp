#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cafe::cafectl {

/// The things cafectl can do, one per invocation.
enum class verb : uint8_t { ping, nodes, send, call, rpc };

/// One invocation's operands, checked: `ping NODE`, `nodes NODE`,
/// `send NODE NAME TERM`, `call NODE NAME TERM` or `rpc NODE M F ARGS`.
struct command {
  cafectl::verb verb = verb::ping;
  /// As given: `alive@host`, or just `alive` for a node on this host.
  std::string node;
  /// The registered name (send and call only).
  etf::atom name;
  /// The message (send) or the request (call).
  etf::term term;
  /// The function to call (rpc only).
  etf::atom module;
  etf::atom function;
  /// Its arguments (rpc only): ARGS, a proper list.
  etf::list args;
};

/// Checks the operands and parses TERM (cafe::etf::parse). The error is a
/// one-line reason for stderr; the caller exits with `exit_code::usage`.
expected<command, std::string>
parse_command(const std::vector<std::string>& operands);

/// Whether cafectl must use long names to talk to `node`: its host part has
/// a dot (or is an IPv6 literal), as `erl -name` requires.
bool needs_long_names(const command& cmd);

/// The full name of the target node: `cmd.node`, completed with the host of
/// `self` (cafectl's own node name) when it has no host part.
expected<etf::atom, std::string> target_node(const command& cmd,
                                             etf::atom self);

} // namespace cafe::cafectl
