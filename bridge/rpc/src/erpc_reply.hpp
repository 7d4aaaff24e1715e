#pragma once

// Private to cafe::rpc. Not installed.
//
// The caller's half of erpc, shared by the blocking client and the CAF one:
// the spawn requests it sends, the replies and monitor exit reasons it
// decodes (erpc.erl: call/5, result/4), and the few io requests a group
// leader must answer so that the remote function does not hang on output.

#include "cafe/etf/term.hpp"
#include "cafe/node/node.hpp"
#include "cafe/rpc/client.hpp"

#include <optional>
#include <string>

namespace cafe::rpc::detail {

/// `badrpc` `badarg`: what erpc raises (`{erpc, badarg}`) for arguments
/// that are not a proper list.
call_error badarg();

/// spawn_request(Node, erpc, execute_call, [Res, M, F, Args], [monitor])
/// from `from`, which is also the group leader. Returns ReqId.
etf::reference request_call(node::node& self, const etf::pid& from,
                            etf::atom node, const etf::reference& res,
                            etf::atom module, etf::atom function,
                            const etf::list& args);

/// spawn_request(Node, erpc, execute_cast, [M, F, Args], []) from `from`.
void request_cast(node::node& self, const etf::pid& from, etf::atom node,
                  etf::atom module, etf::atom function, etf::list args);

/// The result `msg` brings for the call (`res`, `req_id`): a DOWN, or an
/// error spawn reply. Nothing for a successful spawn reply (the DOWN
/// follows) or a message that is not for this call.
std::optional<call_result> on_message(const etf::reference& res,
                                      const etf::reference& req_id,
                                      const etf::term& msg);

/// The exit reason of erpc:execute_call/4 as a result.
call_result from_down(const etf::reference& res, const etf::term& reason);

/// A spawn error (`noconnection`, `notsup`, `badopt`, ...) as a call error.
call_error from_spawn_error(const etf::term& reason);

/// `msg` as the spawn reply for `req_id`: the new pid or the error.
std::optional<expected<etf::pid, call_error>>
parse_spawn_reply(const etf::reference& req_id, const etf::term& msg);

/// The answer to an io request.
struct io_answer {
  etf::pid to;
  /// `{io_reply, ReplyAs, Reply}`.
  etf::term reply;
  /// What it asked to print, as UTF-8 (empty for other requests).
  std::string output;
};

/// The answer a group leader gives to `msg` if it is an io request
/// (`{io_request, From, ReplyAs, Request}`): `ok` for output, which it
/// takes as text (chars) or describes (`{put_chars, Enc, M, F, A}`: the
/// MFA, since formatting needs Erlang), `{error, enotsup}` for input.
std::optional<io_answer> answer_io(const etf::term& msg);

} // namespace cafe::rpc::detail
