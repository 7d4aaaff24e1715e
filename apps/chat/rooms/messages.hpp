#pragma once

#include "rooms/member.hpp"
#include "rooms/presence_table.hpp"
#include "rooms/sync_wire.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <optional>
#include <string>

namespace cafe::chat::rooms {

/// A client joins a room as `user`.
struct join_request {
  member_ptr who;
  std::string join_ref;
  std::string user;
};

/// A client's channel on the room ended (left, rejoined, disconnected).
struct leave_request {
  uint64_t member_id = 0;
  std::string join_ref;
};

/// A client posts `body` (already checked against the body rules and its
/// rate limit).
struct post_request {
  member_ptr who;
  std::string join_ref;
  std::optional<std::string> ref;
  std::string body;
};

/// Presence changes of one room, from the presence keeper.
struct presence_update {
  room_diff diff;
};

/// Presence: a local connection joins (`entry`) or leaves (its phx_ref).
struct track_request {
  presence_entry entry;
};
struct untrack_request {
  std::string phx_ref;
};

/// A room asks the keeper for the room's current presences.
struct presence_hello {
  std::string room;
};

/// `(sync_with_atom, std::string node)`: a cafe-chat peer was heard for the
/// first time; the room asks it for its history.
using sync_with_atom = caf::atom_constant<caf::atom("sync_with")>;

/// A room's ticks: the end of its history wait.
using sync_timeout_atom = caf::atom_constant<caf::atom("sync_tout")>;
/// The presence keeper's tick and its debounced heartbeat.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

} // namespace cafe::chat::rooms

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::join_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::leave_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::post_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::presence_update)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::track_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::untrack_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::presence_hello)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::history_answer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::chat::rooms::history_request)
