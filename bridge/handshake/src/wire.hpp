#pragma once

// Big-endian helpers shared by this module's sources; not installed.

#include "cafe/byte_order.hpp"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::handshake::detail {

using ::cafe::wire::put_u16;
using ::cafe::wire::put_u32;
using ::cafe::wire::put_u64;

inline void put_bytes(std::vector<uint8_t>& out, std::string_view str) {
  out.insert(out.end(), str.begin(), str.end());
}

inline uint16_t get_u16(std::span<const uint8_t> in, size_t pos) {
  return ::cafe::wire::get_u16(in.data() + pos);
}

inline uint32_t get_u32(std::span<const uint8_t> in, size_t pos) {
  return ::cafe::wire::get_u32(in.data() + pos);
}

inline uint64_t get_u64(std::span<const uint8_t> in, size_t pos) {
  return ::cafe::wire::get_u64(in.data() + pos);
}

inline std::string_view as_chars(std::span<const uint8_t> in) {
  return {reinterpret_cast<const char*>(in.data()), in.size()};
}

} // namespace cafe::handshake::detail
