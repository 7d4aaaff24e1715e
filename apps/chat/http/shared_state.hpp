#pragma once

#include "http/application.hpp"
#include "http/server.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cafe::chat::http {

/// A live connection as `server::stop` sees it.
class connection {
public:
  virtual ~connection();

  /// Ends the connection from any thread: `graceful` lets a WebSocket flush
  /// its queue and close with 1001; otherwise the socket closes at once.
  virtual void shutdown(bool graceful) = 0;
};

class shared_state;

/// One admitted TCP connection, counted in `connections_open` while it
/// lives. It moves from the HTTP session to the WebSocket session, so an
/// upgrade neither frees nor takes a slot.
class connection_slot {
public:
  connection_slot() = default;
  explicit connection_slot(shared_state* state) : state_(state) {
    // nop
  }
  connection_slot(connection_slot&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)) {
    // nop
  }
  connection_slot& operator=(connection_slot&& other) noexcept;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  ~connection_slot();

private:
  shared_state* state_ = nullptr;
};

/// What every session of one server shares: the configuration, the
/// application, the counters, and the registry `stop` walks. Outlives the
/// sessions (each holds a shared_ptr to it).
class shared_state {
public:
  shared_state(server_config cfg, std::shared_ptr<application> app);

  const server_config& config() const noexcept {
    return cfg_;
  }

  application& app() noexcept {
    return *app_;
  }

  server_stats& stats() noexcept {
    return stats_;
  }

  /// The canned answer to a connection over `max_connections`.
  const std::string& busy_response() const noexcept {
    return busy_response_;
  }

  /// A slot for a new connection, or none when over `max_connections` or
  /// stopping.
  std::optional<connection_slot> admit();

  /// Registers a live connection for `stop`; false once stopping.
  bool enter(const connection* key, std::weak_ptr<connection> conn);

  /// Unregisters; wakes `stop` when the last one leaves.
  void leave(const connection* key);

  bool stopping() const noexcept {
    return stopping_.load(std::memory_order_acquire);
  }

  /// Refuses new connections from now on; false if already called.
  bool begin_stop();

  /// The connections alive right now.
  std::vector<std::shared_ptr<connection>> snapshot();

  /// Waits until no connection is registered or `deadline`; true if none.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);

private:
  friend class connection_slot;

  void release_slot() noexcept;

  server_config cfg_;
  std::shared_ptr<application> app_;
  server_stats stats_;
  std::string busy_response_;
  std::atomic<bool> stopping_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  std::unordered_map<const connection*, std::weak_ptr<connection>> live_;
};

} // namespace cafe::chat::http
