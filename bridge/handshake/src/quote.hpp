#pragma once

// Peer text in failure details; not installed.

#include <cstdio>
#include <string>
#include <string_view>

namespace cafe::handshake::detail {

/// `text` in single quotes for a log line: at most 64 bytes, non-printable
/// bytes as \xNN, so a hostile peer cannot flood or garble logs.
inline std::string quote(std::string_view text) {
  constexpr size_t max_shown = 64;
  std::string result = "'";
  for (size_t i = 0; i < text.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      result += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      result += buf;
    }
  }
  if (text.size() > max_shown)
    result += "...";
  result += '\'';
  return result;
}

} // namespace cafe::handshake::detail
