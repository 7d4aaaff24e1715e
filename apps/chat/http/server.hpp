#pragma once

#include "cafe/expected.hpp"
#include "http/application.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cafe::chat::http {

struct server_config {
  /// Empty: every interface (`::`, or 0.0.0.0 without IPv6), like erl.
  std::string bind;
  /// 0: a free port (ask `server::port()`).
  uint16_t port = 4000;
  /// Files served under `/` (`/` itself is `index.html`).
  std::filesystem::path static_dir;
  /// Extra files served at fixed paths, e.g. `/phoenix.mjs` from the npm
  /// package.
  std::vector<std::pair<std::string, std::filesystem::path>> extra_files;
  /// The WebSocket path (the client's endPoint + `/websocket`).
  std::string socket_path = "/socket/websocket";
  /// Sent as `x-served-by` on every response.
  std::string served_by;
  /// Origins allowed to open the socket (`https://chat.example`); empty:
  /// the request's own host only. Requests without `Origin` (not from a
  /// browser) are allowed, as Phoenix's check_origin does.
  std::vector<std::string> allowed_origins;
  /// Largest WebSocket message accepted; a larger one closes with 1009.
  size_t max_message_bytes = 64 * 1024;
  /// Largest HTTP request (header and body).
  size_t max_request_bytes = 16 * 1024;
  /// Outgoing frames queued per client before it counts as too slow.
  size_t max_queued_frames = 1024;
  /// Outgoing bytes queued per client before it counts as too slow.
  size_t max_queued_bytes = 4 * 1024 * 1024;
  /// Open connections at most; more are refused (503 / closed at once).
  size_t max_connections = 20000;
  /// A socket that sends nothing for this long is closed (Phoenix: 60 s;
  /// the client's heartbeat is every 30 s).
  std::chrono::milliseconds idle_timeout{60'000};
  /// A client whose socket takes no frame (or no close frame) for this long
  /// is dropped: it stopped reading, and the kernel's buffers are full.
  std::chrono::milliseconds write_timeout{30'000};
  /// Time to finish an HTTP request or the upgrade.
  std::chrono::milliseconds request_timeout{15'000};
  /// `stop()` waits this long for clients to take their close frames.
  std::chrono::milliseconds drain_timeout{5'000};
};

/// Counters for /metrics; monotonic unless named otherwise.
struct server_stats {
  /// TCP connections, HTTP or upgraded (what `max_connections` limits).
  std::atomic<uint64_t> connections_open{0}; // gauge
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> slow_clients_dropped{0};
  /// Bytes handed to `client_link::send` and not yet written or dropped,
  /// over all clients (each is capped at `max_queued_bytes`).
  std::atomic<uint64_t> queued_bytes{0}; // gauge
  std::atomic<uint64_t> upgrades_refused{0};
  std::atomic<uint64_t> http_requests{0};
};

/// The HTTP + WebSocket front of cafe-chat, on Boost.Beast: a listener, an
/// HTTP session per connection that serves files and the application's
/// routes or upgrades, a WebSocket session per client with a strand, one
/// write in flight and a bounded queue. Runs on the given io_context's
/// threads.
class server {
public:
  static expected<std::shared_ptr<server>, std::string>
  start(boost::asio::io_context& io, server_config cfg,
        std::shared_ptr<application> app);

  virtual ~server();

  /// The port it listens on.
  virtual uint16_t port() const noexcept = 0;

  virtual const server_stats& stats() const noexcept = 0;

  /// Stops accepting, closes every client with 1001 "going away" (so
  /// clients reconnect, to another node behind a proxy), waits up to
  /// `drain_timeout` for them, then drops what is left. Blocks; call it
  /// from outside the io threads.
  virtual void stop() = 0;
};

} // namespace cafe::chat::http
