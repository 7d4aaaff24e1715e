#pragma once

#include "cafe/etf/atom.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <functional>

namespace cafe::etf {

/// An Erlang process identifier. With V4_NC (mandatory from OTP 26) `id` and
/// `serial` carry full 32 bits; they are echoed bit-exactly.
struct pid {
  atom node;
  uint32_t id = 0;
  uint32_t serial = 0;
  uint32_t creation = 0;

  friend bool operator==(const pid&, const pid&) = default;
};

/// An Erlang port identifier (64-bit id since V4_NC).
struct port {
  atom node;
  uint64_t id = 0;
  uint32_t creation = 0;

  friend bool operator==(const port&, const port&) = default;
};

/// An Erlang reference: 1 to 5 id words (process aliases use more than the
/// classic 3). Words past `size` are kept zero so `==` stays meaningful.
struct reference {
  static constexpr uint8_t max_words = 5;

  atom node;
  uint32_t creation = 0;
  uint8_t size = 0;
  std::array<uint32_t, max_words> words{};

  friend bool operator==(const reference&, const reference&) = default;
};

} // namespace cafe::etf

template <>
struct std::hash<cafe::etf::pid> {
  size_t operator()(const cafe::etf::pid& x) const noexcept {
    auto h = x.node.hash();
    h ^= (uint64_t{x.id} << 32 | x.serial) * 0x9E3779B97F4A7C15ull;
    return h ^ (x.creation * 0xC2B2AE3D27D4EB4Full);
  }
};

template <>
struct std::hash<cafe::etf::reference> {
  size_t operator()(const cafe::etf::reference& x) const noexcept {
    auto h = x.node.hash() ^ (x.creation * 0xC2B2AE3D27D4EB4Full);
    for (size_t i = 0; i < x.size; ++i)
      h = (h ^ x.words[i]) * 0x9E3779B97F4A7C15ull;
    return h;
  }
};
