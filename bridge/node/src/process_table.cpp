#include "process_table.hpp"

namespace cafe::node {

void process_table::add(const etf::pid& pid,
                        std::shared_ptr<local_process> proc) {
  procs_[pid] = std::move(proc);
}

std::shared_ptr<local_process> process_table::remove(const etf::pid& pid) {
  std::shared_ptr<local_process> result;
  if (auto i = procs_.find(pid); i != procs_.end()) {
    result = std::move(i->second);
    procs_.erase(i);
  }
  for (auto i = names_.begin(); i != names_.end();)
    i = i->second == pid ? names_.erase(i) : std::next(i);
  return result;
}

std::optional<etf::pid>
process_table::resolve(const distribution::pid_or_name& x) const {
  std::optional<etf::pid> pid;
  if (auto p = std::get_if<etf::pid>(&x))
    pid = *p;
  else
    pid = whereis(std::get<etf::atom>(x));
  if (pid && contains(*pid))
    return pid;
  return std::nullopt;
}

bool process_table::register_name(etf::atom name, const etf::pid& pid) {
  return names_.emplace(name, pid).second;
}

void process_table::unregister_name(etf::atom name) {
  names_.erase(name);
}

std::optional<etf::pid> process_table::whereis(etf::atom name) const {
  if (auto i = names_.find(name); i != names_.end())
    return i->second;
  return std::nullopt;
}

} // namespace cafe::node
