#pragma once

// Calls from C++ into any node, the way OTP's erpc makes them: a
// SPAWN_REQUEST for `erpc:execute_call(Ref, M, F, A)` with a monitor, whose
// exit reason carries the outcome. Works against BEAM nodes and cafe nodes
// alike (both serve erpc).
//
// Two forms:
// - blocking (`call`, `multicall`, `cast`, `spawn`): for plain threads,
//   tools and tests; never on an io thread or inside an actor.
// - CAF (`spawn_client`): an actor to `request`, answering with the value
//   or with a `caf::error` that `call_error_of` turns back into a
//   `call_error`:
//
//       auto client = rpc::spawn_client(sys, bridge);
//       rpc::request_call(self, client, node, "lists"_atom, "reverse"_atom,
//                         {xs}, 5s)
//         .then([](const etf::term& value) { ... },
//               [](const caf::error& err) {
//                 auto why = rpc::call_error_of(err); ...
//               });

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/node.hpp"
#include "cafe/rpc/outcome.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafe::rpc {

/// Why a call gave no value.
enum class call_errc : uint8_t {
  /// The function raised: `call_error::raised` holds the class (thrown,
  /// error, exited), the reason and, for `error`, the stack. erpc:call
  /// re-raises these; rpc:call returns `{badrpc, {'EXIT', ...}}` (or the
  /// thrown value).
  exception = 1,
  /// No answer within the timeout; the request was abandoned (erpc's
  /// `{erpc, timeout}`).
  timeout,
  /// The node cannot be reached, or the connection went down during the
  /// call (`{erpc, noconnection}`; rpc's `{badrpc, nodedown}`).
  noconnection,
  /// The node would not run it: a spawn error (`notsup` from a node that
  /// serves no spawns, `badarg`, `badopt`, `system_limit`) or erpc's own
  /// `{erpc, Reason}` (e.g. `badarg`, `system_limit` for the arguments).
  /// The reason is in `call_error::reason`.
  badrpc,
  /// The process ended for a reason erpc never produces, e.g. `killed` by
  /// an exit/2 from elsewhere (erpc's `exit({signal, Reason})`); the reason
  /// is in `call_error::reason`.
  signal,
};

/// The name of `x`: `exception`, `timeout`, ...
const char* to_string(call_errc x);

/// How a call failed.
struct call_error {
  call_errc code = call_errc::timeout;
  /// For `exception`: how the function raised.
  outcome raised;
  /// For `badrpc` and `signal`: the reason.
  etf::term reason;
};

bool operator==(const call_error& x, const call_error& y);

/// One line for people: `error: {badarith, ...} in [...]`, `timeout`, ...
std::string to_string(const call_error& x);

/// A call's value, or why there is none.
using call_result = expected<etf::term, call_error>;

/// The value in Erlang syntax, or `to_string` of the error.
std::string to_string(const call_result& x);

/// What rpc:call/5 returns for `x`: the value (or the thrown value), else
/// `{badrpc, {'EXIT', {Reason, Stack}}}` for an error, `{badrpc, {'EXIT',
/// Reason}}` for an exit or a signal, `{badrpc, timeout}`, `{badrpc,
/// nodedown}`, `{badrpc, Reason}`.
etf::term to_rpc_term(const call_result& x);

/// The options of `spawn`.
struct spawn_options {
  /// The caller links with the new process (spawn_link).
  bool link = false;
  /// The caller monitors the new process (spawn_monitor): a DOWN follows.
  bool monitor = false;
};

// -- blocking ----------------------------------------------------------------

/// erpc:call(Node, M, F, Args, Timeout) from `self`, blocking up to
/// `timeout` (never on an io thread). Each call runs from a fresh process,
/// which ends with it: an answer arriving after the timeout reaches nobody.
/// That process is also the group leader of the remote one: output the
/// function writes (io:format, ...) is acknowledged and logged at `info`.
call_result call(node::node& self, etf::atom node, etf::atom module,
                 etf::atom function, etf::list args,
                 std::chrono::milliseconds timeout);

/// `call` from the bridge's node.
call_result call(actor::bridge& self, etf::atom node, etf::atom module,
                 etf::atom function, etf::list args,
                 std::chrono::milliseconds timeout);

/// erpc:multicall(Nodes, M, F, Args, Timeout): the calls go out at once
/// and share one deadline; the results come in `nodes`' order.
std::vector<call_result>
multicall(node::node& self, const std::vector<etf::atom>& nodes,
          etf::atom module, etf::atom function, etf::list args,
          std::chrono::milliseconds timeout);

