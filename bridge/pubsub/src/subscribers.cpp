#include "subscribers.hpp"

#include <algorithm>
#include <mutex>

namespace cafe::pubsub {

bool subscribers::add(const etf::pid& pid, const std::string& topic,
                      const etf::reference& ref) {
  std::unique_lock guard{mtx_};
  topics_[topic].push_back(pid);
  auto [i, added] = by_pid_.try_emplace(pid);
  if (added)
    i->second.monitor = ref;
  i->second.topics.push_back(topic);
  return added;
}

std::optional<etf::reference> subscribers::remove(const etf::pid& pid,
                                                  const std::string& topic) {
  std::unique_lock guard{mtx_};
  auto i = by_pid_.find(pid);
  if (i == by_pid_.end())
    return std::nullopt;
  std::erase(i->second.topics, topic);
  if (auto t = topics_.find(topic); t != topics_.end()) {
    std::erase(t->second, pid);
    if (t->second.empty())
      topics_.erase(t);
  }
  if (!i->second.topics.empty())
    return std::nullopt;
  auto ref = i->second.monitor;
  by_pid_.erase(i);
  return ref;
}

void subscribers::remove_all(const etf::pid& pid, const etf::reference& ref) {
  std::unique_lock guard{mtx_};
  auto i = by_pid_.find(pid);
  if (i == by_pid_.end() || !(i->second.monitor == ref))
    return;
  for (auto& topic : i->second.topics)
    if (auto t = topics_.find(topic); t != topics_.end()) {
      std::erase(t->second, pid);
      if (t->second.empty())
        topics_.erase(t);
    }
  by_pid_.erase(i);
}

std::vector<std::pair<etf::pid, etf::reference>> subscribers::clear() {
  std::unique_lock guard{mtx_};
  std::vector<std::pair<etf::pid, etf::reference>> result;
  for (auto& [pid, sub] : by_pid_)
    result.emplace_back(pid, sub.monitor);
  by_pid_.clear();
  topics_.clear();
  return result;
}

std::vector<etf::pid> subscribers::of(const std::string& topic) const {
  std::shared_lock guard{mtx_};
  auto i = topics_.find(topic);
  return i == topics_.end() ? std::vector<etf::pid>{} : i->second;
}

size_t subscribers::count(const std::string& topic) const {
  std::shared_lock guard{mtx_};
  auto i = topics_.find(topic);
  return i == topics_.end() ? 0 : i->second.size();
}

} // namespace cafe::pubsub
