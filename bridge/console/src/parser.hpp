#pragma once

// The expressions of the console's Erlang subset and their parser (erl_parse
// precedence). Not installed.

#include "cafe/etf/term.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cafe::console::detail {

struct expr {
  enum class kind {
    /// A constant: `value`.
    literal,
    /// A variable: `name`.
    var,
    /// `{xs...}`.
    tuple,
    /// `[xs...]`, or `[xs... | Tail]` with `has_tail` (the last of `xs`).
    list,
    /// `#{K1 => V1, ...}`: keys and values alternate in `xs`.
    map,
    /// `name(xs...)`.
    local_call,
    /// `xs[0]:xs[1](xs[2]...)`.
    remote_call,
    /// `xs[0] ! xs[1]`.
    send,
    /// `xs[0] = xs[1]` (pattern = expression).
    match,
    /// `xs[0] name xs[1]` for the operator `name`.
    binary_op,
    /// `name xs[0]`.
    unary_op,
  };

  kind what = kind::literal;
  size_t line = 1;
  size_t column = 1;
  etf::term value;
  std::string name;
  std::vector<expr> xs;
  bool has_tail = false;
};

/// Where and why a form did not parse (or scan).
struct syntax_failure {
  std::string message;
  size_t line = 1;
  size_t column = 1;
};

/// Parses one form (`E1, ..., En.`); throws `syntax_failure`.
std::vector<expr> parse_form(std::string_view form);

} // namespace cafe::console::detail
