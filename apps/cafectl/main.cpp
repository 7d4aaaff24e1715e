// cafectl: a one-shot node for scripts, like erl_call. It starts a hidden
// node named cafectl_<os pid>, does one thing on NODE and exits:
//
//   cafectl [options] ping NODE               net_adm:ping(NODE)
//   cafectl [options] nodes NODE              erlang:nodes() on NODE
//   cafectl [options] send NODE NAME TERM     {NAME, NODE} ! TERM
//   cafectl [options] call NODE NAME TERM     gen_server:call({NAME, NODE},
//                                             TERM, Timeout)
//   cafectl [options] rpc NODE M F ARGS       erpc:call(NODE, M, F, ARGS,
//                                             Timeout)
//
// Answers go to stdout in Erlang syntax, diagnostics and logs to stderr.
// Exit status (exit_code.hpp; scripts depend on these values):
//
//   0  success (ping prints pong)
//   1  NODE unreachable, or the connection broke (ping prints pang)
//   2  usage error or unparsable TERM
//   3  no reply within --timeout (default 5000 ms)
//   4  no process registered as NAME on NODE, or it exited during the call;
//      rpc: the function raised, or NODE would not run it
//
// It never starts an EPMD: it registers with the one NODE uses
// (--epmd-port, else $ERL_EPMD_PORT, else 4369).

#include "cafe/handshake/node_name.hpp"
#include "cafe/log.hpp"
#include "cafe/node/config.hpp"
#include "cafe/node/node.hpp"
#include "cafe/runtime/errc.hpp"
#include "cafe/runtime/node_config.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/services/start_node.hpp"
#include "command.hpp"
#include "exit_code.hpp"
#include "run_command.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace po = boost::program_options;

using namespace cafe;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view synopsis = R"(Usage: cafectl [options] ping NODE
       cafectl [options] nodes NODE
       cafectl [options] send NODE NAME TERM
       cafectl [options] call NODE NAME TERM
       cafectl [options] rpc NODE MODULE FUNCTION ARGS

A one-shot hidden node, like erl_call: it connects to NODE (alive@host, or
alive for a node on this host), does one thing and exits.

  ping NODE            net_adm:ping(NODE); prints pong
  nodes NODE           prints erlang:nodes() of NODE (asked through rex)
  send NODE NAME TERM  {NAME, NODE} ! TERM; like !, it succeeds whether or
                       not NAME exists
  call NODE NAME TERM  gen_server:call({NAME, NODE}, TERM, Timeout); prints
                       the reply
  rpc NODE MODULE FUNCTION ARGS
                       erpc:call(NODE, MODULE, FUNCTION, ARGS, Timeout), e.g.
                       rpc NODE lists reverse '[[1,2,3]]'; prints the value
                       (like erl_call -a); an exception goes to stderr

TERM is one argument in Erlang syntax, e.g. '{put, <<"k">>, #{n => 1}}'; put
-- before a TERM that starts with a dash. Answers go to stdout in Erlang
syntax, diagnostics to stderr. cafectl never starts an EPMD: it uses the one
NODE uses. Its own name is cafectl_<os pid> unless --name/--sname is given,
with long names when NODE's host has a dot.

Exit status:
  0  success (ping prints pong)
  1  NODE unreachable, or the connection broke (ping prints pang)
  2  usage error or unparsable TERM
  3  no reply within --timeout
  4  no process registered as NAME on NODE, or it exited during the call;
     rpc: the function raised, or NODE would not run it

Of the node options below, --hidden and --threads have no effect (cafectl is
always hidden and runs no actors), and --log-level defaults to warn.
)";

/// `--timeout` as milliseconds, 1 to 24 days.
bool parse_timeout(const std::string& str, std::chrono::milliseconds& out) {
  uint32_t value = 0;
  auto last = str.data() + str.size();
  auto [ptr, ec] = std::from_chars(str.data(), last, value);
  if (str.empty() || ec != std::errc{} || ptr != last || value == 0
      || value > 2'073'600'000)
    return false;
  out = std::chrono::milliseconds{value};
  return true;
}

int usage_error(const std::string& why) {
  std::cerr << "cafectl: " << why << std::endl;
  return static_cast<int>(cafectl::exit_code::usage);
}

} // namespace

int main(int argc, char** argv) {
  po::options_description extra{"cafectl options"};
  extra.add_options()(
    "timeout",
    po::value<std::string>()->value_name("MS")->default_value("5000"),
    "how long to wait for NODE and its answer, in ms");
  po::variables_map values;
  std::vector<std::string> operands;
  auto opts = runtime::parse_node_options(argc, argv, extra, values, operands);
  if (!opts) {
    auto& err = opts.error();
    if (err.code != runtime::errc::help_requested)
      return runtime::report(err, "cafectl");
    // The shared usage line knows no operands: ours replaces it.
    std::cout << synopsis << err.message.substr(err.message.find('\n') + 1)
              << std::flush;
    return 0;
  }
  // Stdout carries the answer and nothing else; info logs would only be
  // noise on stderr for a one-shot tool.
  if (!values.count("log-level"))
    opts->log_level = spdlog::level::warn;
  cafe::set_log_level(opts->log_level);
  std::chrono::milliseconds timeout;
  if (!parse_timeout(values["timeout"].as<std::string>(), timeout))
    return usage_error("--timeout: '" + values["timeout"].as<std::string>()
                       + "' is not a number of milliseconds (1 or more)");
  auto cmd = cafectl::parse_command(operands);
  if (!cmd)
    return usage_error(cmd.error());
  auto cfg = runtime::node_config(*opts);
  if (cfg.name.empty()) {
    // Unique per run, so that concurrent invocations never collide in EPMD.
    cfg.name = "cafectl_" + std::to_string(::getpid());
    cfg.long_names = cafectl::needs_long_names(*cmd);
  } else if (cfg.name.find('@') != std::string::npos) {
    auto domain = cfg.long_names ? handshake::name_domain::longnames
                                 : handshake::name_domain::shortnames;
    if (auto ok = handshake::validate_node_name(cfg.name, domain); !ok)
      return usage_error("invalid node name " + cfg.name + ": "
                         + ok.error().detail);
  }
  // Only the target's EPMD: with none running, nothing can be registered
  // there, so an EPMD of our own would hide the real reason for the failure
  // (and briefly hold the port a real epmd wants).
  cfg.embedded_epmd = false;
  cfg.hidden = true;
  // One io thread: the node needs it running while it lives; this thread
  // blocks in the command.
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::promise<void> io_done;
  auto io_finished = io_done.get_future();
  std::thread io_thread{[&] {
    io.run();
    io_done.set_value();
  }};
  auto code = cafectl::exit_code::unreachable;
  {
    auto started = services::start_node(io, cfg);
    if (!started) {
      if (cmd->verb == cafectl::verb::ping)
        std::cout << "pang" << std::endl;
      std::cerr << "cafectl: " << started.error() << std::endl;
    } else {
      auto& self = *started;
      code = cafectl::run_command(*self, *cmd, timeout, std::cout, std::cerr);
      self->stop();
    }
  }
  // Let the closes that stop() posted run, but never hang on a timer that
  // something left armed.
  work.reset();
  if (io_finished.wait_for(500ms) != std::future_status::ready)
    io.stop();
  io_thread.join();
  return static_cast<int>(code);
}
