#pragma once

#include "cafe/node/node.hpp"
#include "cafe/rpc/exports.hpp"

#include <functional>
#include <memory>

namespace cafe::rpc {

/// What `erlang:halt/0,1` and `init:stop/0,1` do: stop the program with
/// the given status (0 for init:stop).
using halt_function = std::function<void(int status)>;

/// Adds to `table` the parts of OTP's own modules that ops scripts and
/// cluster code call on any node, answered from `self`'s view:
/// `erlang:node/0, nodes/0,1, registered/0, whereis/1, is_process_alive/1,
/// processes/0, system_info/1, statistics/1, halt/0,1`,
/// `net_adm:ping/1`, `net_kernel:connect_node/1`, `init:stop/0,1`.
///
/// `erlang:system_info/1` answers `otp_release` ("25", the release cafe
/// speaks), `version` (cafe's own version), `process_count`,
/// `schedulers`/`logical_processors` (hardware threads) and `machine`
/// ("CAFE"); anything else is `badarg`, as for an unknown item on BEAM.
void add_builtins(exports& table, std::weak_ptr<node::node> self,
                  halt_function halt);

} // namespace cafe::rpc
