#pragma once

// The local subscriber registry of one pubsub (Elixir's Registry with
// duplicate keys). Not installed.

#include "cafe/etf/term.hpp"

#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace cafe::pubsub {

/// Topics and the local processes subscribed to them, each subscriber
/// watched by one monitor. Thread-safe; readers (broadcasts) share the lock.
class subscribers {
public:
  /// Adds one subscription. Returns true when `pid` had none before: the
  /// caller then monitors it with `ref`, which the table keeps.
  bool add(const etf::pid& pid, const std::string& topic,
           const etf::reference& ref);

  /// Drops `pid`'s subscriptions to `topic`; returns the monitor to drop
  /// when it has none left.
  std::optional<etf::reference> remove(const etf::pid& pid,
                                       const std::string& topic);

  /// Drops everything of `pid` if `ref` is its monitor (it ended).
  void remove_all(const etf::pid& pid, const etf::reference& ref);

  /// Drops everything; returns the monitors to drop.
  std::vector<std::pair<etf::pid, etf::reference>> clear();

  /// The subscribers of `topic`, one entry a subscription.
  std::vector<etf::pid> of(const std::string& topic) const;

  size_t count(const std::string& topic) const;

private:
  struct subscriber {
    etf::reference monitor;
    std::vector<std::string> topics;
  };

  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, std::vector<etf::pid>> topics_;
  std::unordered_map<etf::pid, subscriber> by_pid_;
};

} // namespace cafe::pubsub
