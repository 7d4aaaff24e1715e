#pragma once

#include "cafe/etf/atom.hpp"

#include <string_view>
#include <vector>

namespace cafe::discovery {

/// Where a plugin reports what it finds (the keeper). Thread-safe.
class sink {
public:
  virtual ~sink();

  /// Every node `source` finds right now (a polling plugin's whole answer:
  /// a DNS answer, EPMD's names, a fixed list). A node missing from a
  /// later answer is let go after the grace period.
  virtual void found(std::string_view source, std::vector<etf::atom> nodes) = 0;

  /// `node` announced itself (a heartbeat); it is let go after the grace
  /// period without another.
  virtual void heard(std::string_view source, etf::atom node) = 0;
};

/// One way of finding nodes (libcluster calls it a strategy). A plugin
/// reports to its sink from any thread until it is stopped; it connects
/// nothing itself.
class plugin {
public:
  virtual ~plugin();

  /// The name in configuration and events: `epmd`, `gossip`, `dns`, ...
  virtual std::string_view name() const noexcept = 0;

  /// Starts finding nodes; reports go to `to`, which outlives the plugin's
  /// run.
  virtual void start(sink& to) = 0;

  /// Stops: no reports after it returns.
  virtual void stop() = 0;
};

} // namespace cafe::discovery
