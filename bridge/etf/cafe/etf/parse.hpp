#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <string>
#include <string_view>

namespace cafe::etf {

/// Why term text could not be parsed, and where (byte offset).
struct parse_error {
  std::string reason;
  size_t offset = 0;
};

/// Parses one term written in Erlang syntax, as a user types it on a command
/// line: integers of any size, floats, atoms (bare or 'quoted'), "strings"
/// (charlists), <<"binaries">> and <<1,2,3>>, tuples, proper and improper
/// lists, and #{K => V} maps. A trailing '.' is allowed. Pids, references
/// and funs have no literal syntax and are rejected.
expected<term, parse_error> parse(std::string_view text);

} // namespace cafe::etf
