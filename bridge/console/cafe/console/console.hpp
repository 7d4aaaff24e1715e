#pragma once

#include "cafe/node/node.hpp"
#include "cafe/rpc/exports.hpp"

#include <cstddef>
#include <memory>

namespace cafe::console {

/// Limits of the remote console.
struct options {
  /// Shell sessions open at once; `shell:start()` beyond it raises
  /// `system_limit`.
  size_t max_sessions = 32;
  /// `erl_eval:eval_str/1` calls running at once; more raise
  /// `system_limit`.
  size_t max_evals = 16;
  /// Input a form may grow to before it is discarded.
  size_t max_form_bytes = 1 << 20;
};

/// The remote console's sessions (`erl -remsh`, `iex --remsh`) and
/// `erl_eval:eval_str/1` calls (`erl_call -e`), each on a thread of its own
/// so that a slow C++ function never stalls an io thread or the CAF
/// scheduler. Destroying it ends every session (the group leaders see the
/// shell exit `killed`) and waits for their threads: destroy it before the
/// export table and the node.
class console {
public:
  struct state;

  explicit console(std::shared_ptr<state> st);

  ~console();

  console(const console&) = delete;
  console& operator=(const console&) = delete;

  /// Shell sessions open right now.
  size_t sessions() const;

private:
  std::shared_ptr<state> state_;
};

/// Adds to `table` what a remote shell calls on the node it opens on, all
/// running expressions with `console::evaluator` against `table`:
///
/// - `shell:start/0`, which group.erl calls by rpc for `erl -remsh`: starts
///   a shell process talking to the call's group leader and returns its
///   pid (the group links to it);
/// - `code:ensure_loaded/1` (`{module, M}` for a module of the table and
///   for `'Elixir.IEx'`, else `{error, nofile}`) and `'Elixir.IEx':start/2`,
///   which Elixir's IEx.CLI calls for `iex --remsh`: the same shell with an
///   `iex(node)N> ` prompt (Erlang syntax, not Elixir);
/// - `edlin_expand:expand/1,2` for tab completion of the table's module
///   and function names under `erl -remsh`, and
///   `'Elixir.IEx.Autocomplete':expand/1,2` for the same under `iex
///   --remsh` (an iex session installs IEx's remote expand fun in its group
///   leader, as IEx does on the node it runs on: see `iex_expand`);
/// - `erl_eval:eval_str/1` for `erl_call -e`, answering `{ok, Value}` or
///   `{error, String}` as OTP does.
///
/// `q()` ends a session and leaves the node running; `init:stop()` and
/// `halt()` are calls like any other (with rpc::add_builtins, they stop the
/// node, as on BEAM).
std::unique_ptr<console> add_console(rpc::exports& table,
                                     std::weak_ptr<node::node> self,
                                     options opts = {});

} // namespace cafe::console
