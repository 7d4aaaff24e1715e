#include "cafe/services/start_node.hpp"

#include "cafe/services/net_kernel.hpp"

#include <map>
#include <mutex>

namespace cafe::services {

namespace {

/// The global server of each node started here, found again by the layers
/// above (the CAF bridge, rpc) without changing what start_node returns.
struct global_servers {
  std::mutex mtx;
  std::map<const node::node*, std::weak_ptr<global::server>> by_node;
};

global_servers& registry() {
  static global_servers instance;
  return instance;
}

} // namespace

expected<std::shared_ptr<node::node>, std::string>
start_node(boost::asio::io_context& io, node::config cfg) {
  auto connect_all = cfg.connect_all;
  auto with_global = cfg.run_global && !cfg.hidden;
  auto started = node::node::start(io, std::move(cfg));
  if (!started)
    return started;
  auto& self = *started;
  auto nk = std::make_shared<net_kernel>(self);
  self->add_process(nk->self(), nk);
  self->register_name(etf::atom{"net_kernel"}, nk->self());
  // A hidden node takes no part in global, as on BEAM.
  if (with_global) {
    global::options opts;
    opts.connect_all = connect_all;
    auto gl = global::server::start(self, opts);
    if (!gl) {
      self->stop();
      return unexpected{"cannot start global: " + gl.error()};
    }
    const node::node* key = self.get();
    {
      auto& reg = registry();
      std::lock_guard guard{reg.mtx};
      reg.by_node[key] = *gl;
    }
    // The node holds the server until it stops; the server leaves while
    // the connections are still up.
    self->on_stop([gl = *gl, key] {
      gl->stop();
      auto& reg = registry();
      std::lock_guard guard{reg.mtx};
      reg.by_node.erase(key);
    });
  }
  return started;
}

std::shared_ptr<global::server> global_of(const node::node& nd) {
  auto& reg = registry();
  std::lock_guard guard{reg.mtx};
  if (auto i = reg.by_node.find(&nd); i != reg.by_node.end())
    return i->second.lock();
  return nullptr;
}

} // namespace cafe::services
