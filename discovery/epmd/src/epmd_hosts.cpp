#include "cafe/discovery/epmd_hosts.hpp"

namespace cafe::discovery {

epmd_hosts::epmd_hosts(std::vector<etf::atom> hosts)
  : hosts_(std::move(hosts)) {
  // nop
}

std::string_view epmd_hosts::name() const noexcept {
  return "epmd";
}

void epmd_hosts::start(sink& to) {
  // Listed once, wanted for good: the keeper retries them as long as it
  // runs, where libcluster's Epmd tries once.
  to.found(name(), hosts_);
}

void epmd_hosts::stop() {
  // Nothing runs.
}

} // namespace cafe::discovery
