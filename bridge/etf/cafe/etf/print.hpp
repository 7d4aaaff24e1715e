#pragma once

#include "cafe/etf/term.hpp"

#include <iosfwd>
#include <string>

namespace cafe::etf {

/// Renders `x` in Erlang syntax, close to `io_lib:format("~p")` on one line:
/// quoted atoms where needed, `<<"text">>` for printable binaries, "text" for
/// printable charlists, `#Ref<...>` and `<node.id.serial>` forms for
/// identifiers. For logs and error messages.
std::string to_string(const term& x);

std::ostream& operator<<(std::ostream& out, const term& x);

} // namespace cafe::etf
