#pragma once

// The tokens of the console's Erlang subset, as erl_scan reads them. Not
// installed.

#include "cafe/etf/term.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::console::detail {

enum class token_kind {
  /// A bare or 'quoted' atom; `value` holds it.
  atom,
  /// A variable; `text` is its name.
  var,
  /// An integer, float, $char or "string" (a charlist); `value` holds it.
  literal,
  /// A reserved word (div, case, ...); `text` is the word.
  keyword,
  /// Punctuation and operators: ( ) [ ] { } , | : ! = == << >> ...
  punct,
  /// The end of a form: '.' followed by white space.
  dot,
  /// The end of the input.
  end,
};

struct token {
  token_kind kind = token_kind::end;
  /// The source text of the token.
  std::string text;
  etf::term value;
  /// Byte offset in the input, and 1-based line and column.
  size_t offset = 0;
  size_t line = 1;
  size_t column = 1;
};

/// Why the input could not be scanned.
struct scan_error {
  std::string message;
  size_t line = 1;
  size_t column = 1;
};

/// The byte length of the first complete form of `input`: everything up to
/// and including the first '.' that is followed by white space or a '%'
/// (as erl_scan:tokens/3 sees a form end), skipping strings, quoted atoms,
/// $-characters and comments. None while the form is incomplete.
std::optional<size_t> form_length(std::string_view input);

/// Scans `input` (one form) into tokens ending with `end`; a '.' terminator
/// becomes a `dot` token.
std::vector<token> scan(std::string_view input,
                        std::optional<scan_error>& error);

/// The token as erl_parse names it in "syntax error before: ...".
std::string describe(const token& x);

} // namespace cafe::console::detail
