#include "run_command.hpp"

#include "cafe/etf/print.hpp"
#include "cafe/node/gen_call.hpp"
#include "cafe/node/mailbox.hpp"
#include "cafe/rpc/client.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace cafe::cafectl {

namespace {

using namespace etf::literals;
using clock = std::chrono::steady_clock;

std::chrono::milliseconds left(clock::time_point deadline) {
  auto result = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - clock::now());
  return std::max(result, result.zero());
}

std::string quoted(etf::atom x) {
  return etf::to_string(etf::term{x});
}

/// Maps how a call ended to output and an exit code.
exit_code report(const node::call_result& res, etf::atom name, etf::atom peer,
                 std::chrono::milliseconds timeout, std::ostream& out,
                 std::ostream& err) {
  auto callee = "{" + quoted(name) + ", " + quoted(peer) + "}";
  switch (res.end) {
    case node::call_end::replied:
      out << etf::to_string(res.value) << std::endl;
      return exit_code::success;
    case node::call_end::timed_out:
      err << "cafectl: no reply from " << callee << " within "
          << timeout.count() << " ms\n";
      return exit_code::timeout;
    case node::call_end::down: break;
  }
  if (res.value == etf::term{"noproc"_atom}) {
    err << "cafectl: no process " << callee << " (noproc)\n";
    return exit_code::noproc;
  }
  if (res.value == etf::term{"noconnection"_atom}) {
    err << "cafectl: lost the connection to " << quoted(peer) << '\n';
    return exit_code::unreachable;
  }
  err << "cafectl: " << callee
      << " exited during the call: " << etf::to_string(res.value) << '\n';
  return exit_code::noproc;
}

/// Maps how an rpc ended to output and an exit code: the value like
/// `erl_call -a` prints it; an exception or a refusal is a failed call.
exit_code report_rpc(const rpc::call_result& res, const command& cmd,
                     etf::atom peer, std::chrono::milliseconds timeout,
                     std::ostream& out, std::ostream& err) {
  if (res) {
    out << etf::to_string(*res) << std::endl;
    return exit_code::success;
  }
  auto callee = quoted(cmd.module) + ":" + quoted(cmd.function) + "/"
                + std::to_string(cmd.args.size()) + " on " + quoted(peer);
  auto& e = res.error();
  switch (e.code) {
    case rpc::call_errc::timeout:
      err << "cafectl: no reply from " << callee << " within "
          << timeout.count() << " ms\n";
      return exit_code::timeout;
    case rpc::call_errc::noconnection:
      err << "cafectl: lost the connection to " << quoted(peer) << '\n';
      return exit_code::unreachable;
    default: break;
  }
  err << "cafectl: " << callee << " failed: " << rpc::to_string(e) << '\n'
      << "cafectl: rpc:call would return "
      << etf::to_string(rpc::to_rpc_term(res)) << '\n';
  return exit_code::noproc;
}

} // namespace

exit_code run_command(node::node& self, const command& cmd,
                      std::chrono::milliseconds timeout, std::ostream& out,
                      std::ostream& err) {
  auto deadline = clock::now() + timeout;
  auto peer = target_node(cmd, self.name());
  if (!peer) {
    err << "cafectl: " << peer.error() << '\n';
    return exit_code::usage;
  }
  if (cmd.verb == verb::ping) {
    auto pong = self.ping(*peer, timeout);
    out << (pong ? "pong" : "pang") << std::endl;
    return pong ? exit_code::success : exit_code::unreachable;
  }
  if (!self.connect(*peer, timeout)) {
    err << "cafectl: cannot connect to " << quoted(*peer) << '\n';
    return exit_code::unreachable;
  }
  auto mb = self.make_mailbox();
  auto result = exit_code::success;
  switch (cmd.verb) {
    case verb::send:
      // A send has no answer, but a ping that follows it on the same
      // connection does: once it is back, the peer has delivered the
      // message, so exiting cannot lose it.
      if (!mb->send(cmd.name, *peer, cmd.term)
          || !self.ping(*peer, left(deadline))) {
        err << "cafectl: lost the connection to " << quoted(*peer) << '\n';
        result = exit_code::unreachable;
      }
      break;
    case verb::nodes: {
      // rpc:call(Node, erlang, nodes, []) without the rpc module: rex still
      // answers this gen_server call; the last element is the group leader.
      auto req = etf::make_tuple("call"_atom, "erlang"_atom, "nodes"_atom,
                                 etf::term{}, mb->self());
      auto res = node::gen_call(*mb, "rex"_atom, *peer, req, deadline);
      result = report(res, "rex"_atom, *peer, timeout, out, err);
      break;
    }
    case verb::call: {
      auto res = node::gen_call(*mb, cmd.name, *peer, cmd.term, deadline);
      result = report(res, cmd.name, *peer, timeout, out, err);
      break;
    }
    case verb::rpc: {
      auto res = rpc::call(self, *peer, cmd.module, cmd.function, cmd.args,
                           left(deadline));
      result = report_rpc(res, cmd, *peer, timeout, out, err);
      break;
    }
    case verb::ping: break;
  }
  mb->close("normal"_atom);
  return result;
}

} // namespace cafe::cafectl
