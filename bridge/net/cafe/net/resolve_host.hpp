#pragma once

#include "cafe/expected.hpp"

#include <functional>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::net {

/// The IPv4 address of `host` in text, or why there is none.
using resolve_result = expected<std::string, std::string>;

/// Resolves a node's host the way the BEAM's inet:getaddr/2 does for the
/// `inet` family: an IPv4 literal as is, else the system resolver, and when
/// that knows nothing, this machine's own host name (short or full, any
/// letter case) as 127.0.0.1 -- erl behaves as if /etc/hosts always had
/// that line (inet:gethostbyname_self/2). `done` runs on an io thread.
void async_resolve_host(boost::asio::io_context& io, std::string host,
                        std::function<void(resolve_result)> done);

/// Whether `host` names this machine by its own host name, as the BEAM
/// compares them (case-insensitive, short or fully qualified).
bool is_own_host_name(const std::string& host);

} // namespace cafe::net
