#pragma once

#include "cafe/expected.hpp"
#include "cafe/runtime/errc.hpp"
#include "cafe/runtime/fwd.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <spdlog/common.h>
#include <string>
#include <vector>

namespace cafe::runtime {

/// The erl-style settings every cafe program shares. Each field has a
/// command-line option of the same name (dashes for underscores) and the
/// same key in the `--config` INI file.
struct node_options {
  /// `alive` or `alive@host` as given by `--name`/`--sname`; empty when the
  /// program does not join a cluster. The host part, when missing, is
  /// completed by the node layer.
  std::string name;

  /// True for `--name` (fully qualified host names), false for `--sname`.
  bool long_names = false;

  /// `--cookie` or `-setcookie`; empty means "read ~/.erlang.cookie".
  std::string cookie;

  /// `--epmd-port`, else `$ERL_EPMD_PORT`, else 4369.
  uint16_t epmd_port = 4369;

  /// `--listen ADDR[:PORT]`: where the distribution listener binds, like
  /// `-kernel inet_dist_use_interface`. The default is every interface, as
  /// for `erl`. Port 0 lets the kernel choose (and EPMD tells peers).
  std::string listen_address = "0.0.0.0";
  uint16_t listen_port = 0;

  /// `$ERL_EPMD_ADDRESS` (comma-separated): the addresses an embedded EPMD
  /// listens on, as for `epmd`; empty means every interface.
  std::vector<std::string> epmd_addresses;

  /// `--erl-epmd-port`, erl's `-erl_epmd_port`: nodes run without EPMD, each
  /// listening on this port of its host (0: ask EPMD).
  uint16_t erl_epmd_port = 0;

  /// `--hidden`: connect without joining the global group of nodes.
  bool hidden = false;

  /// `--connect-all false`, erl's `-connect_all false`: global takes no
  /// part with nodes that come up and connects to no node they know.
  bool connect_all = true;

  /// `--ticktime`: Erlang's net_ticktime.
  std::chrono::seconds ticktime{60};

  /// `--log-level`: trace, debug, info, warn, error, critical or off.
  spdlog::level::level_enum log_level = spdlog::level::info;

  /// `--threads`: CAF scheduler threads; parsing fills in the number of
  /// hardware threads when the option is absent.
  size_t threads = 0;

  /// `--io-spin`: how long an io thread that ran out of work keeps polling
  /// (yielding the CPU in between) before it sleeps in epoll, as BEAM
  /// schedulers spin before they sleep. A message arriving meanwhile costs
  /// no thread wake-up (~50 us on a VM). Only work restarts it: an idle
  /// node sleeps. Spinning runs one io thread (Asio would hand the sockets
  /// to a second one asleep in epoll); zero: no spinning, up to two io
  /// threads.
  std::chrono::microseconds io_spin{50};

  /// `--config`: the INI file the other values were read from, if any.
  std::string config_file;
};

/// Why `parse_node_options` produced no options. For `errc::help_requested`
/// the message is the usage text; otherwise it is a one-line reason.
struct options_error {
  errc code = errc::invalid_option;
  std::string message;
};

/// Parses the shared options from the command line and, with `--config`,
/// from an INI file (the command line wins). Accepts erl's single-dash
/// spelling as well: `-sname a -setcookie secret`.
expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv);

/// Like above, but also accepts the program's own `extra` options on the
/// command line and in the INI file. Their values land in `values`, and in
/// the program's variables for options declared as `value<T>(&x)`.
expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv,
                   const boost::program_options::options_description& extra,
                   boost::program_options::variables_map& values);

/// Like above, for programs that take operands (a command and its
/// arguments, as in `cafectl ping a@host`): the words that are no option
/// land in `operands`, in order, instead of being rejected. After `--`
/// every word is an operand, even one that starts with a dash.
expected<node_options, options_error>
parse_node_options(int argc, const char* const* argv,
                   const boost::program_options::options_description& extra,
                   boost::program_options::variables_map& values,
                   std::vector<std::string>& operands);

/// Does what `main` should do with a parse error: prints the usage text to
/// stdout (for `--help`) or `program: reason` to stderr, and returns the
/// exit status, 0 for `--help` and 2 otherwise.
int report(const options_error& err, const char* program = nullptr);

} // namespace cafe::runtime
