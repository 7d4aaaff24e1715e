#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/outcome.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::console {

/// What evaluating needs from its surroundings: the only way the evaluator
/// reaches the node, so it can run against a fake in tests.
class host {
public:
  virtual ~host();

  /// Runs `M:F(Args)` (the export table) and returns how it ended. May
  /// block: the evaluator runs on a thread of its own.
  virtual rpc::outcome apply(const rpc::call& c) = 0;

  /// `To ! Msg` for a pid, a registered name or `{Name, Node}`; false when
  /// `To` names nothing a message can go to (badarg).
  virtual bool send(const etf::term& to, const etf::term& msg) = 0;

  /// The pid of the evaluating process (`self()`), or `[]` if it has none.
  virtual etf::term self() = 0;

  /// Takes the messages the evaluating process received (`flush()`).
  virtual std::vector<etf::term> flush();
};

/// Variable bindings, by name.
using bindings = std::map<std::string, etf::term>;

/// How one form ended.
struct evaluation {
  enum class status {
    /// It returned `value`.
    value,
    /// It raised: `kind` with `value` as reason and `stack`.
    exception,
    /// It did not parse (`message` at `line`:`column`); the shell keeps its
    /// prompt number.
    syntax_error,
    /// It parsed but cannot run (an unbound variable): `message` at
    /// `line`:`column`.
    lint_error,
    /// `q()`: the session ends.
    quit,
  };

  status what = status::value;
  etf::term value;
  rpc::outcome_class kind = rpc::outcome_class::returned;
  etf::term stack;
  std::string message;
  size_t line = 1;
  size_t column = 1;
  /// Text a shell command printed before its value (help(), b(), flush()).
  std::string output;
};

/// Evaluates the part of Erlang the remote console offers, one form at a
/// time, keeping variable bindings between forms:
///
/// - `Mod:Fun(Args...)` against the export table (`Mod` and `Fun` may be
///   variables bound to atoms), and the auto-imported BIFs a node answers
///   (`node()`, `nodes()`, `registered()`, `whereis(N)`, `halt()`, ... as
///   `erlang:F(...)`); `self()`, `throw/1`, `error/1,2`, `exit/1`;
/// - terms: integers of any size (also `16#FF`, `$a`, `1_000`), floats,
///   atoms, "strings", `<<"binaries">>`, tuples, lists, maps;
/// - `Pattern = Expr` (patterns of variables, `_`, literals, tuples and
///   lists; a bound variable must match, or it is a badmatch as in Erlang),
///   `To ! Msg`, the operators `+ - * / div rem ++ -- == /= =:= =/= < > =<
///   >= not`, `( )`, several expressions separated by `,`;
/// - the shell commands `help()`, `b()`, `f()`, `f(X)`, `flush()`, `q()`.
///
/// Anything else is a clear error, never a crash. Bindings change only
/// when a form succeeds, as in the Erlang shell.
class evaluator {
public:
  /// `shell_commands` off is erl_eval without a shell (eval_str): help()
  /// and friends are undefined there.
  explicit evaluator(host& h, bool shell_commands = true);

  /// The byte length of the first complete form of `input` (up to a '.'
  /// followed by white space), or none while more input is needed.
  static std::optional<size_t> form_length(std::string_view input);

  /// Evaluates one form (from `form_length`).
  evaluation eval(std::string_view form);

  const ::cafe::console::bindings& bindings() const noexcept {
    return bindings_;
  }

private:
  host& host_;
  bool shell_commands_;
  ::cafe::console::bindings bindings_;
};

/// The shell's text for `x`, as the Erlang shell prints it, ending with a
/// newline: the value, `** exception error: undefined function m:f/1`,
/// `* 1:5: syntax error before: '.'`, ...
std::string format_shell(const evaluation& x);

/// `x` as `erl_eval:eval_str/1` answers: `{ok, Value}` or `{error,
/// String}`.
etf::term format_eval_str(const evaluation& x);

/// The text of the Erlang shell's report of an exception, without the
/// leading `** exception `: `error: bad argument\n     in function ...`.
std::string format_exception(rpc::outcome_class kind, const etf::term& reason,
                             const etf::term& stack);

/// `erl_eval:eval_str/1` over `text` with fresh bindings: `{ok, Value}`,
/// or `{error, String}` in OTP's words (incomplete form, text after the
/// form, `*** syntax error before: ...`, `*** eval: ...`).
etf::term eval_str(host& h, std::string_view text);

} // namespace cafe::console
