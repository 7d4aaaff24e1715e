#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::discovery {

/// The record types the dns plugin asks for (dns_cluster's `dns_rr_types`).
enum class dns_type : uint8_t {
  /// IPv4 addresses: nodes `basename@<ip>`.
  a,
  /// IPv6 addresses: nodes `basename@<ip6>`.
  aaaa,
  /// Service records: nodes `basename@<target host>`.
  srv,
};

/// `a`, `aaaa`, `srv`.
std::string_view to_string(dns_type x) noexcept;

/// The type spelled `a`, `aaaa` or `srv` (any case); nullopt otherwise.
std::optional<dns_type> parse_dns_type(std::string_view text) noexcept;

/// What a DNS answer names: the addresses of A and AAAA records as text
/// (`127.0.0.2`, `::1`, as `:inet.ntoa` prints them), the target hosts of
/// SRV records without the trailing dot (`app-0.app.default.svc.cluster.
/// local`, as `:inet_res` returns them), in the order of the answer.
///
/// `reply` is a whole DNS message as a server sent it. A reply without
/// records of `type` (NXDOMAIN, or NOERROR without answers) names nothing:
/// an empty list, not an error. Any other response code, a message that is
/// not a response, or bytes that do not parse, are an error, with the
/// reason.
expected<std::vector<std::string>, std::string>
parse_dns_answer(dns_type type, std::span<const uint8_t> reply);

/// The outcome of one c-ares query (`ares_query`/`ares_search` callback
/// arguments): the reply when one came, parsed as `parse_dns_answer`
/// does; otherwise c-ares' `status` decides: no such name (ARES_ENOTFOUND)
/// or no such record (ARES_ENODATA) is an empty answer, anything else
/// (timeout, refused connection, ...) an error naming it.
expected<std::vector<std::string>, std::string>
interpret_dns_reply(dns_type type, int status, std::span<const uint8_t> reply);

/// `basename@host` for each host, without duplicates, in their order.
std::vector<etf::atom> dns_node_names(std::string_view basename,
                                      const std::vector<std::string>& hosts);

} // namespace cafe::discovery
