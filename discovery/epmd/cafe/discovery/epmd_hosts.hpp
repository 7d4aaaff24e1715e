#pragma once

#include "cafe/discovery/plugin.hpp"

#include <vector>

namespace cafe::discovery {

/// libcluster's `Cluster.Strategy.Epmd`: a fixed list of nodes
/// (`config: [hosts: [:"a@h1", :"b@h2"]]`, here `--epmd.hosts a@h1,b@h2`),
/// each resolved through its host's EPMD when connecting. The keeper keeps
/// them connected and reconnects them.
class epmd_hosts : public plugin {
public:
  explicit epmd_hosts(std::vector<etf::atom> hosts);

  std::string_view name() const noexcept override;

  void start(sink& to) override;

  void stop() override;

private:
  std::vector<etf::atom> hosts_;
};

} // namespace cafe::discovery
