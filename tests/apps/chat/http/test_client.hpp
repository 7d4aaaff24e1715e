#pragma once

// Blocking HTTP and WebSocket clients for the server's tests, on Beast,
// each operation bounded by a deadline. The header is Beast-free so that
// only test_client.cpp pays Beast's compile time.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cafe::chat::http::testing {

using namespace std::chrono_literals;

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_reply {
  /// 0 when no response was read (`error` says why).
  unsigned status = 0;
  /// Lower-case names.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string error;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// One request on a fresh connection to 127.0.0.1:`port`.
http_reply http_request(uint16_t port, const std::string& method,
                        const std::string& target,
                        const header_list& headers = {},
                        const std::string& body = {});

/// Writes `bytes` as they are and reads until the server closes (or
/// `timeout`): everything it sent, and whether it closed.
struct raw_reply {
  std::string bytes;
  bool closed = false;
};
raw_reply raw_exchange(uint16_t port, const std::string& bytes,
                       std::chrono::milliseconds timeout = 10s);

struct ws_event {
  enum kind_t { text, binary, closed, error, timeout } kind = error;
  std::string data;
  /// For `closed`: the server's close frame.
  uint16_t code = 0;
  std::string reason;
};

class ws_client {
public:
  ws_client();
  ~ws_client();

  struct upgrade_result {
    bool ok = false;
    /// The HTTP status of the answer (101 when ok).
    unsigned status = 0;
    std::map<std::string, std::string> headers;
    std::string error;
  };

  /// Sets SO_RCVBUF before connecting (a client that reads slowly).
  void receive_buffer(int bytes) {
    receive_buffer_ = bytes;
  }

  upgrade_result connect(uint16_t port, const std::string& target,
                         const header_list& headers = {},
                         std::chrono::milliseconds timeout = 10s);

  bool send_text(const std::string& text,
                 std::chrono::milliseconds timeout = 10s);
  bool send_binary(const std::string& bytes,
                   std::chrono::milliseconds timeout = 10s);

  /// The next message, or the close / error that ended the connection.
  ws_event read(std::chrono::milliseconds timeout = 10s);

  /// Sends a close frame and waits for the server's.
  bool close(uint16_t code, std::chrono::milliseconds timeout = 10s);

  /// Closes the socket without a close frame.
  void drop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  int receive_buffer_ = 0;
};

/// Opens `n` WebSocket connections to `target` at once (one thread, all
/// in flight together), then drops them all without a close frame. The
/// number that completed the upgrade before `timeout`.
size_t mass_connect_and_drop(uint16_t port, const std::string& target, size_t n,
                             std::chrono::milliseconds timeout);

} // namespace cafe::chat::http::testing
