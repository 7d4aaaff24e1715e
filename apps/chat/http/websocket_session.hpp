#pragma once

#include "http/application.hpp"
#include "http/shared_state.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <string>

namespace cafe::chat::http {

/// Completes the upgrade `req` (already checked and accepted by the
/// application) on `stream`, answering subprotocol `protocol` unless empty,
/// then runs the WebSocket session: reads handed to the application's
/// handler, one write in flight behind a bounded queue, idle and write
/// timeouts. The session class lives in the .cpp so that only that
/// translation unit compiles Beast's WebSocket.
void run_websocket_session(
  boost::beast::tcp_stream stream,
  boost::beast::http::request<boost::beast::http::string_body> req,
  std::shared_ptr<shared_state> state, connection_slot slot,
  upgrade_request info, std::string protocol);

} // namespace cafe::chat::http
