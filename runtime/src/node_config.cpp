#include "cafe/runtime/node_config.hpp"

namespace cafe::runtime {

node::config node_config(const node_options& opts) {
  node::config cfg;
  cfg.name = opts.name;
  cfg.long_names = opts.long_names;
  cfg.cookie = opts.cookie;
  cfg.epmd_port = opts.epmd_port;
  cfg.epmd_listen_addresses = opts.epmd_addresses;
  cfg.erl_epmd_port = opts.erl_epmd_port;
  cfg.listen_address = opts.listen_address;
  cfg.listen_port = opts.listen_port;
  cfg.hidden = opts.hidden;
  cfg.connect_all = opts.connect_all;
  cfg.ticktime = opts.ticktime;
  return cfg;
}

} // namespace cafe::runtime
