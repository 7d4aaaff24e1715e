#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/etf/atom.hpp"

namespace cafe::distribution {

/// The node checks OTP's `erts_net_message` makes on top of the field types
/// (`from_term`'s part): a "From" pid that must belong to the node at the
/// other end (`peer`), and a "To" pid or reference that must belong to this
/// node (`local`). A violation is `errc::invalid_message`, which makes OTP
/// drop the connection.
///
/// Checked: LINK, UNLINK, UNLINK_ID(_ACK), EXIT*, PAYLOAD_EXIT*, EXIT2*,
/// PAYLOAD_EXIT2*, MONITOR_P and DEMONITOR_P (From is the peer's; a pid
/// target is ours), (PAYLOAD_)MONITOR_P_EXIT and SPAWN_REPLY(_TT) (the
/// target is ours). Sends, REG_SEND, GROUP_LEADER, ALIAS_SEND and
/// SPAWN_REQUEST have no node constraint in OTP.
///
/// Only node names are compared. A pid of this node with an old creation
/// passes: OTP drops such signals quietly (or answers noproc), which is the
/// router's business, not the protocol's.
result<void> check_nodes(const control_message& msg, etf::atom peer,
                         etf::atom local);

} // namespace cafe::distribution
