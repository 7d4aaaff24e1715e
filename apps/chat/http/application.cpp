#include "http/application.hpp"

namespace cafe::chat::http {

std::optional<std::string_view>
upgrade_request::param(std::string_view key) const {
  for (auto& [k, v] : params)
    if (k == key)
      return std::string_view{v};
  return std::nullopt;
}

client_link::~client_link() {
  // nop
}

client_handler::~client_handler() {
  // nop
}

application::~application() {
  // nop
}

} // namespace cafe::chat::http
