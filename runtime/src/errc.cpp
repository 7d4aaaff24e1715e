#include "cafe/runtime/errc.hpp"

namespace cafe::runtime {

std::string_view to_string(errc x) noexcept {
  switch (x) {
    case errc::help_requested: return "help_requested";
    case errc::invalid_option: return "invalid_option";
    case errc::config_file_unreadable: return "config_file_unreadable";
  }
  return "unknown";
}

} // namespace cafe::runtime
