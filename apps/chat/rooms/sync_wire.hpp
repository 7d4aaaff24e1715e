#pragma once

#include "cafe/etf/term.hpp"
#include "rooms/chat_message.hpp"
#include "rooms/presence_table.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace cafe::chat::rooms {

/// What cafe-chat nodes tell each other, on the pubsub topic `sync_topic`
/// with the default dispatcher. An Elixir node of the same pubsub gets
/// these too and drops them (no subscriber there), so they are plain terms
/// tagged `cafe_chat`.
inline constexpr std::string_view sync_topic = "cafe_chat:sync";

/// `{cafe_chat, heartbeat, Node, Incarnation, Rooms, Presences}`: a node's
/// rooms (those it holds history of) and its full presence set, every tick
/// and when a peer is new. `Presences` is `[{Room, User, PhxRef, OnlineAt}]`.
struct heartbeat {
  std::string node;
  int64_t incarnation = 0;
  std::vector<std::string> rooms;
  std::vector<presence_entry> presences;
};

/// `{cafe_chat, presence_delta, Node, Joins, Leaves}`: a node's local
/// changes since its last message, shortly after they happen (the full set
/// follows with the next heartbeat). `Joins` is `[{Room, User, PhxRef,
/// OnlineAt}]`, `Leaves` `[PhxRef]`.
struct presence_delta {
  std::string node;
  std::vector<presence_entry> joins;
  std::vector<std::string> leaves;
};

/// `{cafe_chat, history_request, Room, ReplyNode}`: a node that has just
/// opened `Room` asks for what the others hold.
struct history_request {
  std::string room;
  std::string reply_to;
};

/// `{cafe_chat, history, Room, Messages}`: the answer, sent to the asking
/// node only. Messages are `new_msg` payload maps.
struct history_answer {
  std::string room;
  std::vector<chat_message> messages;
};

using sync_message
  = std::variant<heartbeat, presence_delta, history_request, history_answer>;

etf::term encode(const heartbeat& x);
etf::term encode(const presence_delta& x);
etf::term encode(const history_request& x);
etf::term encode(const history_answer& x);

/// Nothing for terms that are not one of the above (logged by the caller).
std::optional<sync_message> decode_sync(const etf::term& x, int64_t now_ms);

} // namespace cafe::chat::rooms
