#include "rooms/sync_wire.hpp"

#include "cafe/etf/atom.hpp"

namespace cafe::chat::rooms {

namespace {

etf::term bin(std::string_view x) {
  return etf::binary{x};
}

std::optional<std::string> text(const etf::term& x) {
  if (auto b = x.get_if<etf::binary>())
    return b->bytes;
  if (auto a = x.get_if<etf::atom>())
    return std::string{a->text()};
  return std::nullopt;
}

bool is_atom(const etf::term& x, std::string_view name) {
  auto a = x.get_if<etf::atom>();
  return a && a->text() == name;
}

etf::term tag() {
  return etf::atom{"cafe_chat"};
}

/// `[{Room, User, PhxRef, OnlineAt}]`.
etf::term entries_term(const std::vector<presence_entry>& entries) {
  std::vector<etf::term> result;
  result.reserve(entries.size());
  for (auto& p : entries)
    result.push_back(
      etf::make_tuple(bin(p.room), bin(p.user), bin(p.phx_ref), p.online_at));
  return etf::list{std::move(result)};
}

/// The entries of `node` in `x`, or nothing if any is malformed.
std::optional<std::vector<presence_entry>> entries_of(const etf::term& x,
                                                      const std::string& node) {
  auto list = x.get_if<etf::list>();
  if (!list)
    return std::nullopt;
  std::vector<presence_entry> result;
  result.reserve(list->elements.size());
  for (auto& p : list->elements) {
    auto e = p.get_if<etf::tuple>();
    if (!e || e->size() != 4)
      return std::nullopt;
    auto room = text((*e)[0]);
    auto user = text((*e)[1]);
    auto ref = text((*e)[2]);
    auto at = (*e)[3].get_if<int64_t>();
    if (!room || !user || !ref || !at)
      return std::nullopt;
    result.push_back(
      {std::move(*room), std::move(*user), std::move(*ref), node, *at});
  }
  return result;
}

} // namespace

etf::term encode(const heartbeat& x) {
  std::vector<etf::term> rooms;
  for (auto& r : x.rooms)
    rooms.push_back(bin(r));
  return etf::make_tuple(tag(), etf::atom{"heartbeat"}, etf::atom{x.node},
                         x.incarnation, etf::list{std::move(rooms)},
                         entries_term(x.presences));
}

etf::term encode(const presence_delta& x) {
  std::vector<etf::term> leaves;
  for (auto& ref : x.leaves)
    leaves.push_back(bin(ref));
  return etf::make_tuple(tag(), etf::atom{"presence_delta"}, etf::atom{x.node},
                         entries_term(x.joins), etf::list{std::move(leaves)});
}

etf::term encode(const history_request& x) {
  return etf::make_tuple(tag(), etf::atom{"history_request"}, bin(x.room),
                         etf::atom{x.reply_to});
}

etf::term encode(const history_answer& x) {
  std::vector<etf::term> msgs;
  for (auto& m : x.messages)
    msgs.push_back(to_term(m));
  return etf::make_tuple(tag(), etf::atom{"history"}, bin(x.room),
                         etf::list{std::move(msgs)});
}

std::optional<sync_message> decode_sync(const etf::term& x, int64_t now_ms) {
  auto t = x.get_if<etf::tuple>();
  if (!t || t->size() < 4 || !is_atom((*t)[0], "cafe_chat"))
    return std::nullopt;
  auto& kind = (*t)[1];
  if (is_atom(kind, "heartbeat") && t->size() == 6) {
    heartbeat hb;
    auto node = text((*t)[2]);
    auto inc = (*t)[3].get_if<int64_t>();
    auto rooms = (*t)[4].get_if<etf::list>();
    if (!node || !inc || !rooms)
      return std::nullopt;
    hb.node = std::move(*node);
    hb.incarnation = *inc;
    for (auto& r : rooms->elements) {
      auto name = text(r);
      if (!name)
        return std::nullopt;
      hb.rooms.push_back(std::move(*name));
    }
    auto presences = entries_of((*t)[5], hb.node);
    if (!presences)
      return std::nullopt;
    hb.presences = std::move(*presences);
    return hb;
  }
  if (is_atom(kind, "presence_delta") && t->size() == 5) {
    auto node = text((*t)[2]);
    auto leaves = (*t)[4].get_if<etf::list>();
    if (!node || !leaves)
      return std::nullopt;
    presence_delta delta;
    delta.node = std::move(*node);
    auto joins = entries_of((*t)[3], delta.node);
    if (!joins)
      return std::nullopt;
    delta.joins = std::move(*joins);
    for (auto& l : leaves->elements) {
      auto ref = text(l);
      if (!ref)
        return std::nullopt;
      delta.leaves.push_back(std::move(*ref));
    }
    return delta;
  }
  if (is_atom(kind, "history_request")) {
    auto room = text((*t)[2]);
    auto reply_to = text((*t)[3]);
    if (!room || !reply_to)
      return std::nullopt;
    return history_request{std::move(*room), std::move(*reply_to)};
  }
  if (is_atom(kind, "history")) {
    auto room = text((*t)[2]);
    auto msgs = (*t)[3].get_if<etf::list>();
    if (!room || !msgs)
      return std::nullopt;
    history_answer answer{std::move(*room), {}};
    for (auto& m : msgs->elements)
      if (auto msg = from_term(m, now_ms))
        answer.messages.push_back(std::move(*msg));
    return answer;
  }
  return std::nullopt;
}

} // namespace cafe::chat::rooms
