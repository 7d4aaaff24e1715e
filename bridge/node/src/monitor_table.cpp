#include "monitor_table.hpp"

namespace cafe::node {

void monitor_table::add_local(const etf::reference& ref, incoming_monitor in,
                              outgoing_monitor out) {
  incoming_[ref] = std::move(in);
  outgoing_[ref] = std::move(out);
}

void monitor_table::add_outgoing(const etf::reference& ref,
                                 outgoing_monitor out) {
  outgoing_[ref] = std::move(out);
}

void monitor_table::add_incoming(const etf::reference& ref,
                                 incoming_monitor in) {
  incoming_[ref] = std::move(in);
}

std::optional<outgoing_monitor>
monitor_table::take_outgoing(const etf::reference& ref,
                             const etf::pid& watcher) {
  auto i = outgoing_.find(ref);
  if (i == outgoing_.end() || !(i->second.watcher == watcher))
    return std::nullopt;
  auto result = std::move(i->second);
  outgoing_.erase(i);
  return result;
}

std::optional<outgoing_monitor>
monitor_table::take_outgoing(const etf::reference& ref) {
  auto i = outgoing_.find(ref);
  if (i == outgoing_.end())
    return std::nullopt;
  auto result = std::move(i->second);
  outgoing_.erase(i);
  return result;
}

void monitor_table::drop_incoming(const etf::reference& ref) {
  incoming_.erase(ref);
}

monitor_table::ended_monitors monitor_table::take_process(const etf::pid& pid) {
  ended_monitors result;
  for (auto i = incoming_.begin(); i != incoming_.end();) {
    if (i->second.target == pid) {
      result.downs.emplace_back(i->first, std::move(i->second));
      outgoing_.erase(i->first);
      i = incoming_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto i = outgoing_.begin(); i != outgoing_.end();) {
    if (i->second.watcher == pid) {
      result.dropped.emplace_back(i->first, std::move(i->second));
      incoming_.erase(i->first);
      i = outgoing_.erase(i);
    } else {
      ++i;
    }
  }
  return result;
}

std::vector<monitor_table::outgoing_entry>
monitor_table::take_peer(etf::atom peer) {
  std::vector<outgoing_entry> result;
  for (auto i = outgoing_.begin(); i != outgoing_.end();) {
    if (i->second.target_node == peer) {
      result.emplace_back(i->first, std::move(i->second));
      i = outgoing_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto i = incoming_.begin(); i != incoming_.end();)
    i = i->second.watcher.node == peer ? incoming_.erase(i) : std::next(i);
  return result;
}

} // namespace cafe::node
