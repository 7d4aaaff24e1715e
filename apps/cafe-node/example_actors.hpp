#pragma once

// The example actors cafe-node hosts. Each is an ordinary CAF actor; the
// bridge makes it an Erlang process. Copy one to start your own.

#include "cafe/actor/bridge.hpp"
#include "cafe/groups/topics.hpp"

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

/// The pubsub topic kv publishes its changes on: `{kv_put, Key, Value}`
/// and `{kv_delete, Key}`.
inline constexpr const char* kv_topic = "kv";

/// The topic kv takes commands from: `{put, K, V}` and `{delete, K}`.
inline constexpr const char* kv_commands_topic = "kv:commands";

/// A key-value store over any terms (raw delivery, gen_server calls):
///   {put, K, V} -> ok      {get, K} -> {ok, V} | not_found
///   {delete, K} -> ok      keys     -> [K]
/// With `topics`, it publishes each change on `kv_topic` and applies the
/// commands broadcast on `kv_commands_topic`.
caf::behavior kv_store(caf::event_based_actor* self,
                       std::shared_ptr<groups::topics> topics);

} // namespace cafe::apps
