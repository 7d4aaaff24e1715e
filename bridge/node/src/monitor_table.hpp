#pragma once

// Private to cafe::node. Not installed.

#include "cafe/etf/term.hpp"

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cafe::node {

/// A monitor some process holds on a local process.
struct incoming_monitor {
  etf::pid watcher;
  etf::pid target;
  /// The registered name when monitored by name (echoed in the DOWN).
  std::optional<etf::atom> name;
};

/// A monitor a local process holds on another process.
struct outgoing_monitor {
  etf::pid watcher;
  /// The pid or the registered name monitored.
  etf::term target;
  etf::atom target_node;
};

/// The monitors held on local processes (incoming) and the monitors local
/// processes hold (outgoing), by reference. A monitor between two local
/// processes is in both.
///
/// Not thread-safe: every call requires the node's lock (node::impl::mtx).
/// The table only records; the caller sends and delivers what an operation
/// returns, after the lock.
class monitor_table {
public:
  using incoming_entry = std::pair<etf::reference, incoming_monitor>;
  using outgoing_entry = std::pair<etf::reference, outgoing_monitor>;

  /// The monitors of a process that ended.
  struct ended_monitors {
    /// Held on it: their watchers get a DOWN.
    std::vector<incoming_entry> downs;
    /// Held by it: the remote ones need a DEMONITOR_P.
    std::vector<outgoing_entry> dropped;
  };

  /// A monitor between two local processes.
  void add_local(const etf::reference& ref, incoming_monitor in,
                 outgoing_monitor out);

  /// A monitor a local process holds on a remote one.
  void add_outgoing(const etf::reference& ref, outgoing_monitor out);

  /// Whether a monitor `ref` on a local process exists.
  bool holds_incoming(const etf::reference& ref) const {
    return incoming_.contains(ref);
  }

  /// A monitor a remote process holds on a local one.
  void add_incoming(const etf::reference& ref, incoming_monitor in);

  /// Removes the outgoing monitor `ref` if `watcher` holds it (demonitor).
  std::optional<outgoing_monitor> take_outgoing(const etf::reference& ref,
                                                const etf::pid& watcher);

  /// Removes the outgoing monitor `ref`, whose target went down.
  std::optional<outgoing_monitor> take_outgoing(const etf::reference& ref);

  void drop_incoming(const etf::reference& ref);

  /// Removes every monitor held on or by `pid`, which ended. A local pair
  /// goes from both sides.
  ended_monitors take_process(const etf::pid& pid);

  /// Removes every monitor across `peer`, whose connection is gone. Returns
  /// the outgoing ones (their watchers get a DOWN).
  std::vector<outgoing_entry> take_peer(etf::atom peer);

private:
  std::unordered_map<etf::reference, incoming_monitor> incoming_;
  std::unordered_map<etf::reference, outgoing_monitor> outgoing_;
};

} // namespace cafe::node
