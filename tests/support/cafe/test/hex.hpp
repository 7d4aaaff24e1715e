#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::test {

/// Lowercase hex, two digits a byte.
std::string to_hex(std::span<const uint8_t> bytes);

/// Parses hex of either case; throws `std::invalid_argument` on an odd
/// length or a non-hex digit.
std::vector<uint8_t> from_hex(std::string_view hex);

} // namespace cafe::test
