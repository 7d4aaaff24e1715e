#pragma once

#include "cafe/connection/dist_connection.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace cafe::runtime {
struct node_options;
} // namespace cafe::runtime

namespace cafe::node {

/// How a node presents itself and where it listens; the erl flags of the
/// same names set these (see runtime::node_options).
struct config {
  /// `alive` or `alive@host`. A missing host is completed like `erl` does:
  /// the short host name for short names, the full one for long names.
  std::string name;
  /// `-name` (true) or `-sname` (false).
  bool long_names = false;
  /// Empty: read or create ~/.erlang.cookie as `erl` does.
  std::string cookie;
  /// Where EPMD is (and where the embedded one starts if none answers).
  std::string epmd_address = "127.0.0.1";
  uint16_t epmd_port = 4369;
  /// Start an EPMD inside the node when none answers.
  bool embedded_epmd = true;
  /// The distribution listener; port 0 lets the kernel choose.
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 0;
  /// Connect without joining the global group of nodes.
  bool hidden = false;
  std::chrono::milliseconds ticktime{std::chrono::seconds{60}};
  /// Output bytes queued per connection before senders are told it is busy.
  size_t busy_limit = size_t{1} << 20;
  /// Messages queued for a node while the connection to it is set up.
  size_t max_pending_messages = 100000;
  /// Everything else about connections (limits, setup time, fragments).
  connection::settings connection;
};

/// The node settings of the erl-style flags every program shares (name,
/// cookie, EPMD port, listener, hidden, ticktime); the rest keep their
/// defaults.
config to_config(const runtime::node_options& opts);

} // namespace cafe::node
