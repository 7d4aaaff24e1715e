#include "rooms/names.hpp"

#include "channels/utf8.hpp"

#include <cstdint>

namespace cafe::chat::rooms {

namespace {

constexpr size_t max_room_name = 32;
constexpr size_t max_nickname_chars = 24;

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

std::string_view trim(std::string_view x) noexcept {
  while (!x.empty() && is_space(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && is_space(x.back()))
    x.remove_suffix(1);
  return x;
}

/// Decodes the code point at `x[i]` (valid UTF-8 assumed) and advances.
uint32_t next_code_point(std::string_view x, size_t& i) noexcept {
  auto b = static_cast<uint8_t>(x[i]);
  auto len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1   ? b
                : len == 2 ? b & 0x1F
                : len == 3 ? b & 0x0F
                           : b & 0x07;
  for (int k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<uint8_t>(x[i + k]) & 0x3F);
  i += len;
  return cp;
}

bool allowed_in_nickname(uint32_t cp) noexcept {
  if (cp < 0x80) {
    auto c = static_cast<char>(cp);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == ' ' || c == '_' || c == '-'
           || c == '.';
  }
  // Beyond ASCII: letters of other scripts, but no C1 controls, no
  // invisible formatting (zero-width, bidi overrides) and no private use,
  // which would let two nicknames look alike or reorder the page's text.
  if (cp < 0xA0)
    return false;
  if ((cp >= 0x2000 && cp <= 0x206F) || cp == 0xFEFF
      || (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
    return false;
  return true;
}

} // namespace

bool valid_room_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_room_name)
    return false;
  for (auto c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::optional<std::string_view> room_of_topic(std::string_view topic) noexcept {
  if (!topic.starts_with(topic_prefix))
    return std::nullopt;
  auto name = topic.substr(topic_prefix.size());
  if (!valid_room_name(name))
    return std::nullopt;
  return name;
}

std::string topic_of_room(std::string_view room) {
  std::string result{topic_prefix};
  result += room;
  return result;
}

nickname_check check_nickname(std::string_view raw) {
  if (!channels::valid_utf8(raw))
    return {std::nullopt, "nickname has invalid characters"};
  auto x = trim(raw);
  if (x.empty())
    return {std::nullopt, "nickname required"};
  size_t chars = 0;
  for (size_t i = 0; i < x.size();) {
    if (!allowed_in_nickname(next_code_point(x, i)))
      return {std::nullopt, "nickname has invalid characters"};
    if (++chars > max_nickname_chars)
      return {std::nullopt, "nickname too long"};
  }
  return {std::string{x}, {}};
}

std::optional<std::string> check_body(std::string_view body,
                                      size_t max_bytes) noexcept {
  if (!channels::valid_utf8(body))
    return "invalid utf-8";
  if (trim(body).empty())
    return "empty";
  if (body.size() > max_bytes)
    return "too long";
  return std::nullopt;
}

} // namespace cafe::chat::rooms
