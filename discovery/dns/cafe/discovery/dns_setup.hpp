#pragma once

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

/// The dns plugin's configuration words (`[dns]` in the config file), each
/// named after the dns_cluster/libcluster option it matches (see
/// dns_options):
///
///   --dns.query NAME        repeatable or comma-separated; without it, the
///                           environment variable DNS_CLUSTER_QUERY (as
///                           Phoenix 1.7 apps read it)
///   --dns.type a|aaaa|srv   repeatable or comma-separated (default a)
///   --dns.basename NAME     default: this node's base name
///   --dns.interval MS       default 5000
///   --dns.server HOST:PORT  default: the servers of /etc/resolv.conf
boost::program_options::options_description dns_program_options();

/// The dns plugin the parsed words describe, for the node `self`; an error
/// names a wrong or missing word.
expected<std::unique_ptr<plugin>, std::string>
make_dns_plugin(boost::asio::io_context& io, etf::atom self,
                const boost::program_options::variables_map& values);

} // namespace cafe::discovery
