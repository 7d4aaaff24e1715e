#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::wire {

// Big-endian integers, as every Erlang wire format writes them. Readers take
// a pointer the caller has bounds-checked; writers either fill a buffer
// sized beforehand (returning the position after) or append to a vector.

inline uint16_t get_u16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

inline uint32_t get_u32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8)
         | uint32_t{p[3]};
}

inline uint64_t get_u64(const uint8_t* p) noexcept {
  return (uint64_t{get_u32(p)} << 32) | get_u32(p + 4);
}

inline uint8_t* put_u16(uint8_t* p, uint16_t x) noexcept {
  p[0] = static_cast<uint8_t>(x >> 8);
  p[1] = static_cast<uint8_t>(x);
  return p + 2;
}

inline uint8_t* put_u32(uint8_t* p, uint32_t x) noexcept {
  p[0] = static_cast<uint8_t>(x >> 24);
  p[1] = static_cast<uint8_t>(x >> 16);
  p[2] = static_cast<uint8_t>(x >> 8);
  p[3] = static_cast<uint8_t>(x);
  return p + 4;
}

inline uint8_t* put_u64(uint8_t* p, uint64_t x) noexcept {
  put_u32(p, static_cast<uint32_t>(x >> 32));
  return put_u32(p + 4, static_cast<uint32_t>(x));
}

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

// Span forms for parsers that track an offset into a checked message.

inline uint16_t get_u16(std::span<const uint8_t> in, size_t pos) noexcept {
  return get_u16(in.data() + pos);
}

inline uint32_t get_u32(std::span<const uint8_t> in, size_t pos) noexcept {
  return get_u32(in.data() + pos);
}

inline uint64_t get_u64(std::span<const uint8_t> in, size_t pos) noexcept {
  return get_u64(in.data() + pos);
}

inline void put_bytes(std::vector<uint8_t>& out, std::string_view str) {
  out.insert(out.end(), str.begin(), str.end());
}

inline std::string_view as_chars(std::span<const uint8_t> in) noexcept {
  return {reinterpret_cast<const char*>(in.data()), in.size()};
}

} // namespace cafe::wire
