#pragma once

#include "cafe/pg/scopes.hpp"
#include "cafe/rpc/exports.hpp"

#include <memory>

namespace cafe::groups {

/// Serves pg's API over rpc from this node's scopes, so that
/// `erpc:call(CafeNode, pg, get_members, [Group])` answers from cafe's view:
/// `pg:join/2,3`, `leave/2,3`, `get_members/1,2`, `get_local_members/1,2`,
/// `which_groups/0,1`, `which_local_groups/0,1` (the /N-1 forms use the
/// default scope `pg`). Results and errors are pg's: `{nolocal, Pid}` for a
/// pid of another node, `noproc` for a scope that does not run here (`[]`
/// from the get_* functions).
void add_pg_exports(rpc::exports& table, std::shared_ptr<pg::scopes> scopes);

} // namespace cafe::groups
