#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cafe::chat::rooms {

/// One connection present in one room: a meta of Phoenix Presence, keyed by
/// the nickname. `phx_ref` is unique in the cluster.
struct presence_entry {
  std::string room;
  std::string user;
  std::string phx_ref;
  std::string node;
  /// Unix seconds.
  int64_t online_at = 0;

  friend bool operator==(const presence_entry&, const presence_entry&)
    = default;
};

/// What changed in one room.
struct room_diff {
  std::vector<presence_entry> joins;
  std::vector<presence_entry> leaves;

  bool empty() const noexcept {
    return joins.empty() && leaves.empty();
  }
};

/// Changes by room.
using presence_diff = std::map<std::string, room_diff, std::less<>>;

/// Who is in which room on every chat node, without I/O. Each node owns its
/// own entries and tells the others its full set (a heartbeat), so a peer's
/// view is replaced wholesale and a lost message heals at the next one;
/// every change comes back as the diff to push to clients.
class presence_table {
public:
  explicit presence_table(std::string self);

  const std::string& self() const noexcept;

  /// A local connection joined a room.
  presence_diff track(presence_entry e);

  /// A local connection left (by its phx_ref).
  presence_diff untrack(const std::string& phx_ref);

  /// `node`'s full set of entries, as it last told it.
  presence_diff replace(const std::string& node,
                        std::vector<presence_entry> entries);

  /// `node`'s changes since it last told its set: `joins` added, the
  /// entries of `leaves` (phx_refs) removed.
  presence_diff apply(const std::string& node,
                      std::vector<presence_entry> joins,
                      const std::vector<std::string>& leaves);

  /// `node` is gone (nodedown, or silent too long).
  presence_diff drop(const std::string& node);

  /// The entries of this node.
  std::vector<presence_entry> local() const;

  /// Every entry in `room`, on all nodes.
  std::vector<presence_entry> in_room(std::string_view room) const;

  /// Distinct nicknames per room, cluster-wide.
  std::map<std::string, size_t> users_per_room() const;

  /// Nodes with a known set (this one included).
  std::vector<std::string> nodes() const;

  /// Phoenix Presence's `presence_state` payload for `entries` (entries,
  /// or a map to entries), its tree allocated from `sp`:
  /// `{"<user>": {"metas": [{"phx_ref", "node", "online_at"}, ...]}}`.
  template <class Entries>
  static boost::json::object
  state_json(const Entries& entries, boost::json::storage_ptr sp = {}) {
    boost::json::object result(sp);
    for (const auto& x : entries)
      add_meta(result, entry_of(x));
    return result;
  }

  /// Phoenix Presence's `presence_diff` payload: `{"joins": ..., "leaves":
  /// ...}`, each in the `presence_state` shape.
  static boost::json::object diff_json(const room_diff& diff);

private:
  static const presence_entry& entry_of(const presence_entry& x) {
    return x;
  }

  template <class Key>
  static const presence_entry&
  entry_of(const std::pair<const Key, presence_entry>& x) {
    return x.second;
  }

  static void add_meta(boost::json::object& state, const presence_entry& e);

  using entries_by_ref = std::map<std::string, presence_entry>;

  std::string self_;
  std::map<std::string, entries_by_ref> nodes_;
};

} // namespace cafe::chat::rooms
