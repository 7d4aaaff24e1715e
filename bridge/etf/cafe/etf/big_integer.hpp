#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cafe::etf {

/// An integer outside the range of `int64_t`, kept exactly as the wire
/// carries it: a sign and a little-endian magnitude with no high zero bytes.
/// Integers that fit `int64_t` are never stored as `big_integer`, so every
/// value has one representation and equality is plain comparison.
struct big_integer {
  bool negative = false;
  std::vector<uint8_t> magnitude;

  /// Normalizes a sign and little-endian magnitude: strips high zero bytes
  /// and returns `int64_t` when the value fits.
  static std::optional<int64_t> fits_int64(bool negative, const uint8_t* digits,
                                           size_t n) noexcept;

  /// The value as base-10 text, e.g. for printing in Erlang syntax.
  std::string to_string() const;

  /// Parses optional '-' and decimal digits.
  static std::optional<big_integer> from_string(std::string_view digits);

  friend bool operator==(const big_integer&, const big_integer&) = default;
};

/// Orders by numeric value.
std::strong_ordering compare(const big_integer& x, const big_integer& y);

} // namespace cafe::etf
