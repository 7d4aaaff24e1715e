#pragma once

#include "cafe/discovery/keeper.hpp"
#include "cafe/discovery/plugin.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/node.hpp"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

/// The configuration words of discovery, for a program's option parser
/// (runtime::parse_node_options' `extra`): `--discovery KIND`, repeatable,
/// and each plugin's `--KIND.key value`, which a config file spells as
/// `key = value` in a `[KIND]` section. The keys are libcluster's and
/// dns_cluster's option names with dashes:
///
///   --discovery epmd        --epmd.hosts a@h1,b@h2
///   --discovery local-epmd  --local-epmd.interval MS
///   --discovery broadcast   --broadcast.secret S ...
///   --discovery dns         --dns.query NAME ...
///   --discovery gossip      --gossip.secret S ...
///   --discovery.grace MS    (how long a node no plugin finds is kept)
boost::program_options::options_description program_options();

/// The plugins the parsed words name; an error names a wrong word.
expected<std::vector<std::unique_ptr<plugin>>, std::string>
make_plugins(boost::asio::io_context& io, const node::node& self,
             const boost::program_options::variables_map& values);

/// The keeper's settings from the parsed words.
mesh_options mesh_settings(const boost::program_options::variables_map& values);

/// `make_plugins`, then a keeper running them; null when no plugin is
/// named.
expected<std::shared_ptr<keeper>, std::string>
start_keeper(boost::asio::io_context& io, std::shared_ptr<node::node> self,
             const boost::program_options::variables_map& values);

} // namespace cafe::discovery
