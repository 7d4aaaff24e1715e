#pragma once

// Which atoms need no quotes: the same character classes in erl_scan (what
// the parser reads bare: scan1/5, scan_name/2) and in io_lib (what the
// printer writes bare: quote_atom/2, name_char/1). Not installed.

#include <cstdint>

namespace cafe::etf::detail {

/// First character of an unquoted atom: a-z and the Latin-1 lowercase
/// letters.
inline bool atom_start(uint32_t c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

/// Any further character of an unquoted atom.
inline bool atom_char(uint32_t c) noexcept {
  return atom_start(c) || (c >= 'A' && c <= 'Z')
         || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= '0' && c <= '9')
         || c == '_' || c == '@';
}

} // namespace cafe::etf::detail
