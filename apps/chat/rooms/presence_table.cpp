#include "rooms/presence_table.hpp"

#include <boost/json.hpp>
#include <set>

namespace cafe::chat::rooms {

presence_table::presence_table(std::string self) : self_(std::move(self)) {
  nodes_[self_];
}

const std::string& presence_table::self() const noexcept {
  return self_;
}

presence_diff presence_table::track(presence_entry e) {
  presence_diff diff;
  e.node = self_;
  auto [i, added] = nodes_[self_].emplace(e.phx_ref, e);
  if (added)
    diff[e.room].joins.push_back(std::move(e));
  return diff;
}

presence_diff presence_table::untrack(const std::string& phx_ref) {
  presence_diff diff;
  auto& mine = nodes_[self_];
  if (auto i = mine.find(phx_ref); i != mine.end()) {
    diff[i->second.room].leaves.push_back(i->second);
    mine.erase(i);
  }
  return diff;
}

presence_diff presence_table::replace(const std::string& node,
                                      std::vector<presence_entry> entries) {
  presence_diff diff;
  if (node == self_)
    return diff;
  entries_by_ref next;
  for (auto& e : entries) {
    e.node = node;
    next.emplace(e.phx_ref, std::move(e));
  }
  auto& known = nodes_[node];
  for (auto& [ref, e] : known)
    if (!next.contains(ref))
      diff[e.room].leaves.push_back(e);
  for (auto& [ref, e] : next)
    if (!known.contains(ref))
      diff[e.room].joins.push_back(e);
  known = std::move(next);
  return diff;
}

presence_diff presence_table::drop(const std::string& node) {
  presence_diff diff;
  if (node == self_)
    return diff;
  if (auto i = nodes_.find(node); i != nodes_.end()) {
    for (auto& [ref, e] : i->second)
      diff[e.room].leaves.push_back(e);
    nodes_.erase(i);
  }
  return diff;
}

std::vector<presence_entry> presence_table::local() const {
  std::vector<presence_entry> result;
  if (auto i = nodes_.find(self_); i != nodes_.end())
    for (auto& [ref, e] : i->second)
      result.push_back(e);
  return result;
}

std::vector<presence_entry>
presence_table::in_room(std::string_view room) const {
  std::vector<presence_entry> result;
  for (auto& [node, entries] : nodes_)
    for (auto& [ref, e] : entries)
      if (e.room == room)
        result.push_back(e);
  return result;
}

std::map<std::string, size_t> presence_table::users_per_room() const {
  std::map<std::string, std::set<std::string>> users;
  for (auto& [node, entries] : nodes_)
    for (auto& [ref, e] : entries)
      users[e.room].insert(e.user);
  std::map<std::string, size_t> result;
  for (auto& [room, names] : users)
    result[room] = names.size();
  return result;
}

std::vector<std::string> presence_table::nodes() const {
  std::vector<std::string> result;
  for (auto& [node, entries] : nodes_)
    result.push_back(node);
  return result;
}

boost::json::object
presence_table::state_json(const std::vector<presence_entry>& entries) {
  boost::json::object result;
  for (auto& e : entries) {
    auto& slot = result[e.user];
    if (!slot.is_object())
      slot = boost::json::object{{"metas", boost::json::array{}}};
    slot.as_object()["metas"].as_array().push_back(
      boost::json::object{{"phx_ref", e.phx_ref},
                          {"node", e.node},
                          {"online_at", std::to_string(e.online_at)}});
  }
  return result;
}

boost::json::object presence_table::diff_json(const room_diff& diff) {
  return {{"joins", state_json(diff.joins)},
          {"leaves", state_json(diff.leaves)}};
}

} // namespace cafe::chat::rooms
