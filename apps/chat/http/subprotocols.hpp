#pragma once

#include "cafe/expected.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace cafe::chat::http {

/// What the client's `Sec-WebSocket-Protocol` offers, as Phoenix reads it
/// (PHOENIX.md §1.2): `phoenix`, and `base64url.bearer.phx.<token>` whose
/// token is *standard* base64 without padding (the JS client uses `btoa`).
struct offered_protocols {
  /// Some protocol was offered at all.
  bool any = false;
  bool phoenix = false;
  std::optional<std::string> auth_token;
};

/// Parses the header's comma-separated list (all its values joined); an
/// error for a bearer token that is not valid base64.
expected<offered_protocols, std::string>
parse_protocols(std::string_view header);

/// Decodes standard base64 (`+`, `/`), with or without `=` padding.
std::optional<std::string> decode_base64(std::string_view in);

} // namespace cafe::chat::http
