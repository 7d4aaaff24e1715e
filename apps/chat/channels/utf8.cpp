#include "channels/utf8.hpp"

#include <cstdint>

namespace cafe::chat::channels {

bool valid_utf8(std::string_view text) noexcept {
  auto p = reinterpret_cast<const uint8_t*>(text.data());
  auto end = p + text.size();
  while (p < end) {
    auto c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // Lead byte: the sequence length and the range of the first
    // continuation byte, which is where overlongs (E0, F0), surrogates (ED)
    // and code points above U+10FFFF (F4) are excluded (RFC 3629 §4).
    size_t len;
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    } else {
      return false; // continuation byte, C0/C1 overlong, or F5..FF
    }
    if (static_cast<size_t>(end - p) < len)
      return false;
    if (p[1] < lo || p[1] > hi)
      return false;
    for (size_t i = 2; i < len; ++i)
      if ((p[i] & 0xC0) != 0x80)
        return false;
    p += len;
  }
  return true;
}

} // namespace cafe::chat::channels
