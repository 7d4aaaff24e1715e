#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/node/mailbox.hpp"
#include "cafe/node/node.hpp"

#include <chrono>
#include <cstdint>

namespace cafe::cafectl {

/// How a `gen_call` ended.
enum class call_end : uint8_t {
  /// The callee answered; the value is its reply.
  replied,
  /// The monitor fired first; the value is its reason: `noproc` when
  /// nothing is registered under the name, `noconnection` when the node
  /// went away, else why the callee exited.
  down,
  /// Neither within the time given; the value is `[]`.
  timed_out,
};

struct call_result {
  call_end end = call_end::timed_out;
  etf::term value;
};

/// gen_server:call({Name, Node}, Request, Timeout) from the process `mb`:
/// monitors {Name, Node}, sends {'$gen_call', {Self, Mref}, Request} and
/// waits for {Mref, Reply} or the monitor's DOWN, as gen.erl did before
/// OTP 24's aliases (servers still answer that form). The monitor comes
/// first so that a missing name or a callee that dies shows at once
/// instead of as a timeout. Other messages stay in `mb`.
call_result gen_call(node::node& self, node::mailbox& mb, etf::atom name,
                     etf::atom to_node, const etf::term& request,
                     std::chrono::steady_clock::time_point deadline);

} // namespace cafe::cafectl
