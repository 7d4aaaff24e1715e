#include "link_table.hpp"

namespace cafe::node {

void link_table::link_local(const etf::pid& a, const etf::pid& b) {
  links_[a][b] = link_state{};
  links_[b][a] = link_state{};
}

void link_table::link_remote(const etf::pid& local, const etf::pid& remote) {
  links_[local][remote] = link_state{};
}

void link_table::link_incoming(const etf::pid& local, const etf::pid& remote) {
  links_[local].try_emplace(remote);
}

std::optional<uint64_t>
link_table::begin_unlink(const etf::pid& local, const etf::pid& other,
                         bool is_local, bool unlink_id) {
  auto i = links_.find(local);
  if (i == links_.end())
    return std::nullopt;
  auto j = i->second.find(other);
  if (j == i->second.end() || !j->second.active)
    return std::nullopt;
  if (is_local) {
    i->second.erase(j);
    links_[other].erase(local);
    return 0;
  }
  if (!unlink_id) {
    i->second.erase(j);
    return 0;
  }
  auto id = next_unlink_id_++;
  j->second.active = false;
  j->second.unlink_id = id;
  return id;
}

void link_table::unlinked(const etf::pid& local, const etf::pid& remote) {
  if (auto i = links_.find(local); i != links_.end()) {
    auto j = i->second.find(remote);
    if (j != i->second.end() && j->second.active)
      i->second.erase(j);
  }
}

void link_table::unlink_acked(const etf::pid& local, const etf::pid& remote,
                              uint64_t id) {
  if (auto i = links_.find(local); i != links_.end()) {
    auto j = i->second.find(remote);
    if (j != i->second.end() && !j->second.active && j->second.unlink_id == id)
      i->second.erase(j);
  }
}

bool link_table::take_exit(const etf::pid& local, const etf::pid& other) {
  auto i = links_.find(local);
  if (i == links_.end())
    return false;
  auto j = i->second.find(other);
  if (j == i->second.end())
    return false;
  auto active = j->second.active;
  i->second.erase(j);
  return active;
}

std::vector<std::pair<etf::pid, etf::pid>>
link_table::take_peer(etf::atom peer) {
  std::vector<std::pair<etf::pid, etf::pid>> result;
  for (auto& [local, others] : links_) {
    for (auto i = others.begin(); i != others.end();) {
      if (i->first.node == peer) {
        if (i->second.active)
          result.emplace_back(local, i->first);
        i = others.erase(i);
      } else {
        ++i;
      }
    }
  }
  return result;
}

} // namespace cafe::node
