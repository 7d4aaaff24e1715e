#pragma once

#include "cafe/expected.hpp"
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
/// (so `net_adm:ping` gets `pong`). What programs call; a bare
/// node::node::start is for tests of the node alone.
expected<std::shared_ptr<node::node>, std::string>
start_node(boost::asio::io_context& io, node::config cfg);

} // namespace cafe::services
