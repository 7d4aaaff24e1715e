#include "cafe/services/net_kernel.hpp"

#include "cafe/etf/match.hpp"
#include "cafe/node/gen_call.hpp"

namespace cafe::services {

net_kernel::net_kernel(const std::shared_ptr<node::node>& owner)
  : owner_(owner), self_(owner->make_pid()) {
  // nop
}

void net_kernel::deliver(const std::optional<etf::pid>&, etf::term msg) {
  using namespace etf::literals;
  auto owner = owner_.lock();
  if (!owner)
    return;
  // net_adm:ping is gen:call(net_kernel, {is_auth, node()}); the node is
  // authorized once it is connected.
  auto call = node::parse_gen_call(msg);
  if (call && etf::match(call->request, "is_auth"_atom, etf::_))
    node::send_gen_reply(*owner, self_, *call, "yes"_atom, true);
}

} // namespace cafe::services
