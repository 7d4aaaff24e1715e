#pragma once

#include "cafe/byte_order.hpp"

#include <cstdint>

namespace cafe::distribution::detail {

// Big-endian 64-bit fields of fragment headers.
using ::cafe::wire::get_u64;
using ::cafe::wire::put_u64;

} // namespace cafe::distribution::detail
