#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace cafe::etf {

/// An Erlang binary: a whole number of bytes. The bytes live in a
/// `std::string` because most binaries on the wire are short text (Elixir
/// strings), which then needs no allocation at all.
struct binary {
  std::string bytes;

  binary() = default;

  explicit binary(std::string str) : bytes(std::move(str)) {}

  explicit binary(std::string_view str) : bytes(str) {}

  explicit binary(const char* str) : bytes(str) {}

  std::string_view view() const noexcept {
    return bytes;
  }

  friend bool operator==(const binary&, const binary&) = default;
};

/// A bitstring whose size is not a multiple of 8: all bytes of `bytes`
/// are used except the last, of which only the `tail_bits` high bits are
/// (1..7). The unused low bits are kept zero, as `term_to_binary` writes.
struct bitstring {
  std::string bytes;
  uint8_t tail_bits = 8;

  size_t bit_size() const noexcept {
    return bytes.empty() ? 0 : (bytes.size() - 1) * 8 + tail_bits;
  }

  friend bool operator==(const bitstring&, const bitstring&) = default;
};

inline namespace literals {

/// `"hi"_bin` is the binary `<<"hi">>`.
inline binary operator""_bin(const char* str, size_t len) {
  return binary{std::string_view{str, len}};
}

} // namespace literals

} // namespace cafe::etf
