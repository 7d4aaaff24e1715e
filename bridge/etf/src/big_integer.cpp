#include "cafe/etf/big_integer.hpp"

#include <algorithm>

namespace cafe::etf {

std::optional<int64_t> big_integer::fits_int64(bool negative,
                                               const uint8_t* digits,
                                               size_t n) noexcept {
  while (n > 0 && digits[n - 1] == 0)
    --n;
  if (n > 8)
    return std::nullopt;
  uint64_t mag = 0;
  for (size_t i = n; i > 0; --i)
    mag = (mag << 8) | digits[i - 1];
  if (!negative) {
    if (mag > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(mag);
  }
  if (mag > static_cast<uint64_t>(INT64_MAX) + 1)
    return std::nullopt;
  return static_cast<int64_t>(~mag + 1); // two's complement of the magnitude
}

std::string big_integer::to_string() const {
  // Repeated division by 10^9 on a little-endian copy of the magnitude.
  std::vector<uint32_t> words((magnitude.size() + 3) / 4, 0);
  for (size_t i = 0; i < magnitude.size(); ++i)
    words[i / 4] |= uint32_t{magnitude[i]} << (8 * (i % 4));
  std::string out;
  while (!words.empty()) {
    uint64_t rem = 0;
    for (size_t i = words.size(); i > 0; --i) {
      uint64_t cur = (rem << 32) | words[i - 1];
      words[i - 1] = static_cast<uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (!words.empty() && words.back() == 0)
      words.pop_back();
    for (int k = 0; k < 9; ++k) {
      out.push_back(static_cast<char>('0' + rem % 10));
      rem /= 10;
      if (words.empty() && rem == 0)
        break;
    }
  }
  // push_back, not `out = "0"`: g++ 12 -O2 warns falsely (-Wrestrict,
  // GCC PR 105329) about assigning a one-character literal to a string.
  if (out.empty())
    out.push_back('0');
  if (negative)
    out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<big_integer> big_integer::from_string(std::string_view str) {
  big_integer result;
  if (!str.empty() && (str[0] == '-' || str[0] == '+')) {
    result.negative = str[0] == '-';
    str.remove_prefix(1);
  }
  if (str.empty())
    return std::nullopt;
  for (char c : str) {
    if (c < '0' || c > '9')
      return std::nullopt;
    // magnitude = magnitude * 10 + digit
    uint32_t carry = static_cast<uint32_t>(c - '0');
    for (auto& byte : result.magnitude) {
      uint32_t cur = uint32_t{byte} * 10 + carry;
      byte = static_cast<uint8_t>(cur & 0xFF);
      carry = cur >> 8;
    }
    while (carry != 0) {
      result.magnitude.push_back(static_cast<uint8_t>(carry & 0xFF));
      carry >>= 8;
    }
  }
  while (!result.magnitude.empty() && result.magnitude.back() == 0)
    result.magnitude.pop_back();
  if (result.magnitude.empty())
    result.negative = false;
  return result;
}

namespace {

std::strong_ordering compare_magnitude(const std::vector<uint8_t>& x,
                                       const std::vector<uint8_t>& y) {
  if (x.size() != y.size())
    return x.size() <=> y.size();
  for (size_t i = x.size(); i > 0; --i)
    if (x[i - 1] != y[i - 1])
      return x[i - 1] <=> y[i - 1];
  return std::strong_ordering::equal;
}

} // namespace

std::strong_ordering compare(const big_integer& x, const big_integer& y) {
  if (x.negative != y.negative)
    return x.negative ? std::strong_ordering::less
                      : std::strong_ordering::greater;
  auto res = compare_magnitude(x.magnitude, y.magnitude);
  return x.negative ? 0 <=> res : res;
}

} // namespace cafe::etf
