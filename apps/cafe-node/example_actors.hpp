#pragma once

// The example actors cafe-node hosts. Each is an ordinary CAF actor; the
// bridge makes it an Erlang process. Copy one to start your own.

#include "cafe/actor/bridge.hpp"

#include <caf/event_based_actor.hpp>
#include <memory>

namespace cafe::apps {

/// `{Pid, Term}` -> `Pid ! {EchoPid, Term}`. Receives raw terms
/// (delivery::raw), so every term comes back exactly as it came.
caf::behavior echo(caf::event_based_actor* self,
                   std::shared_ptr<actor::bridge> br);

/// A gen_server-style counter with typed handlers:
///   gen_server:call(C, incr)       -> N + 1
///   gen_server:call(C, {add, K})   -> N + K
///   gen_server:call(C, get)        -> N
///   gen_server:call(C, reset)      -> ok
/// and `C ! {Pid, get}` -> `Pid ! {value, N}` for plain messages.
caf::behavior counter(caf::stateful_actor<int64_t>* self);

/// A key-value store over any terms (raw delivery, gen_server calls):
///   {put, K, V} -> ok      {get, K} -> {ok, V} | not_found
///   {delete, K} -> ok      keys     -> [K]
caf::behavior kv_store(caf::event_based_actor* self);

} // namespace cafe::apps
