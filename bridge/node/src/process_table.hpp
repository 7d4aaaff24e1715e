#pragma once

// Private to cafe::node. Not installed.

#include "cafe/distribution/control_message.hpp"
#include "cafe/node/local_process.hpp"

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cafe::node {

/// The node's local processes by pid, and its registered names.
///
/// Not thread-safe: every call requires the node's lock (node::impl::mtx).
/// Lookups hand out the process object, never call it: the caller calls it
/// (and lets go of it) after the lock, since a process may call back into
/// the node.
class process_table {
public:
  /// Binds `proc` to `pid`, replacing whatever was bound to it.
  void add(const etf::pid& pid, std::shared_ptr<local_process> proc);

  /// Unbinds `pid` and drops every name registered for it. Returns the
  /// process object, for the caller to release after the lock (it may own
  /// a CAF actor that ends with it and calls back into the node).
  std::shared_ptr<local_process> remove(const etf::pid& pid);

  /// The process bound to `pid`, if any. Inline: this is the message path.
  std::shared_ptr<local_process> find(const etf::pid& pid) const {
    if (auto i = procs_.find(pid); i != procs_.end())
      return i->second;
    return nullptr;
  }

  /// The process registered as `name`, if any: name and process in one
  /// look-up, since REG_SEND is the message path too.
  std::shared_ptr<local_process> find_by_name(etf::atom name) const {
    if (auto i = names_.find(name); i != names_.end())
      return find(i->second);
    return nullptr;
  }

  bool contains(const etf::pid& pid) const {
    return procs_.count(pid) != 0;
  }

  /// The pid of the live process that `x` names (a pid, or a registered
  /// name), as monitors need it.
  std::optional<etf::pid> resolve(const distribution::pid_or_name& x) const;

  /// Registers `name` for `pid`; false if the name is taken.
  bool register_name(etf::atom name, const etf::pid& pid);

  void unregister_name(etf::atom name);

  std::optional<etf::pid> whereis(etf::atom name) const;

  size_t size() const noexcept {
    return procs_.size();
  }

  std::vector<etf::pid> pids() const {
    std::vector<etf::pid> result;
    result.reserve(procs_.size());
    for (auto& [pid, proc] : procs_)
      result.push_back(pid);
    return result;
  }

  std::vector<etf::atom> names() const {
    std::vector<etf::atom> result;
    result.reserve(names_.size());
    for (auto& [name, pid] : names_)
      result.push_back(name);
    return result;
  }

private:
  std::unordered_map<etf::pid, std::shared_ptr<local_process>> procs_;
  std::unordered_map<etf::atom, etf::pid> names_;
};

} // namespace cafe::node
