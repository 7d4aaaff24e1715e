#include "gen_call.hpp"

#include "cafe/etf/match.hpp"

#include <algorithm>

namespace cafe::cafectl {

using namespace etf::literals;

call_result gen_call(node::node& self, node::mailbox& mb, etf::atom name,
                     etf::atom to_node, const etf::term& request,
                     std::chrono::steady_clock::time_point deadline) {
  auto mref = self.monitor(mb.self(), etf::term{name}, to_node);
  auto msg = etf::make_tuple("$gen_call"_atom, etf::make_tuple(mb.self(), mref),
                             request);
  if (!mb.send(name, to_node, msg)) {
    self.demonitor(mb.self(), mref);
    return {call_end::down, "noconnection"_atom};
  }
  auto ours = [&mref](const etf::term& x) {
    return etf::match(x, mref, etf::_)
           || etf::match(x, "DOWN"_atom, mref, "process"_atom, etf::_, etf::_);
  };
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  auto answer = mb.receive_if(ours, std::max(left, left.zero()));
  etf::term value;
  if (!answer) {
    self.demonitor(mb.self(), mref);
    return {call_end::timed_out, {}};
  }
  if (etf::match(*answer, mref, &value)) {
    self.demonitor(mb.self(), mref);
    return {call_end::replied, std::move(value)};
  }
  etf::match(*answer, "DOWN"_atom, mref, "process"_atom, etf::_, &value);
  return {call_end::down, std::move(value)};
}

} // namespace cafe::cafectl
