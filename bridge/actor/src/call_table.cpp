#include "call_table.hpp"

#include <iterator>
#include <utility>

namespace cafe::actor {

void call_table::add(const etf::reference& ref, outgoing_call call) {
  std::lock_guard guard{mtx_};
  calls_.emplace(ref, std::move(call));
}

std::optional<outgoing_call> call_table::take(const etf::pid& caller,
                                              const etf::reference& ref) {
  std::lock_guard guard{mtx_};
  auto i = calls_.find(ref);
  if (i == calls_.end() || !(i->second.caller == caller))
    return std::nullopt;
  auto result = std::move(i->second);
  calls_.erase(i);
  return result;
}

void call_table::drop(const etf::pid& caller) {
  std::lock_guard guard{mtx_};
  for (auto i = calls_.begin(); i != calls_.end();)
    i = i->second.caller == caller ? calls_.erase(i) : std::next(i);
}

void call_table::clear() {
  std::lock_guard guard{mtx_};
  calls_.clear();
}

} // namespace cafe::actor
