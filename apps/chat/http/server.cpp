#include "http/server.hpp"

#include "cafe/log.hpp"
#include "http/listener.hpp"
#include "http/shared_state.hpp"

#include <future>

namespace net = boost::asio;
using std::chrono::steady_clock;

namespace cafe::chat::http {

namespace {

/// After `drain_timeout`, how long `stop` waits for the sockets it closed
/// by force to be released.
constexpr std::chrono::milliseconds force_grace{500};

class server_impl final : public server {
public:
  server_impl(std::shared_ptr<shared_state> state,
              std::shared_ptr<listener> lst, uint16_t port)
    : state_(std::move(state)), listener_(std::move(lst)), port_(port) {
    // nop
  }

  ~server_impl() override {
    // Not stopped: at least stop accepting, without blocking (this may run
    // on an io thread).
    if (state_->begin_stop()) {
      listener_->close([] {});
      for (auto& conn : state_->snapshot())
        conn->shutdown(false);
    }
  }

  uint16_t port() const noexcept override {
    return port_;
  }

  const server_stats& stats() const noexcept override {
    return state_->stats();
  }

  void stop() override {
    if (!state_->begin_stop())
      return;
    auto& cfg = state_->config();
    auto deadline = steady_clock::now() + cfg.drain_timeout;
    auto closed = std::make_shared<std::promise<void>>();
    auto done = closed->get_future();
    listener_->close([closed] { closed->set_value(); });
    if (done.wait_until(deadline) != std::future_status::ready)
      logger().warn("http: the acceptor did not close in time (are the io "
                    "threads running?)");
    auto conns = state_->snapshot();
    auto count = conns.size();
    for (auto& conn : conns)
      conn->shutdown(true);
    conns.clear();
    if (state_->wait_empty(deadline))
      return;
    auto rest = state_->snapshot();
    logger().info("http: stop: {} of {} connections did not drain in {} ms, "
                  "closing them",
                  rest.size(), count, cfg.drain_timeout.count());
    for (auto& conn : rest)
      conn->shutdown(false);
    rest.clear();
    state_->wait_empty(steady_clock::now() + force_grace);
  }

private:
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<listener> listener_;
  uint16_t port_;
};

} // namespace

expected<std::shared_ptr<server>, std::string>
server::start(net::io_context& io, server_config cfg,
              std::shared_ptr<application> app) {
  if (!app)
    return unexpected{std::string{"no application"}};
  auto bind = cfg.bind;
  auto port = cfg.port;
  auto state = std::make_shared<shared_state>(std::move(cfg), std::move(app));
  auto lst = std::make_shared<listener>(io, state);
  auto bound = lst->open(bind, port);
  if (!bound)
    return unexpected{bound.error()};
  lst->run();
  return std::shared_ptr<server>{
    std::make_shared<server_impl>(std::move(state), std::move(lst), *bound)};
}

server::~server() {
  // nop
}

} // namespace cafe::chat::http
