#include "cafe/discovery/keeper.hpp"

#include "cafe/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <random>

namespace cafe::discovery {

sink::~sink() = default;

plugin::~plugin() = default;

struct keeper::impl {
  impl(boost::asio::io_context& io, std::shared_ptr<node::node> owner,
       std::vector<std::unique_ptr<plugin>> ps, mesh_options opts)
    : owner(owner), plugins(std::move(ps)),
      core(owner->name(), opts, std::random_device{}()), timer(io) {
    // nop
  }

  std::weak_ptr<node::node> owner;
  std::vector<std::unique_ptr<plugin>> plugins;
  mutable std::mutex mtx;
  mesh core;
  boost::asio::steady_timer timer;
  std::vector<std::function<void(const event&)>> listeners;
  bool stopped = false;
};

namespace {

std::string joined(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += x;
  }
  return result.empty() ? "no plugin" : result;
}

} // namespace

std::shared_ptr<keeper>
keeper::start(boost::asio::io_context& io, std::shared_ptr<node::node> owner,
              std::vector<std::unique_ptr<plugin>> plugins, mesh_options opts) {
  auto result = std::shared_ptr<keeper>(
    new keeper(std::make_unique<impl>(io, owner, std::move(plugins), opts)));
  std::weak_ptr<keeper> weak = result;
  owner->monitor_nodes([weak](etf::atom peer, bool up) {
    if (auto self = weak.lock())
      self->on_node(peer, up);
  });
  for (auto& p : result->impl_->plugins) {
    cafe::logger().info("discovery: {} started", p->name());
    p->start(*result);
  }
  result->run_due();
  return result;
}

keeper::keeper(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

keeper::~keeper() {
  stop();
}

void keeper::stop() {
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    impl_->stopped = true;
    impl_->timer.cancel();
  }
  for (auto& p : impl_->plugins)
    p->stop();
}

void keeper::on_event(std::function<void(const event&)> fn) {
  std::lock_guard guard{impl_->mtx};
  impl_->listeners.push_back(std::move(fn));
}

std::vector<etf::atom> keeper::wanted() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->core.wanted(clock::now());
}

void keeper::found(std::string_view source, std::vector<etf::atom> nodes) {
  {
    std::lock_guard guard{impl_->mtx};
    impl_->core.found(source, nodes, clock::now());
  }
  run_due();
}

void keeper::heard(std::string_view source, etf::atom node) {
  {
    std::lock_guard guard{impl_->mtx};
    impl_->core.heard(source, node, clock::now());
  }
  run_due();
}

void keeper::run_due() {
  mesh::actions todo;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    auto now = clock::now();
    todo = impl_->core.due(now);
    if (auto next = impl_->core.next_due()) {
      impl_->timer.expires_at(*next);
      std::weak_ptr<keeper> weak = weak_from_this();
      impl_->timer.async_wait([weak](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec)
          self->run_due();
      });
    }
  }
  auto owner = impl_->owner.lock();
  if (!owner)
    return;
  for (auto peer : todo.disconnect) {
    cafe::logger().info("discovery: disconnecting {}: no plugin finds it",
                        peer.text());
    owner->disconnect(peer);
  }
  std::weak_ptr<keeper> weak = weak_from_this();
  for (auto peer : todo.connect)
    owner->connect(peer, [weak, peer](bool ok) {
      if (auto self = weak.lock())
        self->on_connect(peer, ok);
    });
}

void keeper::on_connect(etf::atom peer, bool ok) {
  {
    std::lock_guard guard{impl_->mtx};
    if (ok)
      impl_->core.connected(peer, clock::now());
    else
      impl_->core.connect_failed(peer, clock::now());
  }
  if (!ok)
    cafe::logger().debug("discovery: {} did not answer; retrying later",
                         peer.text());
  run_due();
}

void keeper::on_node(etf::atom peer, bool up) {
  event ev{peer, up, {}};
  std::vector<std::function<void(const event&)>> listeners;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    auto now = clock::now();
    ev.sources = impl_->core.sources(peer, now);
    if (up)
      impl_->core.connected(peer, now);
    else
      impl_->core.disconnected(peer, now);
    listeners = impl_->listeners;
  }
  cafe::logger().info("discovery: {} {} ({})", up ? "nodeup" : "nodedown",
                      peer.text(), joined(ev.sources));
  for (auto& fn : listeners)
    fn(ev);
  run_due();
}

} // namespace cafe::discovery
