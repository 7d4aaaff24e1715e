#pragma once

#include "rooms/context.hpp"
#include "rooms/presence_table.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <map>
#include <string>

namespace cafe::chat::rooms {

struct presence_keeper_state {
  presence_table table{""};
  /// When each cafe-chat peer was last heard.
  std::map<std::string, std::chrono::steady_clock::time_point> heard;
  bool flush_pending = false;
  /// Local joins and leaves since the last flush, for the peers.
  presence_diff local_changes;
  /// Every change since the last flush, local or a peer's: handed to the
  /// rooms together, so a thousand joins at once make a few diffs per
  /// room, not a thousand broadcasts to a thousand clients each.
  presence_diff room_changes;
  /// A peer is new: the next flush tells the full set, not only changes.
  bool full_set_due = false;

  static inline const char* name = "cafe.chat.presence_keeper";
};

/// The node's presence replica and the end of the cafe-chat sync topic:
/// tracks local connections per room, tells the other cafe-chat nodes its
/// full set every tick and when a peer is new, its changes shortly after
/// they happen, replaces a peer's set with each of its heartbeats and
/// applies its deltas in between, drops a peer on nodedown or after
/// `silent_ticks` silent ticks, and hands every change to the rooms as
/// presence diffs. Routes history requests and answers to rooms, opening
/// the rooms other nodes have. Never sends a BEAM node anything but
/// pubsub broadcasts on the sync topic, which Phoenix.PubSub drops.
caf::behavior presence_keeper(caf::stateful_actor<presence_keeper_state>* self,
                              context_ptr ctx);

} // namespace cafe::chat::rooms
