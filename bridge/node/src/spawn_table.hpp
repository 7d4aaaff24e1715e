#pragma once

// Private to cafe::node. Not installed.

#include "cafe/etf/term.hpp"

#include <optional>
#include <unordered_map>
#include <vector>

namespace cafe::node {

/// A spawn this node requested that has no SPAWN_REPLY yet.
struct pending_spawn {
  etf::pid requester;
  etf::atom target_node;
};

/// The spawn requests local processes made, by request id, until their
/// reply arrives or the target node goes down (then they end with
/// `noconnection`, as on a BEAM node).
///
/// Not thread-safe: every call requires the node's lock (node::impl::mtx).
class spawn_table {
public:
  using entry = std::pair<etf::reference, pending_spawn>;

  void add(const etf::reference& req_id, pending_spawn x) {
    pending_.emplace(req_id, std::move(x));
  }

  std::optional<pending_spawn> take(const etf::reference& req_id) {
    auto i = pending_.find(req_id);
    if (i == pending_.end())
      return std::nullopt;
    auto result = std::move(i->second);
    pending_.erase(i);
    return result;
  }

  std::vector<entry> take_peer(etf::atom peer) {
    std::vector<entry> result;
    for (auto i = pending_.begin(); i != pending_.end();) {
      if (i->second.target_node == peer) {
        result.emplace_back(i->first, std::move(i->second));
        i = pending_.erase(i);
      } else {
        ++i;
      }
    }
    return result;
  }

private:
  std::unordered_map<etf::reference, pending_spawn> pending_;
};

} // namespace cafe::node
