#pragma once

#include "cafe/expected.hpp"

#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::chat::channels {

/// The serializer a client asked for with `vsn` in its socket URL.
enum class version {
  /// `vsn=1.0.0` (or none): a JSON object per frame.
  v1,
  /// `vsn=2.0.0`: `[join_ref, ref, topic, event, payload]`.
  v2,
};

/// Maps the `vsn` query parameter as Phoenix does (a missing one means
/// 1.0.0); nothing for versions Phoenix would refuse with 403.
std::optional<version> parse_version(std::optional<std::string_view> vsn);

/// One Phoenix Channels message, either direction. `join_ref` and `ref` are
/// kept as the exact strings the client sent (the client compares them with
/// `===`); absent is JSON `null`.
struct message {
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
  std::string event;
  boost::json::value payload;
};

enum class frame_errc {
  /// Not JSON, or not valid UTF-8.
  malformed_json,
  /// JSON, but not the shape the serializer expects (wrong arity, a
  /// non-string topic or event, a ref that is neither string nor null).
  bad_shape,
  /// More nesting or more bytes than the decoder accepts.
  too_large,
};

const char* to_string(frame_errc e) noexcept;

/// The largest text frame `decode` accepts, in bytes. Chat frames are a
/// few hundred bytes; the cap bounds what one frame can make us allocate.
inline constexpr size_t max_frame_bytes = 1024 * 1024;

/// The deepest JSON nesting `decode` accepts (the frame's own array or
/// object counts as one level). Boost.JSON's parser recurses per level.
inline constexpr size_t max_json_depth = 32;

/// Decodes one text frame. Phoenix ignores extra elements after the fifth
/// (V2); numbers given as refs are accepted and kept as their decimal text.
expected<message, frame_errc> decode(version v, std::string_view text);

/// Encodes one text frame; the payload is written as given.
std::string encode(version v, const message& m);

} // namespace cafe::chat::channels
