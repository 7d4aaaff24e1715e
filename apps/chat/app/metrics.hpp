#pragma once

#include "app/services.hpp"
#include "http/server.hpp"

#include <string>

namespace cafe::chat::app {

/// The Prometheus text exposition (format 0.0.4) of cafe-chat's counters;
/// `server` may be null before the server runs.
std::string metrics_text(const services& svc, const http::server_stats* server);

} // namespace cafe::chat::app
