#pragma once

// The `cafe_demo` module cafe-node exports to Erlang: functions to call
// with rpc/erpc/erl_call and an actor to spawn. Copy it to export your own.

#include "cafe/actor/bridge.hpp"
#include "cafe/rpc/exports.hpp"

#include <caf/actor_system.hpp>
#include <memory>

namespace cafe::apps {

/// Adds to `table`:
///   cafe_demo:add(A, B)     -> A + B (integers)
///   cafe_demo:echo(X)       -> X
///   cafe_demo:fail(Reason)  -> raises error:Reason
///   cafe_demo:slow(Ms)      -> ok, after Ms milliseconds (the call waits
///                              on a CAF timer, not on a thread)
///   spawn(Node, cafe_demo, worker, [Name]) -> a worker actor:
///     {From, ping} -> From ! {Worker, pong};  {From, name} -> From !
///     {Worker, Name};  stop -> ends normal;  {exit, Reason} -> ends with
///     Reason
void add_demo_exports(rpc::exports& table, caf::actor_system& sys,
                      std::shared_ptr<actor::bridge> br);

} // namespace cafe::apps
