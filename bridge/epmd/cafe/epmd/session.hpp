#pragma once

#include "cafe/epmd/errc.hpp"
#include "cafe/epmd/fwd.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace cafe::epmd {

/// A node was registered by a connection.
struct registered {
  std::string name;
  uint16_t port = 0;
  uint32_t creation = 0;
  connection_id owner = 0;
  friend bool operator==(const registered&, const registered&) = default;
};

/// A node left the registry (its connection closed, sent more data, or a
/// STOP request named it).
struct unregistered {
  std::string name;
  connection_id owner = 0;
  friend bool operator==(const unregistered&, const unregistered&) = default;
};

using registry_change = std::variant<registered, unregistered>;

/// What the caller must do after feeding bytes to a session.
struct session_output {
  /// Bytes to write to the connection (possibly none).
  std::vector<uint8_t> reply;
  /// Close the connection once `reply` is written. epmd closes after every
  /// request except a successful ALIVE2, and on every error.
  bool close = false;
  /// Why the request got no useful answer, for logging.
  std::optional<errc> error;
  /// How the registry changed.
  std::vector<registry_change> changes;
  /// STOP_REQ: the registering connection of the stopped node, which the
  /// caller closes (its node is already unregistered).
  std::optional<connection_id> close_connection;
  /// KILL_REQ was accepted: stop the embedded epmd after writing `reply`.
  bool stop_server = false;
};

/// One accepted connection of an embedded epmd, sans-I/O: collects one
/// length-prefixed request in any split, serves it against a `registry`
/// and says what to write and whether to close, the way epmd_srv.c does.
class session {
public:
  /// `local_peer`: the peer address is 127.x.x.x, ::1 or the host's own
  /// address (epmd's `conn_local_peer_check`). Only local peers may
  /// register nodes or send DUMP, KILL and STOP.
  session(connection_id id, bool local_peer) noexcept;

  connection_id id() const noexcept {
    return id_;
  }

  bool local_peer() const noexcept {
    return local_peer_;
  }

  /// Whether this connection holds a registration.
  bool holds_registration() const noexcept {
    return registered_;
  }

  /// Feeds bytes read from the connection. `now` is the wall clock in
  /// seconds since the epoch.
  session_output feed(registry& reg, std::span<const uint8_t> bytes,
                      int64_t now);

  /// The connection closed: unregisters its node, if any.
  std::optional<registry_change> closed(registry& reg);

private:
  session_output serve(registry& reg, std::span<const uint8_t> body,
                       int64_t now);

  connection_id id_;
  bool local_peer_;
  bool registered_ = false;
  bool done_ = false;
  std::vector<uint8_t> buf_;
};

} // namespace cafe::epmd
