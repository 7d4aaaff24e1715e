#pragma once

#include "cafe/discovery/gossip.hpp"
#include "cafe/discovery/plugin.hpp"
#include "cafe/etf/atom.hpp"
#include "cafe/expected.hpp"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

/// The gossip plugin's words, libcluster Gossip's `config:` keys with
/// dashes (a config file spells them `key = value` in a `[gossip]`
/// section):
///
///   --gossip.port 45892              port
///   --gossip.multicast-addr ADDR     multicast_addr (233.252.1.32; with
///                                    broadcast-only 255.255.255.255)
///   --gossip.if-addr 0.0.0.0         if_addr
///   --gossip.multicast-if ADDR       multicast_if
///   --gossip.ttl 1                   multicast_ttl
///   --gossip.secret TEXT             secret
///   --gossip.broadcast-only          broadcast_only: true
///   --gossip.interval MS             a fixed heartbeat interval instead of
///                                    libcluster's random 1..5000 ms
boost::program_options::options_description gossip_program_options();

/// The options the parsed words give; an error names the wrong word.
expected<gossip_options, std::string>
gossip_settings(const boost::program_options::variables_map& values);

/// `gossip_settings`, then the plugin for the node named `self`.
expected<std::unique_ptr<plugin>, std::string>
make_gossip_plugin(boost::asio::io_context& io, etf::atom self,
                   const boost::program_options::variables_map& values);

} // namespace cafe::discovery
