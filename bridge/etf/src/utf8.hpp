#pragma once

// UTF-8 as the BEAM checks it (atoms, `/utf8` segments, io_lib's printable
// test): no overlong forms, no surrogates, nothing above U+10FFFF. Shared by
// the atom table, the printer and the parser; not installed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::etf::detail {

/// Decodes the character at `p` (before `end`) into `cp` and advances `p`;
/// false for anything that is not valid UTF-8 (`p` is then unspecified).
inline bool next_code_point(const unsigned char*& p, const unsigned char* end,
                            uint32_t& cp) noexcept {
  unsigned char c = *p;
  if (c < 0x80) {
    cp = c;
    ++p;
    return true;
  }
  size_t n;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return false;
  }
  if (static_cast<size_t>(end - p) < n)
    return false;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80)
      return false;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return false;
  p += n;
  return true;
}

/// The characters of `bytes`, or false if it is not valid UTF-8.
bool decode_utf8(std::string_view bytes, std::vector<uint32_t>& out);

/// Appends the character `c` (a Unicode scalar value) in UTF-8.
void append_utf8(std::string& out, uint32_t c);

} // namespace cafe::etf::detail
