#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/rpc/exports.hpp"

namespace cafe::console {

/// `edlin_expand:expand/1` over an export table, for tab completion in a
/// remote shell: `before` is the text before the cursor as group.erl passes
/// it (a charlist, reversed). Completes module names (adding ':') and, after
/// `Mod:`, the module's function names (adding '(' or, for the only
/// function of arity 0, '()'). Answers `{yes | no, Chars, Matches}` exactly
/// as OTP 25 does, Matches as `[{Name, Arity}]` (`[{Name, []}]` for
/// modules); `{no, [], []}` for anything it cannot read.
etf::term expand(const rpc::exports& table, const etf::term& before);

} // namespace cafe::console
