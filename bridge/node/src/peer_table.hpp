#pragma once

// Private to cafe::node. Not installed.

#include "cafe/connection/dist_connection.hpp"

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cafe::node {

/// The peer nodes: per peer its connection (up or in its handshake) or the
/// EPMD lookup before it, who waits for it to come up, and what was sent to
/// it meanwhile; and who watches peers come and go.
///
/// Not thread-safe: every call requires the node's lock (node::impl::mtx).
/// Two operations call into a connection under that lock, as the node
/// always has, and say so: `bring_up` and `close_attempt`.
class peer_table {
public:
  using connection_ptr = std::shared_ptr<connection::dist_connection>;

  /// Called once with the outcome of a connect.
  using waiter = std::function<void(bool)>;

  using waiter_list = std::vector<waiter>;

  /// Called with (node, up) whenever a connection comes up or goes down.
  using node_watcher = std::function<void(etf::atom, bool)>;

  /// The way to a peer whose connection is up (empty otherwise).
  struct route {
    connection_ptr conn;
    /// Kept beside the connection so senders pick a message form without
    /// taking the connection's own lock.
    distribution::flags_t flags = 0;
  };

  /// What `replace` displaced.
  struct replaced {
    connection_ptr old;
    bool was_up = false;
  };

  /// What `remove` dropped.
  struct removed {
    waiter_list waiters;
    bool was_up = false;
  };

  // -- looking up -------------------------------------------------------------

  /// Inline: this is the message path.
  route route_to(etf::atom peer) const {
    if (auto i = peers_.find(peer); i != peers_.end() && i->second.up)
      return {i->second.conn, i->second.flags};
    return {};
  }

  /// The negotiated flags while up, else 0.
  distribution::flags_t flags(etf::atom peer) const {
    if (auto i = peers_.find(peer); i != peers_.end() && i->second.up)
      return i->second.flags;
    return 0;
  }

  bool up(etf::atom peer) const;

  /// True if a connection to `peer` other than `conn` is up.
  bool up_elsewhere(etf::atom peer, const connection_ptr& conn) const;

  /// An attempt to connect with `peer` is under way: our lookup, or a
  /// connection (either side's) in its handshake.
  bool attempt_under_way(etf::atom peer) const;

  /// The connection to `peer`, up or in its handshake.
  connection_ptr connection(etf::atom peer) const;

  /// Every connection, up or in its handshake.
  std::vector<connection_ptr> connections() const;

  /// The peers that are up; hidden ones only if `hidden`.
  std::vector<etf::atom> up_nodes(bool hidden) const;

  // -- before a connection is up ----------------------------------------------

  /// Queues `ctl` for `peer` until its connection comes up; false (nothing
  /// queued) if `limit` messages wait already.
  bool enqueue(etf::atom peer, distribution::control_message ctl,
               const etf::term* payload, size_t limit);

  void add_waiter(etf::atom peer, waiter fn);

  /// Marks an EPMD lookup for `peer` as under way, unless one is or a
  /// connection exists: false then.
  bool begin_lookup(etf::atom peer);

  /// The lookup for `peer` found it: true if the peer still waits for a
  /// connection (none took its place meanwhile).
  bool end_lookup(etf::atom peer);

  /// Gives up the attempt under way (closing its connection, if it has
  /// one, under the lock), for another connection to take its place
  /// (`set_connection` next).
  void close_attempt(etf::atom peer, const std::string& reason);

  void set_connection(etf::atom peer, connection_ptr conn);

  // -- connections coming and going -------------------------------------------

  /// Puts `conn` in the place of whatever connection `peer` had; that one
  /// is not up any more.
  replaced replace(etf::atom peer, const connection_ptr& conn);

  /// `conn` came up. Nothing (and no change) if another connection holds
  /// the place. Otherwise sends what was queued through `conn` first,
  /// under the lock, so nothing sent after it is up overtakes it, and
  /// hands out the waiters.
  std::optional<waiter_list> bring_up(etf::atom peer,
                                      const connection_ptr& conn);

  /// `conn` went down: drops the peer if `conn` is its connection.
  std::optional<removed> remove(etf::atom peer, const connection_ptr& conn);

  /// The lookup for `peer` failed: drops the peer unless a connection
  /// took its place.
  std::optional<waiter_list> remove_lookup(etf::atom peer);

  // -- watchers ---------------------------------------------------------------

  void watch(node_watcher fn);

  /// A copy, for the caller to call after the lock.
  std::vector<node_watcher> watchers() const;

private:
  /// A message accepted for a peer whose connection is still being set up.
  struct queued_message {
    distribution::control_message control;
    std::optional<etf::term> payload;
  };

  struct peer_state {
    connection_ptr conn;
    /// An EPMD lookup is under way (no connection object yet).
    bool connecting = false;
    bool up = false;
    /// The negotiated flags, once up.
    distribution::flags_t flags = 0;
    waiter_list waiters;
    std::deque<queued_message> queue;
  };

  std::unordered_map<etf::atom, peer_state> peers_;
  std::vector<node_watcher> watchers_;
};

} // namespace cafe::node
