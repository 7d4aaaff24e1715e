#include "cafe/handshake/errc.hpp"

namespace cafe::handshake {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::bad_frame: return "bad_frame";
    case errc::unexpected_message: return "unexpected_message";
    case errc::malformed_message: return "malformed_message";
    case errc::bad_node_name: return "bad_node_name";
    case errc::name_mismatch: return "name_mismatch";
    case errc::missing_flags: return "missing_flags";
    case errc::name_me_unsupported: return "name_me_unsupported";
    case errc::bad_digest: return "bad_digest";
    case errc::not_allowed: return "not_allowed";
    case errc::nok: return "nok";
    case errc::alive_refused: return "alive_refused";
    case errc::unknown_status: return "unknown_status";
    case errc::no_randomness: return "no_randomness";
    case errc::invalid_call: return "invalid_call";
    case errc::bad_config: return "bad_config";
    case errc::cookie_io: return "cookie_io";
    case errc::cookie_insecure: return "cookie_insecure";
    case errc::cookie_invalid: return "cookie_invalid";
    case errc::cookie_no_home: return "cookie_no_home";
  }
  return "unknown";
}

} // namespace cafe::handshake
