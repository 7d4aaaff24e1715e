#pragma once

#include "rooms/context.hpp"
#include "rooms/history.hpp"
#include "rooms/messages.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <map>
#include <string>
#include <vector>

namespace cafe::chat::rooms {

struct room_state {
  struct slot {
    member_ptr who;
    std::string join_ref;
    std::string user;
    std::string phx_ref;
  };

  std::string name;
  std::string topic;
  rooms::history history{0};
  /// Local clients in the room, by member id.
  std::map<uint64_t, slot> members;
  /// Everyone in the room on every node, by phx_ref (the presence keeper's
  /// view, kept current by its updates).
  std::map<std::string, presence_entry> presences;
  /// Until the other nodes' history arrived (or the wait ended), joins
  /// wait here.
  bool syncing = false;
  size_t answers_awaited = 0;
  std::vector<join_request> pending;
  uint64_t next_seq = 0;

  static inline const char* name_of = "cafe.chat.room";
};

/// The actor serving the channel `room:<name>` on this node: its local
/// clients, its history (replicated with the other nodes' rooms of that
/// name) and its presence view. Messages go to local clients directly and
/// to other nodes as Phoenix's Endpoint.broadcast sends them; what other
/// nodes broadcast on the topic reaches the local clients.
caf::behavior room(caf::stateful_actor<room_state>* self, context_ptr ctx,
                   std::string name);

/// A presence ref unique in the cluster, 16 characters of base64url like
/// Phoenix.Tracker's (time, node, counter).
std::string make_phx_ref(const std::string& node);

} // namespace cafe::chat::rooms
