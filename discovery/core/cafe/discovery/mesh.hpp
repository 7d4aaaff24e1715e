#pragma once

#include "cafe/etf/atom.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::discovery {

using clock = std::chrono::steady_clock;

/// How the mesh keeper treats the nodes its plugins find.
struct mesh_options {
  /// A node a plugin stops finding (missing from a poll's answer, or silent
  /// past this long since it last announced itself) is let go after this
  /// long, like libcluster's polling strategies.
  std::chrono::milliseconds grace{std::chrono::seconds{10}};
  /// Retries of a failed connect wait from `backoff_min`, doubling up to
  /// `backoff_max`, each wait drawn at random from its upper half.
  std::chrono::milliseconds backoff_min{std::chrono::milliseconds{250}};
  std::chrono::milliseconds backoff_max{std::chrono::seconds{30}};
};

/// The full-mesh bookkeeping of the discovery keeper, without I/O: which
/// nodes the plugins want connected, since when, which are connected, and
/// when to try each again. The keeper feeds it reports and connection
/// events and carries out what `due` answers.
///
/// A node is wanted while at least one plugin finds it; it stays wanted
/// `grace` past the last plugin's last sighting. Connects are retried with
/// exponential backoff and jitter, so a flapping peer, or many nodes
/// starting at once, cause no connect storm.
class mesh {
public:
  mesh(etf::atom self, mesh_options opts, uint64_t seed);

  // -- what plugins report ----------------------------------------------------

  /// Every node `source` finds right now: a polling plugin's whole answer.
  /// Nodes it found before and not now start their grace period.
  void found(std::string_view source, const std::vector<etf::atom>& nodes,
             clock::time_point now);

  /// `node` announced itself to `source` (a push plugin's heartbeat): wanted
  /// for `grace` from now.
  void heard(std::string_view source, etf::atom node, clock::time_point now);

  // -- what the node reports --------------------------------------------------

  void connected(etf::atom node, clock::time_point now);

  void disconnected(etf::atom node, clock::time_point now);

  void connect_failed(etf::atom node, clock::time_point now);

  // -- what to do -------------------------------------------------------------

  struct actions {
    /// Connect to these now (each is marked in flight until the outcome).
    std::vector<etf::atom> connect;
    /// Wanted by no plugin any more: disconnect.
    std::vector<etf::atom> disconnect;
  };

  /// What is due at `now`.
  actions due(clock::time_point now);

  /// When `due` has something to do next (nullopt: nothing pending).
  std::optional<clock::time_point> next_due() const;

  // -- state ------------------------------------------------------------------

  /// Wanted nodes, sorted.
  std::vector<etf::atom> wanted(clock::time_point now) const;

  /// The plugins that want `node` now.
  std::vector<std::string> sources(etf::atom node, clock::time_point now) const;

  bool is_connected(etf::atom node) const;

private:
  struct sighting {
    /// Wanted until then; `found` lists renew it without end while they
    /// keep naming the node.
    clock::time_point until;
    bool listed = false;
  };

  struct peer {
    std::map<std::string, sighting, std::less<>> seen_by;
    bool connected = false;
    bool in_flight = false;
    std::chrono::milliseconds backoff{0};
    clock::time_point retry_at{};
  };

  bool wanted(const peer& p, clock::time_point now) const;

  void expire(clock::time_point now);

  std::chrono::milliseconds grow(std::chrono::milliseconds current) const;

  std::chrono::milliseconds jitter(std::chrono::milliseconds backoff);

  etf::atom self_;
  mesh_options opts_;
  std::minstd_rand rng_;
  std::map<etf::atom, peer> peers_;
};

} // namespace cafe::discovery
