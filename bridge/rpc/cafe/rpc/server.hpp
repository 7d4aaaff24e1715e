#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/rpc/exports.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace cafe::rpc {

/// Serves an export table to Erlang on the bridge's node, the way a BEAM
/// node's erpc and `rex` serve its modules:
///
/// - SPAWN_REQUEST for `erpc:execute_call/4` and `execute_cast/3` (what
///   erpc and OTP 25's rpc send), answered with the SPAWN_REPLY and the
///   monitor exit reason erpc expects (`{Ref, return, Value}`, ...);
/// - SPAWN_REQUEST for any other `M:F(Args)` (spawn/4, spawn_link/4,
///   spawn_monitor/4, spawn_request/5, Node.spawn): a spawnable actor if
///   one is registered under `M:F`, else a process that runs the function
///   and ends `normal` (or with the exception, as on BEAM), else one that
///   ends with `undef`. Funs cannot run on a C++ node: they end `undef`.
/// - the process `rex`: `{From, {call, M, F, A, GL}}` answered with
///   `{rex, Reply}` (erl_call, ei_rpc), gen_server calls `{call, ...}` and
///   `{block_call, ...}`, casts `{cast, ...}`, `features_request`.
///
/// Functions run on the CAF scheduler (each call in an actor of its own),
/// or on the io thread that received the call when added with
/// `execution::caller_thread`; a call whose caller stopped waiting before
/// it started is dropped.
///
/// Create it after the bridge; it stops serving when destroyed.
class server {
public:
  server(caf::actor_system& sys, std::shared_ptr<actor::bridge> bridge,
         std::shared_ptr<const exports> table);

  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  struct state;

private:
  std::shared_ptr<state> state_;
};

} // namespace cafe::rpc
