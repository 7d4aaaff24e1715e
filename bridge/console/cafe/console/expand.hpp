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

/// `'Elixir.IEx.Autocomplete':expand/1,2` over an export table: what the
/// expand fun of an `iex --remsh` console calls on the node it opens on
/// (IEx 1.14's IEx.Autocomplete.remsh/1, which a session installs in its
/// group leader). `before` as for `expand`. Answers in IEx's shape, `{yes |
/// no, Hint, Entries}` with charlists, Entries as `"name/arity"` for
/// functions and `"name"` for modules, `yes` whenever there are some. Reads
/// IEx's spelling of Erlang names as IEx does (`:cafe_d` adds `emo`, a
/// whole `:cafe_demo` adds `.`, `:cafe_demo.` lists the functions,
/// `:cafe_demo.a` adds the rest of the name), and the Erlang syntax the
/// console evaluates as `expand` does (`cafe_d` adds `emo:`, `cafe_demo:`
/// lists the functions, `cafe_demo:a` adds `dd(`).
etf::term iex_expand(const rpc::exports& table, const etf::term& before);

} // namespace cafe::console
