#include "cafe/epmd/errc.hpp"

namespace cafe::epmd {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::truncated: return "truncated";
    case errc::bad_length: return "bad_length";
    case errc::unknown_request: return "unknown_request";
    case errc::unexpected_reply: return "unexpected_reply";
    case errc::malformed: return "malformed";
    case errc::trailing_bytes: return "trailing_bytes";
    case errc::bad_name: return "bad_name";
    case errc::too_large: return "too_large";
    case errc::not_local: return "not_local";
    case errc::name_in_use: return "name_in_use";
    case errc::already_registered: return "already_registered";
    case errc::registration_failed: return "registration_failed";
    case errc::not_found: return "not_found";
    case errc::refused: return "refused";
  }
  return "unknown";
}

} // namespace cafe::epmd
