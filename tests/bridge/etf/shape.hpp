#pragma once

#include "cafe/etf/term.hpp"

#include <string_view>

namespace cafe::test {

/// Builds the term a golden vector's shape column describes (prefix notation,
/// documented in golden/gen_golden.erl) by constructing it directly, so the
/// expected structure of a vector never depends on the decoder under test.
/// Throws `std::invalid_argument` on malformed text.
etf::term parse_shape(std::string_view text);

} // namespace cafe::test
