// Calls into any node as erpc makes them, blocking form; the decoding both
// forms share is in erpc_reply.hpp.

#include "cafe/rpc/client.hpp"

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/node/mailbox.hpp"
#include "erpc_reply.hpp"

#include <algorithm>

namespace cafe::rpc {

using namespace etf::literals;

namespace {

using clock = std::chrono::steady_clock;

/// Rounded up: a wait never ends before the deadline.
std::chrono::milliseconds left(clock::time_point deadline) {
  auto result
    = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
  return std::max(result, result.zero());
}

/// One request a mailbox waits for.
struct waiting {
  etf::reference res;
  etf::reference req_id;
  std::optional<call_result> result;
};

/// Receives for `mb` until every request in `reqs` has a result or the
/// deadline passes, answering io requests on the way (`mb` is the group
/// leader of the remote processes). Requests left without a result time
/// out: their monitors are dropped, so nothing more comes for them.
void await(node::node& self, node::mailbox& mb, std::vector<waiting>& reqs,
           clock::time_point deadline) {
  auto open = static_cast<size_t>(std::count_if(
    reqs.begin(), reqs.end(), [](const waiting& x) { return !x.result; }));
  while (open > 0) {
    auto msg = mb.receive(left(deadline));
    if (!msg)
      break;
    if (auto io = detail::answer_io(*msg)) {
      if (!io->output.empty())
        logger().info("rpc: output: {}", io->output);
      mb.send(io->to, io->reply);
      continue;
    }
    for (auto& x : reqs) {
      if (x.result)
        continue;
      if (auto done = detail::on_message(x.res, x.req_id, *msg)) {
        x.result = std::move(*done);
        --open;
        break;
      }
    }
  }
  for (auto& x : reqs)
    if (!x.result) {
      self.demonitor(mb.self(), x.req_id);
      x.result = unexpected{call_error{call_errc::timeout, {}, {}}};
    }
}

} // namespace

// -- call_error ---------------------------------------------------------------

const char* to_string(call_errc x) {
  switch (x) {
    case call_errc::exception: return "exception";
    case call_errc::timeout: return "timeout";
    case call_errc::noconnection: return "noconnection";
    case call_errc::badrpc: return "badrpc";
    case call_errc::signal: return "signal";
  }
  return "?";
}

bool operator==(const call_error& x, const call_error& y) {
  return x.code == y.code && x.raised.kind == y.raised.kind
         && x.raised.value == y.raised.value && x.raised.stack == y.raised.stack
         && x.reason == y.reason;
}

std::string to_string(const call_error& x) {
  switch (x.code) {
    case call_errc::exception: {
      auto& r = x.raised;
      switch (r.kind) {
        case outcome_class::thrown: return "throw: " + etf::to_string(r.value);
        case outcome_class::exited: return "exit: " + etf::to_string(r.value);
        case outcome_class::error:
          return "error: " + etf::to_string(r.value) + " in "
                 + etf::to_string(r.stack);
        case outcome_class::returned: break;
      }
      return "exception";
    }
    case call_errc::timeout: return "timeout";
    case call_errc::noconnection: return "noconnection";
    case call_errc::badrpc: return "badrpc: " + etf::to_string(x.reason);
    case call_errc::signal: return "process ended: " + etf::to_string(x.reason);
  }
  return "?";
}

std::string to_string(const call_result& x) {
  return x ? etf::to_string(*x) : to_string(x.error());
}

etf::term to_rpc_term(const call_result& x) {
  if (x)
    return *x;
  auto& e = x.error();
  auto badrpc = [](etf::term why) {
    return etf::make_tuple("badrpc"_atom, std::move(why));
  };
  switch (e.code) {
    case call_errc::exception:
      switch (e.raised.kind) {
        case outcome_class::thrown: return e.raised.value;
        case outcome_class::error:
          return badrpc(etf::make_tuple(
            "EXIT"_atom, etf::make_tuple(e.raised.value, e.raised.stack)));
        default: return badrpc(etf::make_tuple("EXIT"_atom, e.raised.value));
      }
    case call_errc::timeout: return badrpc("timeout"_atom);
    case call_errc::noconnection: return badrpc("nodedown"_atom);
    case call_errc::badrpc: return badrpc(e.reason);
    case call_errc::signal:
      return badrpc(etf::make_tuple("EXIT"_atom, e.reason));
  }
  return badrpc(e.reason);
}

// -- blocking -----------------------------------------------------------------

call_result call(node::node& self, etf::atom node, etf::atom module,
                 etf::atom function, etf::list args,
                 std::chrono::milliseconds timeout) {
  auto results = multicall(self, {node}, module, function, std::move(args),
                           timeout);
  return std::move(results.front());
}

call_result call(actor::bridge& self, etf::atom node, etf::atom module,
                 etf::atom function, etf::list args,
                 std::chrono::milliseconds timeout) {
  return call(self.node(), node, module, function, std::move(args), timeout);
}

std::vector<call_result>
multicall(node::node& self, const std::vector<etf::atom>& nodes,
          etf::atom module, etf::atom function, etf::list args,
          std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<waiting> reqs;
  reqs.reserve(nodes.size());
  // A process of its own, ended afterwards: whatever an abandoned request
  // still sends finds no one.
  auto mb = self.make_mailbox();
  for (auto& n : nodes) {
    waiting x;
    if (!args.proper()) {
      x.result = unexpected{detail::badarg()};
    } else {
      x.res = self.make_ref();
      x.req_id = detail::request_call(self, mb->self(), n, x.res, module,
                                      function, args);
    }
    reqs.push_back(std::move(x));
  }
  await(self, *mb, reqs, deadline);
  mb->close("normal"_atom);
  std::vector<call_result> result;
  result.reserve(reqs.size());
  for (auto& x : reqs)
    result.push_back(std::move(*x.result));
  return result;
}

void cast(node::node& self, etf::atom node, etf::atom module,
          etf::atom function, etf::list args) {
  if (!args.proper())
    return;
  auto mb = self.make_mailbox();
  detail::request_cast(self, mb->self(), node, module, function,
                       std::move(args));
  mb->close("normal"_atom);
}

expected<etf::pid, call_error>
spawn(node::node& self, etf::atom node, etf::atom module, etf::atom function,
      etf::list args, std::chrono::milliseconds timeout) {
  if (!args.proper())
    return unexpected{detail::badarg()};
  auto mb = self.make_mailbox();
  auto req_id = self.spawn_request(mb->self(), node, module, function,
                                   std::move(args), {}, mb->self());
  auto deadline = clock::now() + timeout;
  std::optional<expected<etf::pid, call_error>> result;
  while (!result) {
    auto msg = mb->receive(left(deadline));
    if (!msg) {
      result = unexpected{call_error{call_errc::timeout, {}, {}}};
      break;
    }
    if (auto io = detail::answer_io(*msg)) {
      mb->send(io->to, io->reply);
      continue;
    }
    if (auto reply = detail::parse_spawn_reply(req_id, *msg))
      result = std::move(*reply);
  }
  // The new process keeps running; its group leader is gone now.
  mb->close("normal"_atom);
  return std::move(*result);
}

} // namespace cafe::rpc
