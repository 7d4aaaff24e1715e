#pragma once

#include "cafe/distribution/flags.hpp"
#include "cafe/handshake/failure.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace cafe::handshake {

/// Acceptor, step send_status: the caller decides the status from its
/// connection table and calls `acceptor::decide` (see `status`,
/// `simultaneous_status`).
struct decide_status {
  std::string peer_node;
  /// As received (for the old 'n' form only the low 32 bits so far).
  distribution::flags_t peer_flags = 0;
  /// 0 for the old 'n' form until its complement arrives.
  uint32_t peer_creation = 0;
  /// The peer used the old 'n' send_name.
  bool old_send_name = false;
};

/// Initiator, after status `alive`: the caller answers
/// `initiator::answer_alive(true)` if its own connection to the peer is
/// gone or pending (OTP asks net_kernel `is_pending`), false to keep it.
struct decide_alive {};

/// Acceptor, after a valid challenge reply on a connection that replaces a
/// live one (status `alive` answered true): the caller tears the old
/// connection down, then calls `acceptor::pending_done` (OTP
/// `wait_pending`).
struct wait_pending {};

/// The handshake succeeded.
struct done {
  std::string peer_node;
  /// What the peer offered, MANDATORY_25_DIGEST expanded.
  distribution::flags_t peer_flags = 0;
  /// What the connection uses: ours AND the peer's.
  distribution::flags_t flags = 0;
  uint32_t peer_creation = 0;
  /// Bytes read after the last handshake message: the start of the
  /// 4-byte-framed distribution stream.
  std::vector<uint8_t> leftover;
  /// Initiator: the acceptor answered `ok_simultaneous`, i.e. it was
  /// dialing us too and gave its own attempt up for this one.
  bool won_simultaneous = false;
};

/// What happened, if anything. `std::monostate`: more input is needed.
/// `failure`: write `output`, then close.
using event = std::variant<std::monostate, decide_status, decide_alive,
                           wait_pending, done, failure>;

/// The result of every call into a handshake state machine.
struct progress {
  /// Framed bytes to write to the peer, in order, before anything else.
  std::vector<uint8_t> output;
  event ev;
};

} // namespace cafe::handshake
