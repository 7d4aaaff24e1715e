#include "cafe/handshake/status.hpp"

namespace cafe::handshake {

std::string_view to_string(status x) noexcept {
  switch (x) {
    case status::ok: return "ok";
    case status::ok_simultaneous: return "ok_simultaneous";
    case status::nok: return "nok";
    case status::not_allowed: return "not_allowed";
    case status::alive: return "alive";
  }
  return "nok";
}

std::optional<status> parse_status(std::string_view text) noexcept {
  for (auto x : {status::ok, status::ok_simultaneous, status::nok,
                 status::not_allowed, status::alive})
    if (text == to_string(x))
      return x;
  return std::nullopt;
}

status simultaneous_status(std::string_view this_node,
                           std::string_view peer_node) noexcept {
  // std::string_view compares like memcmp (unsigned bytes), which is how
  // the runtime orders atoms with the same text encoding.
  return this_node > peer_node ? status::nok : status::ok_simultaneous;
}

} // namespace cafe::handshake
