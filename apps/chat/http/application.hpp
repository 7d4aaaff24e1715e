#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::chat::http {

/// A GET or HEAD request the server does not answer itself (it serves the
/// static files and the socket upgrade), as the application sees it.
struct request {
  std::string method;
  /// The path, percent-decoded, without the query.
  std::string path;
  /// The query's decoded key/value pairs, in order.
  std::vector<std::pair<std::string, std::string>> params;
};

struct response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// A WebSocket upgrade on the socket path, before it is accepted.
struct upgrade_request {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  /// The token of a `base64url.bearer.phx.<b64>` subprotocol, decoded.
  std::optional<std::string> auth_token;
  /// The peer's address, for logs and limits.
  std::string remote_address;

  /// The first value of query parameter `key`.
  std::optional<std::string_view> param(std::string_view key) const;
};

/// One connected WebSocket client as the application sees it. Thread-safe;
/// once the connection is gone every call does nothing.
class client_link {
public:
  virtual ~client_link();

  /// Queues a text frame. A client whose queue is full (it does not read
  /// fast enough) is disconnected: close code 1008, reason "too slow".
  virtual void send(std::shared_ptr<const std::string> text) = 0;

  /// Sends what is queued, then closes with `code` and `reason`.
  virtual void close(uint16_t code, std::string reason) = 0;
};

/// The application's side of one client. The server calls it on the
/// client's strand, one call at a time, never after `on_closed`.
class client_handler {
public:
  virtual ~client_handler();

  /// A complete text frame (valid UTF-8 is not checked here).
  virtual void on_text(std::string_view frame) = 0;

  /// A complete binary frame.
  virtual void on_binary(std::string_view frame) = 0;

  /// The connection ended, either side; the last call.
  virtual void on_closed() = 0;
};

/// What the server asks of the application. Called from io threads;
/// implementations are thread-safe.
class application {
public:
  virtual ~application();

  /// 0 to accept the upgrade, or the HTTP status to refuse it with (e.g.
  /// 403 for a `vsn` Phoenix would refuse).
  virtual unsigned check_upgrade(const upgrade_request& req) = 0;

  /// The upgrade is done: the handler for this client.
  virtual std::shared_ptr<client_handler>
  connect(std::shared_ptr<client_link> link, const upgrade_request& req) = 0;

  /// A request for a path that is not a static file or the socket:
  /// an answer, or nothing for 404.
  virtual std::optional<response> handle(const request& req) = 0;
};

} // namespace cafe::chat::http
