#pragma once

#include "cafe/expected.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::chat::http {

/// A request target (`/path?query`) taken apart with Boost.URL.
struct request_target {
  /// The path, percent-decoded.
  std::string path;
  /// The decoded path segments; a leading `/` gives no empty first one.
  std::vector<std::string> segments;
  /// The query's decoded key/value pairs, in order (`+` is a space).
  std::vector<std::pair<std::string, std::string>> params;
  /// No segment is `.` or `..` or holds `/`, `\` or NUL once decoded, so
  /// the path can name a file below a root.
  bool safe = false;
};

/// Parses an origin-form target; an error for anything else (absolute
/// URLs, `*`, bad escapes).
expected<request_target, std::string> parse_target(std::string_view target);

} // namespace cafe::chat::http
