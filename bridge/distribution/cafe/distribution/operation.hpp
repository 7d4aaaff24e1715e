#pragma once

#include <cstdint>
#include <string_view>

namespace cafe::distribution {

/// The first element of every control tuple (OTP's `enum dop` in dist.h).
enum class operation : uint8_t {
  link = 1,
  send = 2,
  exit = 3,
  /// The pre-UNLINK_ID unlink. OTP 25 still accepts it, OTP 26+ rejects it.
  unlink = 4,
  /// Ancient; OTP 25-27 neither send nor accept it (no case in
  /// `erts_net_message`, so it is an invalid message there).
  node_link = 5,
  reg_send = 6,
  group_leader = 7,
  exit2 = 8,
  send_tt = 12,
  exit_tt = 13,
  reg_send_tt = 16,
  exit2_tt = 18,
  monitor_p = 19,
  demonitor_p = 20,
  monitor_p_exit = 21,
  send_sender = 22,
  send_sender_tt = 23,
  payload_exit = 24,
  payload_exit_tt = 25,
  payload_exit2 = 26,
  payload_exit2_tt = 27,
  payload_monitor_p_exit = 28,
  spawn_request = 29,
  spawn_request_tt = 30,
  spawn_reply = 31,
  spawn_reply_tt = 32,
  alias_send = 33,
  alias_send_tt = 34,
  unlink_id = 35,
  unlink_id_ack = 36,
};

/// Whether `op` names an operation this module knows.
constexpr bool known_operation(uint8_t op) noexcept {
  return (op >= 1 && op <= 8) || op == 12 || op == 13 || op == 16
         || (op >= 18 && op <= 36);
}

/// Whether a second term follows the control tuple in the same message: the
/// message for sends, the exit reason for the PAYLOAD_* variants, the
/// argument list for SPAWN_REQUEST.
constexpr bool has_payload(operation op) noexcept {
  switch (op) {
    case operation::send:
    case operation::reg_send:
    case operation::send_tt:
    case operation::reg_send_tt:
    case operation::send_sender:
    case operation::send_sender_tt:
    case operation::payload_exit:
    case operation::payload_exit_tt:
    case operation::payload_exit2:
    case operation::payload_exit2_tt:
    case operation::payload_monitor_p_exit:
    case operation::spawn_request:
    case operation::spawn_request_tt:
    case operation::alias_send:
    case operation::alias_send_tt: return true;
    default: return false;
  }
}

/// OTP's name without the DOP_ prefix, e.g. "REG_SEND".
std::string_view to_string(operation op) noexcept;

} // namespace cafe::distribution
