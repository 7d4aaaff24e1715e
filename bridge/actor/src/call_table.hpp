#pragma once

// The gen_server calls local actors made and still wait for. Not installed.

#include "cafe/etf/identifiers.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/message_id.hpp>
#include <caf/weak_intrusive_ptr.hpp>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace cafe::actor {

/// A gen_server:call a local actor made through a proxy (CAF `request`),
/// waiting for `{Ref, Reply}`.
struct outgoing_call {
  etf::pid caller;
  caf::message_id mid;
  caf::weak_actor_ptr callee;
};

/// Outgoing calls by their tag, which is also the caller's monitor on the
/// callee: the reply and the DOWN both end a call. Thread-safe.
class call_table {
public:
  void add(const etf::reference& ref, outgoing_call call);

  /// The call `ref` that `caller` waits for, taken out of the table.
  std::optional<outgoing_call> take(const etf::pid& caller,
                                    const etf::reference& ref);

  /// `caller` ended: nothing will answer its calls.
  void drop(const etf::pid& caller);

  void clear();

private:
  std::mutex mtx_;
  std::unordered_map<etf::reference, outgoing_call> calls_;
};

} // namespace cafe::actor
