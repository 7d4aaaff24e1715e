#include "cafe/connection/listener.hpp"

#include "accept.hpp"
#include "cafe/log.hpp"
#include "cafe/net/acceptors.hpp"

#include <boost/asio/post.hpp>

namespace cafe::connection {

listener::~listener() {
  // nop
}

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class tcp_listener : public listener,
                     public std::enable_shared_from_this<tcp_listener> {
public:
  explicit tcp_listener(asio::io_context& io) : io_(io) {
    // nop
  }

  expected<void, std::string> bind(const std::vector<std::string>& addresses,
                                   uint16_t port) {
    auto res = net::listen_on(io_.get_executor(), addresses, port, acceptors_);
    if (!res)
      return unexpected{res.error()};
    port_ = *res;
    return {};
  }

  void run(const settings& cfg, std::weak_ptr<owner> node) override {
    cfg_ = cfg;
    node_ = std::move(node);
    for (auto& acc : acceptors_)
      do_accept(acc);
  }

  uint16_t port() const noexcept override {
    return port_;
  }

  void stop() override {
    asio::post(io_, [self = shared_from_this()] {
      for (auto& acc : self->acceptors_) {
        boost::system::error_code ignored;
        acc.close(ignored);
      }
    });
  }

private:
  void do_accept(tcp::acceptor& acc) {
    acc.async_accept(
      [self = shared_from_this(), &acc](auto ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted)
          return;
        if (!ec)
          detail::start_accepted(self->io_, std::move(sock), self->cfg_,
                                 self->node_);
        else
          cafe::logger().warn("dist: accept failed: {}", ec.message());
        if (acc.is_open())
          self->do_accept(acc);
      });
  }

  asio::io_context& io_;
  // Never resized after `bind`: handlers keep references to the elements.
  std::vector<tcp::acceptor> acceptors_;
  settings cfg_;
  std::weak_ptr<owner> node_;
  uint16_t port_ = 0;
};

} // namespace

expected<std::shared_ptr<listener>, std::string>
listener::bind(boost::asio::io_context& io,
               const std::vector<std::string>& addresses, uint16_t port) {
  auto l = std::make_shared<tcp_listener>(io);
  if (auto res = l->bind(addresses, port); !res)
    return unexpected{res.error()};
  return std::shared_ptr<listener>{l};
}

} // namespace cafe::connection
