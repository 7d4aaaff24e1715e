#pragma once

#include "cafe/connection/dist_connection.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cafe::node {

class registrar;

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
  /// The EPMD this node registers with: the local one, as for `erl`.
  std::string epmd_address = "127.0.0.1";
  uint16_t epmd_port = 4369;
  /// Start an EPMD inside the node when none answers.
  bool embedded_epmd = true;
  /// Where an embedded EPMD listens: every interface, like `epmd`. A list
  /// narrows it (`ERL_EPMD_ADDRESS`); 127.0.0.1 is added, as epmd does.
  std::vector<std::string> epmd_listen_addresses;
  /// erl's `-erl_epmd_port`: no EPMD; this node listens on this port and
  /// finds every peer on the same port of the peer's host (0: use EPMD).
  uint16_t erl_epmd_port = 0;
  /// How this node announces itself and finds its peers; null: EPMD as
  /// configured above (or `erl_epmd_port`).
  std::shared_ptr<registrar> peer_registrar;
  /// The distribution listener: every interface, like `erl`
  /// (`-kernel inet_dist_use_interface` narrows it); port 0 lets the
  /// kernel choose.
  std::string listen_address = "0.0.0.0";
  uint16_t listen_port = 0;
  /// Connect without joining the global group of nodes.
  bool hidden = false;
  /// erl's `-connect_all`: whether the `global` service (services::
  /// start_node) takes part in global with nodes that come up and connects
  /// to the nodes they know. The node itself only carries the setting.
  bool connect_all = true;
  /// Whether services::start_node runs `global` on this node (never on a
  /// hidden one). Tests of other services turn it off.
  bool run_global = true;
  std::chrono::milliseconds ticktime{std::chrono::seconds{60}};
  /// Output bytes queued per connection before senders are told it is busy.
  size_t busy_limit = size_t{1} << 20;
  /// Messages queued for a node while the connection to it is set up.
  size_t max_pending_messages = 100000;
  /// Everything else about connections (limits, setup time, fragments).
  connection::settings connection;
};

} // namespace cafe::node
