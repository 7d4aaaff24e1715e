#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/node/node.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

// The call protocol of OTP's gen module (gen:call/4, gen:reply/2), which
// gen_server, gen_statem and net_kernel speak: one codec for every caller
// and every server in cafe.

namespace cafe::node {

class mailbox;

/// A decoded `{'$gen_call', {From, Tag}, Request}`.
struct gen_call_request {
  etf::pid from;
  /// Opaque to the server and echoed in the reply: a reference (before OTP
  /// 24, and what cafe sends), `[alias | Ref]` (OTP 24+), or
  /// `[[alias | Ref] | Meta]` (OTP 26's calls that carry more).
  etf::term tag;
  etf::term request;
};

/// `msg` as a call, if it is one.
std::optional<gen_call_request> parse_gen_call(const etf::term& msg);

/// The message gen:call sends: `{'$gen_call', {From, Tag}, Request}`.
etf::term make_gen_call(const etf::pid& from, const etf::term& tag,
                        const etf::term& request);

/// The alias a reply must go to, when `tag` carries one.
const etf::reference* reply_alias(const etf::term& tag);

/// A decoded reply `{Tag, Reply}` to a call whose tag is a reference.
struct gen_call_reply {
  etf::reference tag;
  etf::term value;
};

/// `msg` as a reply to a reference-tagged call, if it is one.
std::optional<gen_call_reply> parse_gen_reply(const etf::term& msg);

/// gen:reply/2: sends `{Tag, Reply}` from the local process `self` to the
/// caller, through the tag's alias when it has one (ALIAS_SEND), else to
/// the caller's pid. `force` as for node::send.
send_status send_gen_reply(node& self_node, const etf::pid& self,
                           const gen_call_request& call, etf::term reply,
                           bool force = false);

/// How a call from a mailbox ended.
enum class call_end : uint8_t {
  /// The callee answered; the value is its reply.
  replied,
  /// The monitor fired first; the value is its reason: `noproc` when
  /// nothing is registered under the name, `noconnection` when the node is
  /// unreachable or went away, else why the callee exited.
  down,
  /// Neither before the deadline; the value is `[]`.
  timed_out,
};

struct call_result {
  call_end end = call_end::timed_out;
  etf::term value;
};

/// gen_server:call({Name, Node}, Request, Timeout) from the mailbox `mb`:
/// monitors the callee, sends `{'$gen_call', {Self, Mref}, Request}` and
/// waits for `{Mref, Reply}` or the monitor's DOWN, as gen:call does (the
/// reference tag is what servers answered before aliases and still do).
/// The monitor comes first, so a missing name or a callee that dies shows
/// at once instead of as a timeout. Other messages stay in `mb`. Blocks
/// (never call it on an io thread).
call_result gen_call(mailbox& mb, etf::atom name, etf::atom to_node,
                     const etf::term& request,
                     std::chrono::steady_clock::time_point deadline);

} // namespace cafe::node
