#include "cafe/distribution/operation.hpp"

namespace cafe::distribution {

std::string_view to_string(operation op) noexcept {
  switch (op) {
    case operation::link: return "LINK";
    case operation::send: return "SEND";
    case operation::exit: return "EXIT";
    case operation::unlink: return "UNLINK";
    case operation::node_link: return "NODE_LINK";
    case operation::reg_send: return "REG_SEND";
    case operation::group_leader: return "GROUP_LEADER";
    case operation::exit2: return "EXIT2";
    case operation::send_tt: return "SEND_TT";
    case operation::exit_tt: return "EXIT_TT";
    case operation::reg_send_tt: return "REG_SEND_TT";
    case operation::exit2_tt: return "EXIT2_TT";
    case operation::monitor_p: return "MONITOR_P";
    case operation::demonitor_p: return "DEMONITOR_P";
    case operation::monitor_p_exit: return "MONITOR_P_EXIT";
    case operation::send_sender: return "SEND_SENDER";
    case operation::send_sender_tt: return "SEND_SENDER_TT";
    case operation::payload_exit: return "PAYLOAD_EXIT";
    case operation::payload_exit_tt: return "PAYLOAD_EXIT_TT";
    case operation::payload_exit2: return "PAYLOAD_EXIT2";
    case operation::payload_exit2_tt: return "PAYLOAD_EXIT2_TT";
    case operation::payload_monitor_p_exit: return "PAYLOAD_MONITOR_P_EXIT";
    case operation::spawn_request: return "SPAWN_REQUEST";
    case operation::spawn_request_tt: return "SPAWN_REQUEST_TT";
    case operation::spawn_reply: return "SPAWN_REPLY";
    case operation::spawn_reply_tt: return "SPAWN_REPLY_TT";
    case operation::alias_send: return "ALIAS_SEND";
    case operation::alias_send_tt: return "ALIAS_SEND_TT";
    case operation::unlink_id: return "UNLINK_ID";
    case operation::unlink_id_ack: return "UNLINK_ID_ACK";
  }
  return "UNKNOWN";
}

} // namespace cafe::distribution
