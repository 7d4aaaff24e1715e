#pragma once

#include "http/shared_state.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <memory>

namespace cafe::chat::http {

/// Serves one connection's HTTP requests (static files, the application's
/// routes) until it closes or upgrades to a WebSocket. The socket must be
/// on a strand of its own. Declared as a function so that the listener's
/// translation unit stays free of Beast.
void run_http_session(boost::asio::ip::tcp::socket socket,
                      std::shared_ptr<shared_state> state,
                      connection_slot slot);

} // namespace cafe::chat::http
