#include "cafe/node/epmd_registrar.hpp"

#include "cafe/epmd/client.hpp"
#include "cafe/epmd/server.hpp"
#include "cafe/log.hpp"
#include "cafe/net/resolve_host.hpp"

#include <mutex>

namespace cafe::node {

registrar::~registrar() {
  // nop
}

uint16_t registrar::listen_port(uint16_t configured) const {
  return configured;
}

bool registrar::runs_embedded_epmd() const noexcept {
  return false;
}

namespace {

using namespace std::chrono_literals;

class epmd_registrar : public registrar {
public:
  epmd_registrar(boost::asio::io_context& io, epmd_settings cfg)
    : io_(io), cfg_(std::move(cfg)) {
    // nop
  }

  ~epmd_registrar() override {
    withdraw();
  }

  expected<uint32_t, std::string> announce(const std::string& alive,
                                           uint16_t port) override {
    // Use a running EPMD, else start our own.
    if (!epmd::client::reachable(io_, cfg_.address, cfg_.port, 2s)) {
      if (!cfg_.embedded)
        return unexpected{"no epmd answers on " + cfg_.address + ":"
                          + std::to_string(cfg_.port)};
      auto srv = epmd::server::start(io_, cfg_.listen_addresses, cfg_.port);
      if (!srv)
        return unexpected{srv.error()};
      logger().info("epmd: none running, started an embedded one on port {}",
                    cfg_.port);
      std::lock_guard guard{mtx_};
      server_ = *srv;
    }
    epmd::node_info info;
    info.name = alive;
    info.port = port;
    auto reg = epmd::client::register_node(io_, cfg_.address, cfg_.port, info,
                                           5s);
    if (!reg) {
      withdraw();
      return unexpected{reg.error()};
    }
    auto creation = (*reg)->creation();
    std::lock_guard guard{mtx_};
    registration_ = std::move(*reg);
    return creation;
  }

  void lookup(const std::string& alive, const std::string& host,
              std::chrono::milliseconds timeout, lookup_handler done) override {
    // Like erl_epmd:port_please/3: the host's address first, then its
    // EPMD; the connection goes to that same address.
    auto epmd_port = cfg_.port;
    auto& io = io_;
    net::async_resolve_host(
      io_, host,
      [&io, epmd_port, alive, timeout,
       done = std::move(done)](net::resolve_result addr) mutable {
        if (!addr)
          return done(unexpected{addr.error()});
        epmd::client::async_port_please(
          io, *addr, epmd_port, alive, timeout,
          [address = *addr, done = std::move(done)](auto res) {
            if (!res)
              return done(unexpected{res.error()});
            done(peer_endpoint{address, res->port});
          });
      });
  }

  bool runs_embedded_epmd() const noexcept override {
    std::lock_guard guard{mtx_};
    return server_ != nullptr;
  }

  void withdraw() override {
    std::unique_ptr<epmd::registration> reg;
    std::shared_ptr<epmd::server> srv;
    {
      std::lock_guard guard{mtx_};
      reg = std::move(registration_);
      srv = std::move(server_);
    }
    if (reg)
      reg->close();
    if (srv)
      srv->stop();
  }

private:
  boost::asio::io_context& io_;
  epmd_settings cfg_;
  mutable std::mutex mtx_;
  std::shared_ptr<epmd::server> server_;
  std::unique_ptr<epmd::registration> registration_;
};

} // namespace

std::shared_ptr<registrar> make_epmd_registrar(boost::asio::io_context& io,
                                               epmd_settings cfg) {
  return std::make_shared<epmd_registrar>(io, std::move(cfg));
}

} // namespace cafe::node
