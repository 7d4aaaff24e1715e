#include "cafe/discovery/local_epmd.hpp"

#include "cafe/epmd/client.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>

namespace cafe::discovery {

struct local_epmd::state : std::enable_shared_from_this<state> {
  state(boost::asio::io_context& io, std::string host, local_epmd_options opts)
    : io(io), host(std::move(host)), opts(std::move(opts)), timer(io) {
    // nop
  }

  void poll() {
    std::weak_ptr<state> weak = shared_from_this();
    epmd::client::async_names(
      io, opts.epmd_address, opts.epmd_port, std::chrono::seconds{5},
      [weak](expected<epmd::names_resp, std::string> res) {
        if (auto self = weak.lock())
          self->on_names(std::move(res));
      });
  }

  void on_names(expected<epmd::names_resp, std::string> res) {
    std::lock_guard guard{mtx};
    if (to == nullptr)
      return;
    if (res) {
      std::vector<etf::atom> nodes;
      for (auto& n : res->nodes)
        nodes.emplace_back(n.name + "@" + host);
      to->found("local-epmd", std::move(nodes));
      failing = false;
    } else if (!failing) {
      // Keep what was found: an EPMD restarting is no reason to let go.
      cafe::logger().warn("discovery: local-epmd: {}", res.error());
      failing = true;
    }
    timer.expires_after(opts.interval);
    std::weak_ptr<state> weak = shared_from_this();
    timer.async_wait([weak](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->poll();
    });
  }

  boost::asio::io_context& io;
  std::string host;
  local_epmd_options opts;
  std::mutex mtx;
  sink* to = nullptr;
  bool failing = false;
  boost::asio::steady_timer timer;
};

local_epmd::local_epmd(boost::asio::io_context& io, etf::atom self,
                       local_epmd_options opts) {
  auto text = std::string{self.text()};
  auto at = text.find('@');
  state_ = std::make_shared<state>(
    io, at == std::string::npos ? std::string{} : text.substr(at + 1),
    std::move(opts));
}

local_epmd::~local_epmd() {
  stop();
}

std::string_view local_epmd::name() const noexcept {
  return "local-epmd";
}

void local_epmd::start(sink& to) {
  {
    std::lock_guard guard{state_->mtx};
    state_->to = &to;
  }
  state_->poll();
}

void local_epmd::stop() {
  std::lock_guard guard{state_->mtx};
  state_->to = nullptr;
  state_->timer.cancel();
}

} // namespace cafe::discovery
