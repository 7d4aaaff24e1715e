#pragma once

#include "cafe/global/server.hpp"
#include "cafe/rpc/exports.hpp"

#include <memory>

namespace cafe::groups {

/// Serves global's API over rpc from this node's global server, so that
/// `erpc:call(CafeNode, global, whereis_name, [Name])` answers from cafe's
/// view: `global:whereis_name/1`, `registered_names/0`, `register_name/2,3`
/// (`yes`/`no`), `re_register_name/2,3`, `unregister_name/1`, `send/2` (the
/// pid, or exit `{badarg, {Name, Msg}}` as on BEAM), `sync/0`, and
/// `resolve_it/4`, which a BEAM node calls on the node of a clashing
/// process to run the name's resolve function there.
void add_global_exports(rpc::exports& table,
                        std::shared_ptr<global::server> server);

} // namespace cafe::groups