/// erpc:cast(Node, M, F, Args): runs `M:F(Args)` on `node` and waits for
/// nothing (an unreachable node, like an exception, goes unnoticed). The
/// remote process's group leader is gone when it starts: io from it fails.
void cast(node::node& self, etf::atom node, etf::atom module,
          etf::atom function, etf::list args);

/// erlang:spawn(Node, M, F, Args), waiting up to `timeout` for the pid (no
/// link, no monitor: see `spawn_client` for those).
expected<etf::pid, call_error>
spawn(node::node& self, etf::atom node, etf::atom module, etf::atom function,
      etf::list args, std::chrono::milliseconds timeout);

// -- CAF
// -----------------------------------------------------------------------

/// `(call_atom, Node, M, F, Args, timespan)` -> `etf::term`.
using call_atom = caf::atom_constant<caf::atom("rpc_call")>;

/// `(multicall_atom, Nodes, M, F, Args, timespan)` -> `multicall_results`;
/// Nodes is an `etf::term`, a list of atoms.
using multicall_atom = caf::atom_constant<caf::atom("rpc_mcall")>;

/// `(cast_atom, Node, M, F, Args)` -> `caf::ok_atom`, at once.
using cast_atom = caf::atom_constant<caf::atom("rpc_cast")>;

/// `(spawn_atom, Node, M, F, Args, bool link, bool monitor, timespan)` ->
/// `caf::actor`, the proxy of the new process.
using spawn_atom = caf::atom_constant<caf::atom("rpc_spawn")>;

/// One result per node, in the order of the request.
using multicall_results = std::vector<call_result>;

/// The CAF error category of call errors; the error's context holds the
/// `call_error`.
constexpr caf::atom_value error_category = caf::atom("rpc");

/// `x` as a CAF error (code: the `call_errc`).
caf::error to_error(const call_error& x);

/// The call error inside `x`: one of `error_category`, or CAF's own
/// `sec::request_timeout` (a request that gave up before the client).
std::optional<call_error> call_error_of(const caf::error& x);

/// Starts the actor that makes calls for CAF actors from the bridge's node
/// (Args is an `etf::term`, a proper list; Args that are not fail with
/// `badrpc` `badarg`):
///
/// - `call_atom`: like erpc:call; the answer is the value, or a CAF error
///   of `error_category` (`call_error_of`). The client ends the call at
///   the given timespan (answering `timeout`), so the requester's own
///   timeout should be a bit longer (`request_call` adds a second).
/// - `multicall_atom`: `multicall_results`, always a value.
/// - `cast_atom`: like erpc:cast.
/// - `spawn_atom`: spawn_request(Node, M, F, Args, [link, monitor]) for the
///   requesting actor: the answer is the proxy of the new process, or a
///   call error (`badrpc` with the spawn error, `noconnection`, `timeout`).
///   With `link`, an exit of the process reaches the requester as an
///   `exit_msg` from the proxy, and the requester's end (any reason but
///   `normal`) ends the process; with `monitor`, its end arrives as a
///   `down_msg` from the proxy. Both are in place before the process runs,
///   and arrive after the answer. On the Erlang side the link and the
///   monitor belong to a stand-in pid of this node, not to the requester's
///   own pid.
///
/// It holds the bridge and its node weakly; once they are gone, calls fail
/// with `noconnection`.
caf::actor spawn_client(caf::actor_system& sys,
                        std::weak_ptr<actor::bridge> bridge);

/// `self->request(client, timeout + 1s, call_atom, ...)` (`self` an actor
/// pointer or a `caf::scoped_actor`): `.then(...)` or `.receive(...)` it.
template <class Self>
auto request_call(Self& self, const caf::actor& client, etf::atom node,
                  etf::atom module, etf::atom function, etf::list args,
                  caf::timespan timeout) {
  return self->request(client, timeout + std::chrono::seconds(1),
                       call_atom::value, node, module, function,
                       etf::term{std::move(args)}, timeout);
}

/// `request_call` for `spawn_atom`.
template <class Self>
auto request_spawn(Self& self, const caf::actor& client, etf::atom node,
                   etf::atom module, etf::atom function, etf::list args,
                   spawn_options opts, caf::timespan timeout) {
  return self->request(client, timeout + std::chrono::seconds(1),
                       spawn_atom::value, node, module, function,
                       etf::term{std::move(args)}, opts.link, opts.monitor,
                       timeout);
}

} // namespace cafe::rpc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::rpc::call_error)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::rpc::multicall_results)
