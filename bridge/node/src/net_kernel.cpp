#include "net_kernel.hpp"

#include "cafe/etf/match.hpp"

namespace cafe::node {

net_kernel::net_kernel(const std::shared_ptr<node>& owner)
  : owner_(owner), self_(owner->make_pid()) {
  // nop
}

void net_kernel::deliver(const std::optional<etf::pid>&, etf::term msg) {
  using namespace etf::literals;
  auto owner = owner_.lock();
  if (!owner)
    return;
  // {'$gen_call', {From, Tag}, Request}; Tag is opaque (OTP 24+ sends
  // [alias|Ref]) and goes back exactly as it came.
  etf::term from_tag;
  etf::term request;
  if (!etf::match(msg, "$gen_call"_atom, &from_tag, &request))
    return;
  etf::pid from;
  etf::term tag;
  if (!etf::match(from_tag, &from, &tag))
    return;
  if (etf::match(request, "is_auth"_atom, etf::_))
    owner->send(self_, from, etf::make_tuple(tag, "yes"_atom));
}

} // namespace cafe::node
