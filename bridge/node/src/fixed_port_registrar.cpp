#include "cafe/epmd/client.hpp"
#include "cafe/net/resolve_host.hpp"
#include "cafe/node/epmd_registrar.hpp"

#include <random>

namespace cafe::node {

namespace {

using namespace std::chrono_literals;

class fixed_port_registrar : public registrar {
public:
  fixed_port_registrar(boost::asio::io_context& io, uint16_t port,
                       epmd_settings local_epmd)
    : io_(io), port_(port), local_epmd_(local_epmd) {
    local_epmd.embedded = false;
    epmd_ = make_epmd_registrar(io, std::move(local_epmd));
  }

  uint16_t listen_port(uint16_t) const override {
    return port_;
  }

  expected<uint32_t, std::string> announce(const std::string& alive,
                                           uint16_t port) override {
    // erl_epmd: a failed registration is no error with -erl_epmd_port; the
    // node then gets a random creation (never 0, which means "unknown").
    if (epmd::client::reachable(io_, local_epmd_.address, local_epmd_.port, 1s))
      if (auto creation = epmd_->announce(alive, port))
        return creation;
    std::random_device random;
    uint32_t creation = 0;
    while (creation == 0)
      creation = random();
    return creation;
  }

  void lookup(const std::string&, const std::string& host,
              std::chrono::milliseconds, lookup_handler done) override {
    net::async_resolve_host(io_, host,
                            [port = port_, done = std::move(done)](auto addr) {
                              if (!addr)
                                return done(unexpected{addr.error()});
                              done(peer_endpoint{*addr, port});
                            });
  }

  void withdraw() override {
    epmd_->withdraw();
  }

private:
  boost::asio::io_context& io_;
  uint16_t port_;
  epmd_settings local_epmd_;
  std::shared_ptr<registrar> epmd_;
};

} // namespace

std::shared_ptr<registrar>
make_fixed_port_registrar(boost::asio::io_context& io, uint16_t port,
                          epmd_settings local_epmd) {
  return std::make_shared<fixed_port_registrar>(io, port,
                                                std::move(local_epmd));
}

} // namespace cafe::node
