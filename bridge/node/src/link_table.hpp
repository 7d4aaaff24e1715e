#pragma once

// Private to cafe::node. Not installed.

#include "cafe/etf/term.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cafe::node {

/// The links of local processes, in the terms of OTP's link protocol
/// (UNLINK_ID): a link we are unlinking stays, inactive, until the peer
/// acknowledges, so an exit signal that crossed our UNLINK_ID is ignored
/// rather than taken for a new link's.
///
/// A link between two local processes is kept on both sides, a link with a
/// remote process on the local side only.
///
/// Not thread-safe: every call requires the node's lock (node::impl::mtx).
/// The table only records; the caller sends and delivers what an operation
/// returns, after the lock.
class link_table {
public:
  /// The active links of a process that ended, by where the other side
  /// lives.
  struct ended_links {
    std::vector<etf::pid> local;
    std::vector<etf::pid> remote;
  };

  /// Links the local processes `a` and `b` (both sides).
  void link_local(const etf::pid& a, const etf::pid& b);

  /// Links the local `local` with the remote `remote` (an entry being
  /// unlinked turns active again).
  void link_remote(const etf::pid& local, const etf::pid& remote);

  /// A peer linked `remote` with the local `local`. An entry that exists
  /// (even one being unlinked) stays as it is.
  void link_incoming(const etf::pid& local, const etf::pid& remote);

  /// Starts unlinking `local` from `other`. Returns nothing when there is no
  /// active link (nothing to send). A local pair goes at once and returns
  /// 0, as does a remote link when the peer lacks `unlink_id` (old
  /// protocol: send UNLINK). Otherwise the link turns inactive under a
  /// fresh id, for the caller to send in an UNLINK_ID.
  std::optional<uint64_t> begin_unlink(const etf::pid& local,
                                       const etf::pid& other, bool is_local,
                                       bool unlink_id);

  /// The peer unlinked `remote` from `local` (UNLINK_ID, or UNLINK).
  /// While our own unlink is outstanding the entry stays until its ack.
  void unlinked(const etf::pid& local, const etf::pid& remote);

  /// The peer acknowledged our UNLINK_ID `id`.
  void unlink_acked(const etf::pid& local, const etf::pid& remote, uint64_t id);

  /// An exit signal from `other` through the link with `local` arrived:
  /// the link is gone. True if it was active (the signal counts).
  bool take_exit(const etf::pid& local, const etf::pid& other);

  /// Drops every link of `pid`, which ended, and the other side of each
  /// local pair (`is_local(other)`). Returns whom the active ones reach.
  template <class IsLocal>
  ended_links take_process(const etf::pid& pid, IsLocal&& is_local) {
    ended_links result;
    auto i = links_.find(pid);
    if (i == links_.end())
      return result;
    for (auto& [other, st] : i->second) {
      if (!st.active)
        continue;
      if (is_local(other)) {
        // A find, not operator[]: an insertion could rehash and invalidate
        // `i`. A link of `pid` with itself goes with `i`.
        if (auto j = links_.find(other); j != links_.end() && other != pid)
          j->second.erase(pid);
        result.local.push_back(other);
      } else {
        result.remote.push_back(other);
      }
    }
    links_.erase(i);
    return result;
  }

  /// Drops every link across `peer`, whose connection is gone. Returns the
  /// active ones as (local, remote) pairs.
  std::vector<std::pair<etf::pid, etf::pid>> take_peer(etf::atom peer);

private:
  struct link_state {
    bool active = true;
    uint64_t unlink_id = 0;
  };

  /// links_[local][other]
  std::unordered_map<etf::pid, std::unordered_map<etf::pid, link_state>> links_;
  uint64_t next_unlink_id_ = 1;
};

} // namespace cafe::node
