#include "cafe/test/hex.hpp"

#include <stdexcept>

namespace cafe::test {

namespace {

int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    result += digits[b >> 4];
    result += digits[b & 0x0f];
  }
  return result;
}

std::vector<uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    throw std::invalid_argument("odd number of hex digits");
  std::vector<uint8_t> result;
  result.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    auto hi = digit_value(hex[i]);
    auto lo = digit_value(hex[i + 1]);
    if (hi < 0 || lo < 0)
      throw std::invalid_argument("invalid hex digit at " + std::to_string(i));
    result.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return result;
}

} // namespace cafe::test
