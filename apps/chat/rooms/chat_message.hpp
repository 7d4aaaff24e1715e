#pragma once

#include "cafe/etf/term.hpp"

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::chat::rooms {

/// One message of a room, as every client and node sees it. The event is
/// `new_msg`; the payload `{"id", "user", "body", "at", "node"}`.
struct chat_message {
  /// Unique in the cluster: the origin node's incarnation and a counter.
  std::string id;
  std::string user;
  std::string body;
  /// Milliseconds since the Unix epoch, UTC.
  int64_t at_ms = 0;
  /// The node whose client sent it.
  std::string node;

  friend bool operator==(const chat_message&, const chat_message&) = default;
};

/// The payload clients get.
boost::json::object to_json(const chat_message& m);

/// The payload inside a `%Phoenix.Socket.Broadcast{}` for other nodes: a map
/// with binary keys and binary values, what a Phoenix channel that received
/// the same JSON from a client would broadcast.
etf::term to_term(const chat_message& m);

/// A `new_msg` payload from another node (binary or atom keys, as a Phoenix
/// app may build it). A payload without `id` (an Elixir app's own
/// broadcast) gets one made from its content; without `at`, `now_ms`.
std::optional<chat_message> from_term(const etf::term& payload, int64_t now_ms);

/// `2026-12-07T19:45:01.123Z`.
std::string iso8601(int64_t ms);

/// The inverse of `iso8601`, also without fraction or with a `+00:00`
/// offset.
std::optional<int64_t> parse_iso8601(std::string_view text);

} // namespace cafe::chat::rooms
