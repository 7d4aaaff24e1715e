#pragma once

#include <cstdint>

namespace cafe::dist::detail {

/// Big-endian 64-bit fields of fragment headers.
inline void put_u64(uint8_t* out, uint64_t x) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(x & 0xFF);
    x >>= 8;
  }
}

inline uint64_t get_u64(const uint8_t* in) noexcept {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i)
    x = (x << 8) | in[i];
  return x;
}

} // namespace cafe::dist::detail
