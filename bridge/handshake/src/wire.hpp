#pragma once

// Big-endian helpers shared by this module's sources; not installed.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::handshake::detail {

inline void put_u16(std::vector<uint8_t>& out, uint16_t x) {
  out.push_back(static_cast<uint8_t>(x >> 8));
  out.push_back(static_cast<uint8_t>(x));
}

inline void put_u32(std::vector<uint8_t>& out, uint32_t x) {
  put_u16(out, static_cast<uint16_t>(x >> 16));
  put_u16(out, static_cast<uint16_t>(x));
}

inline void put_u64(std::vector<uint8_t>& out, uint64_t x) {
  put_u32(out, static_cast<uint32_t>(x >> 32));
  put_u32(out, static_cast<uint32_t>(x));
}

inline void put_bytes(std::vector<uint8_t>& out, std::string_view str) {
  out.insert(out.end(), str.begin(), str.end());
}

inline uint16_t get_u16(std::span<const uint8_t> in, size_t pos) {
  return static_cast<uint16_t>((in[pos] << 8) | in[pos + 1]);
}

inline uint32_t get_u32(std::span<const uint8_t> in, size_t pos) {
  return (uint32_t{get_u16(in, pos)} << 16) | get_u16(in, pos + 2);
}

inline uint64_t get_u64(std::span<const uint8_t> in, size_t pos) {
  return (uint64_t{get_u32(in, pos)} << 32) | get_u32(in, pos + 4);
}

inline std::string_view as_chars(std::span<const uint8_t> in) {
  return {reinterpret_cast<const char*>(in.data()), in.size()};
}

} // namespace cafe::handshake::detail
