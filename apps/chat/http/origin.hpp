#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::chat::http {

/// Phoenix's `check_origin`, against Cross-Site WebSocket Hijacking: a
/// request without `Origin` (not from a browser) passes; otherwise the
/// origin must match one of `allowed` (scheme, host and port where the
/// entry names them; host case-insensitive), or, when `allowed` is empty,
/// have the same host name as the `Host` header (the port is not compared,
/// as Phoenix compares only the host).
bool origin_allowed(std::optional<std::string_view> origin,
                    std::string_view host,
                    const std::vector<std::string>& allowed);

} // namespace cafe::chat::http
