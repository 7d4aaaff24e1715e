#include "cafe/services/start_node.hpp"

#include "cafe/services/net_kernel.hpp"

namespace cafe::services {

expected<std::shared_ptr<node::node>, std::string>
start_node(boost::asio::io_context& io, node::config cfg) {
  auto started = node::node::start(io, std::move(cfg));
  if (!started)
    return started;
  auto& self = *started;
  auto nk = std::make_shared<net_kernel>(self);
  self->add_process(nk->self(), nk);
  self->register_name(etf::atom{"net_kernel"}, nk->self());
  return started;
}

} // namespace cafe::services
