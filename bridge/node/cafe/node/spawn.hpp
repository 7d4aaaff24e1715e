#pragma once

#include "cafe/etf/term.hpp"

#include <functional>

namespace cafe::node {

/// A SPAWN_REQUEST from a peer: erlang:spawn_request/5 and everything built
/// on it (erpc, rpc, spawn/4, spawn_link/4, spawn_monitor/4, Node.spawn).
/// The caller's node has already turned `{monitor, Opts}` and `{link,
/// Opts}` into the plain flags and kept `{reply, ...}` for itself.
struct incoming_spawn {
  etf::reference req_id;
  etf::pid from;
  etf::pid group_leader;
  etf::atom module;
  etf::atom function;
  etf::list args;
  /// The caller links with the new process.
  bool link = false;
  /// The caller monitors the new process; the DOWN's reference is req_id.
  bool monitor = false;
};

/// Serves the spawn requests of peers, on an io thread (it must not
/// block). It answers every request exactly once, with node::spawned or
/// node::refuse_spawn, and may do so later, from any thread.
using spawn_server = std::function<void(incoming_spawn)>;

/// What a spawn this node requests asks of the new process.
struct spawn_options {
  bool link = false;
  bool monitor = false;
};

} // namespace cafe::node
