#pragma once

#include "cafe/expected.hpp"
#include "cafe/global/server.hpp"
#include "cafe/node/config.hpp"
#include "cafe/node/node.hpp"

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::services {

/// Starts a node (node::node::start) that runs the services every Erlang
/// node runs, each a process registered under its OTP name: `net_kernel`
/// (so `net_adm:ping` gets `pong`) and, on a visible node, `global`
/// (global::server: so `global:sync()` on BEAM nodes returns with this
/// node connected, and global names work both ways; `cfg.connect_all` is
/// erl's `-connect_all`). What programs call; a bare node::node::start is
/// for tests of the node alone.
expected<std::shared_ptr<node::node>, std::string>
start_node(boost::asio::io_context& io, node::config cfg);

/// The global server `start_node` started on `nd` (none on a hidden node,
/// or once the node stopped).
std::shared_ptr<global::server> global_of(const node::node& nd);

} // namespace cafe::services
