#include "rooms/presence_table.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

namespace cafe::chat::rooms {

namespace {

/// Orders entries and refs by phx_ref.
struct ref_less {
  bool operator()(const presence_entry& x, const std::string& ref) const {
    return x.phx_ref < ref;
  }
  bool operator()(const std::string& ref, const presence_entry& x) const {
    return ref < x.phx_ref;
  }
};

} // namespace

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
  if (node == self_)
    return {};
  // Every heartbeat carries a node's whole set; the entries it already had
  // stay where they are. Rebuilding the set each second reallocated
  // thousands of long-lived entries between short-lived buffers, and the
  // heap kept the holes.
  std::sort(entries.begin(), entries.end(),
            [](const presence_entry& x, const presence_entry& y) {
              return x.phx_ref < y.phx_ref;
            });
  auto in_new = [&](const std::string& ref) {
    return std::binary_search(entries.begin(), entries.end(), ref, ref_less{});
  };
  std::vector<std::string> gone;
  for (auto& [ref, e] : nodes_[node])
    if (!in_new(ref))
      gone.push_back(ref);
  return apply(node, std::move(entries), gone);
}

presence_diff presence_table::apply(const std::string& node,
                                    std::vector<presence_entry> joins,
                                    const std::vector<std::string>& leaves) {
  presence_diff diff;
  if (node == self_)
    return diff;
  auto& known = nodes_[node];
  for (auto& e : joins) {
    if (known.contains(e.phx_ref))
      continue;
    e.node = node;
    diff[e.room].joins.push_back(e);
    auto ref = e.phx_ref;
    known.emplace(std::move(ref), std::move(e));
  }
  for (auto& ref : leaves) {
    if (auto i = known.find(ref); i != known.end()) {
      diff[i->second.room].leaves.push_back(std::move(i->second));
      known.erase(i);
    }
  }
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

void presence_table::add_meta(boost::json::object& state,
                              const presence_entry& e) {
  auto sp = state.storage();
  auto& slot = state[e.user];
  if (!slot.is_object())
    slot.emplace_object().emplace("metas", boost::json::array(sp));
  boost::json::object meta(sp);
  meta.reserve(3);
  meta.emplace("phx_ref", e.phx_ref);
  meta.emplace("node", e.node);
  meta.emplace("online_at", std::to_string(e.online_at));
  slot.as_object()["metas"].as_array().push_back(std::move(meta));
}

boost::json::object presence_table::diff_json(const room_diff& diff) {
  return {{"joins", state_json(diff.joins)},
          {"leaves", state_json(diff.leaves)}};
}

} // namespace cafe::chat::rooms
