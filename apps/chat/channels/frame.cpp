#include "channels/frame.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>

namespace cafe::chat::channels {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// One numeric part of a semantic version: digits, no leading zero (as
/// Elixir's `Version.parse` requires), small enough to compare.
std::optional<unsigned> version_number(std::string_view s) {
  if (!all_digits(s) || s.size() > 9 || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  unsigned n = 0;
  for (char c : s)
    n = n * 10 + static_cast<unsigned>(c - '0');
  return n;
}

/// Pre-release or build identifiers: dot-separated, non-empty, [0-9A-Za-z-].
bool valid_identifiers(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.')
    return false;
  char prev = 0;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.'))
      return false;
    prev = c;
  }
  return true;
}

/// A ref as the client sent it: a string, null, or an integer (kept as its
/// decimal text, so a client that sends `5` gets `"5"` back). Anything else
/// is not a ref.
bool read_ref(const boost::json::value& v, std::optional<std::string>& out) {
  switch (v.kind()) {
    case boost::json::kind::null: out.reset(); return true;
    case boost::json::kind::string: {
      const auto& s = v.get_string();
      out.emplace(s.data(), s.size());
      return true;
    }
    case boost::json::kind::int64:
      out = std::to_string(v.get_int64());
      return true;
    case boost::json::kind::uint64:
      out = std::to_string(v.get_uint64());
      return true;
    default: return false;
  }
}

bool read_string(const boost::json::value& v, std::string& out) {
  if (!v.is_string())
    return false;
  const auto& s = v.get_string();
  out.assign(s.data(), s.size());
  return true;
}

expected<message, frame_errc> from_array(boost::json::array& a) {
  // Phoenix's V2 decoder matches `[join_ref, ref, topic, event, payload | _]`.
  if (a.size() < 5)
    return unexpected{frame_errc::bad_shape};
  message m;
  if (!read_ref(a[0], m.join_ref) || !read_ref(a[1], m.ref)
      || !read_string(a[2], m.topic) || !read_string(a[3], m.event))
    return unexpected{frame_errc::bad_shape};
  m.payload = std::move(a[4]);
  return m;
}

expected<message, frame_errc> from_object(boost::json::object& o) {
  // Phoenix.Socket.Message.from_map! requires topic, event, payload and ref;
  // join_ref is optional.
  auto topic = o.find("topic");
  auto event = o.find("event");
  auto payload = o.find("payload");
  auto ref = o.find("ref");
  if (topic == o.end() || event == o.end() || payload == o.end()
      || ref == o.end())
    return unexpected{frame_errc::bad_shape};
  message m;
  if (!read_string(topic->value(), m.topic)
      || !read_string(event->value(), m.event)
      || !read_ref(ref->value(), m.ref))
    return unexpected{frame_errc::bad_shape};
  if (auto jr = o.find("join_ref"); jr != o.end())
    if (!read_ref(jr->value(), m.join_ref))
      return unexpected{frame_errc::bad_shape};
  m.payload = std::move(payload->value());
  return m;
}

void append_ref(std::string& out, const std::optional<std::string>& ref) {
  if (ref)
    out += boost::json::serialize(boost::json::string_view{*ref});
  else
    out += "null";
}

void append_string(std::string& out, std::string_view s) {
  out += boost::json::serialize(boost::json::string_view{s});
}

std::string encode_parts(version v, const std::optional<std::string>& join_ref,
                         const std::optional<std::string>& ref,
                         std::string_view topic, std::string_view event,
                         const boost::json::value& payload) {
  std::string out;
  auto body = boost::json::serialize(payload);
  out.reserve(body.size() + topic.size() + event.size() + 64);
  if (v == version::v2) {
    out += '[';
    append_ref(out, join_ref);
    out += ',';
    append_ref(out, ref);
    out += ',';
    append_string(out, topic);
    out += ',';
    append_string(out, event);
    out += ',';
    out += body;
    out += ']';
  } else {
    // V1 never writes join_ref (Phoenix's V1JSONSerializer drops it).
    out += "{\"topic\":";
    append_string(out, topic);
    out += ",\"event\":";
    append_string(out, event);
    out += ",\"payload\":";
    out += body;
    out += ",\"ref\":";
    append_ref(out, ref);
    out += '}';
  }
  return out;
}

} // namespace

std::optional<version> parse_version(std::optional<std::string_view> vsn) {
  if (!vsn)
    return version::v1;
  // MAJOR.MINOR.PATCH[-pre][+build], matched against Phoenix's
  // requirements `~> 1.0.0` and `~> 2.0.0` (>= X.0.0 and < X.1.0; a
  // pre-release of X.0.0 sorts below X.0.0 and so does not match).
  std::string_view s = *vsn;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    if (!valid_identifiers(s.substr(plus + 1)))
      return std::nullopt;
    s = s.substr(0, plus);
  }
  bool pre = false;
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    if (!valid_identifiers(s.substr(dash + 1)))
      return std::nullopt;
    pre = true;
    s = s.substr(0, dash);
  }
  auto d1 = s.find('.');
  if (d1 == std::string_view::npos)
    return std::nullopt;
  auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos)
    return std::nullopt;
  auto major = version_number(s.substr(0, d1));
  auto minor = version_number(s.substr(d1 + 1, d2 - d1 - 1));
  auto patch = version_number(s.substr(d2 + 1));
  if (!major || !minor || !patch || *minor != 0 || (*patch == 0 && pre))
    return std::nullopt;
  if (*major == 1)
    return version::v1;
  if (*major == 2)
    return version::v2;
  return std::nullopt;
}

const char* to_string(frame_errc e) noexcept {
  switch (e) {
    case frame_errc::malformed_json: return "malformed JSON";
    case frame_errc::bad_shape: return "not a Phoenix message";
    case frame_errc::too_large: return "frame too large or too deep";
  }
  return "unknown frame error";
}

expected<message, frame_errc> decode(version v, std::string_view text) {
  if (text.size() > max_frame_bytes)
    return unexpected{frame_errc::too_large};
  boost::json::parse_options opts;
  opts.max_depth = max_json_depth;
  // Defaults kept on purpose: strict JSON (no comments, no trailing
  // commas) and allow_invalid_utf8 = false, so a string that is not UTF-8
  // is a parse error (tested in apps.chat.channels.frame).
  boost::json::error_code ec;
  auto value = boost::json::parse(
    boost::json::string_view{text.data(), text.size()}, ec, {}, opts);
  if (ec) {
    if (ec == boost::json::error::too_deep)
      return unexpected{frame_errc::too_large};
    return unexpected{frame_errc::malformed_json};
  }
  if (v == version::v2) {
    if (!value.is_array())
      return unexpected{frame_errc::bad_shape};
    return from_array(value.get_array());
  }
  if (!value.is_object())
    return unexpected{frame_errc::bad_shape};
  return from_object(value.get_object());
}

std::string encode(version v, const message& m) {
  return encode_parts(v, m.join_ref, m.ref, m.topic, m.event, m.payload);
}

} // namespace cafe::chat::channels
