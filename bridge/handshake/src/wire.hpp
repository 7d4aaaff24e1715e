#pragma once

// Wire helpers shared by this module's sources (the big-endian ones are
// cafe/byte_order.hpp's); not installed.

#include "cafe/byte_order.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::handshake::detail {

using ::cafe::wire::as_chars;
using ::cafe::wire::get_u16;
using ::cafe::wire::get_u32;
using ::cafe::wire::get_u64;
using ::cafe::wire::put_bytes;
using ::cafe::wire::put_u16;
using ::cafe::wire::put_u32;
using ::cafe::wire::put_u64;

} // namespace cafe::handshake::detail
