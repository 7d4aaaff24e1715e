#include "cafe/node/config.hpp"

#include "cafe/runtime/node_options.hpp"

namespace cafe::node {

config to_config(const runtime::node_options& opts) {
  config cfg;
  cfg.name = opts.name;
  cfg.long_names = opts.long_names;
  cfg.cookie = opts.cookie;
  cfg.epmd_port = opts.epmd_port;
  cfg.listen_address = opts.listen_address;
  cfg.listen_port = opts.listen_port;
  cfg.hidden = opts.hidden;
  cfg.ticktime = opts.ticktime;
  return cfg;
}

} // namespace cafe::node
