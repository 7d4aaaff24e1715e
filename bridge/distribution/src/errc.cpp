#include "cafe/distribution/errc.hpp"

namespace cafe::distribution {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::frame_too_large: return "frame_too_large";
    case errc::bad_version: return "bad_version";
    case errc::bad_header: return "bad_header";
    case errc::bad_atom: return "bad_atom";
    case errc::bad_fragment: return "bad_fragment";
    case errc::reassembly_limit: return "reassembly_limit";
    case errc::bad_term: return "bad_term";
    case errc::invalid_message: return "invalid_message";
    case errc::trailing_bytes: return "trailing_bytes";
    case errc::message_too_large: return "message_too_large";
  }
  return "unknown";
}

} // namespace cafe::distribution
