#pragma once

// Wire helpers shared by this module's sources (the big-endian ones are
// cafe/byte_order.hpp's); not installed.

#include "cafe/byte_order.hpp"
#include "cafe/epmd/node_info.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::epmd::detail {

using ::cafe::wire::as_chars;
using ::cafe::wire::get_u16;
using ::cafe::wire::get_u32;
using ::cafe::wire::put_bytes;
using ::cafe::wire::put_u16;
using ::cafe::wire::put_u32;

/// The node fields ALIVE2_REQ and PORT2_RESP share: port, type, protocol,
/// versions, then the name and extra with 2-byte lengths.
void put_node_info(std::vector<uint8_t>& out, const node_info& n);

/// Number of UTF-8 characters in `str`, or -1 if it is not valid UTF-8
/// by epmd's rules (no overlong forms, no surrogates, nothing above
/// U+10FFFF).
long utf8_length(std::string_view str) noexcept;

} // namespace cafe::epmd::detail
