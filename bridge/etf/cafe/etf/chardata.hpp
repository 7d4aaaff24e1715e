#pragma once

#include "cafe/etf/term.hpp"

#include <optional>
#include <string>

namespace cafe::etf {

/// Unicode chardata as UTF-8, as unicode:characters_to_binary/1 reads it:
/// a binary, a code point, or a (possibly deep, possibly improper) list of
/// them, as the I/O protocol and io_lib carry text. Nothing for anything
/// else, a code point outside Unicode, or nesting deeper than 1,000 (what
/// a peer can make us recurse).
std::optional<std::string> chardata_to_utf8(const term& x);

} // namespace cafe::etf
