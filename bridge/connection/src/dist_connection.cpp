#include "cafe/connection/dist_connection.hpp"

#include "accept.hpp"
#include "tcp_connection.hpp"

namespace cafe::connection {

owner::~owner() {
  // nop
}

dist_connection::~dist_connection() {
  // nop
}

std::shared_ptr<dist_connection>
dist_connection::connect(boost::asio::io_context& io, const settings& cfg,
                         std::weak_ptr<owner> node, std::string peer_node,
                         const std::string& host, uint16_t port) {
  auto conn = std::make_shared<detail::tcp_connection>(
    io, detail::tcp::socket{io}, cfg, node, peer_node, true);
  conn->connect_to(host, port);
  return conn;
}

namespace detail {

void start_accepted(boost::asio::io_context& io, tcp::socket sock,
                    const settings& cfg, std::weak_ptr<owner> node) {
  boost::system::error_code ignored;
  sock.set_option(tcp::no_delay(true), ignored);
  auto conn = std::make_shared<tcp_connection>(
    io, std::move(sock), cfg, std::move(node), std::string{}, false);
  conn->start();
}

} // namespace detail

} // namespace cafe::connection
