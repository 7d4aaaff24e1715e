#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cafe::chat::rooms {

/// The topic prefix of rooms: a room `lobby` is the channel `room:lobby`.
inline constexpr std::string_view topic_prefix = "room:";

/// Room names: 1-32 of `[A-Za-z0-9_-]`, so they are safe in a topic, a
/// URL and a Prometheus label alike.
bool valid_room_name(std::string_view name) noexcept;

/// The room of a topic `room:<name>`, if it is one.
std::optional<std::string_view> room_of_topic(std::string_view topic) noexcept;

std::string topic_of_room(std::string_view room);

/// Nickname rules: trimmed, 1-24 characters of letters (any script),
/// digits, space, `_`, `-` and `.`; no control characters. The trimmed
/// nickname, or why not ("nickname required", "nickname too long",
/// "nickname has invalid characters").
struct nickname_check {
  std::optional<std::string> nickname;
  std::string reason;
};

nickname_check check_nickname(std::string_view raw);

/// Message body rules: the reason to refuse `body` ("empty", "too long",
/// "invalid utf-8"), or nothing. Whitespace alone counts as empty.
std::optional<std::string> check_body(std::string_view body,
                                      size_t max_bytes) noexcept;

} // namespace cafe::chat::rooms
