#pragma once

// Private to cafe::connection: what the listener shares with the connection
// code. Not installed.

#include "cafe/connection/dist_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

namespace cafe::connection::detail {

/// Runs the acceptor side of the handshake on a freshly accepted socket.
void start_accepted(boost::asio::io_context& io,
                    boost::asio::ip::tcp::socket sock, const settings& cfg,
                    std::weak_ptr<owner> node);

} // namespace cafe::connection::detail
