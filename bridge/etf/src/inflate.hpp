#pragma once

// Compressed terms (tag 80) for binary_to_term. Not installed.

#include "cafe/etf/decoder.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace cafe::etf::detail {

/// Inflates `bytes` (131, 80, UncompressedSize(4), zlib data) into the
/// announced number of bytes, which must not exceed `max_size`; anything
/// else (a different size, trailing data, a zlib error) is an error.
expected<std::vector<uint8_t>, decode_error>
inflate_term(std::span<const uint8_t> bytes, size_t max_size);

} // namespace cafe::etf::detail
