#pragma once

#include "cafe/expected.hpp"
#include "cafe/handshake/failure.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cafe::handshake {

/// `erl -sname` (host without dots) or `erl -name` (fully qualified host or
/// IP address).
enum class name_domain : uint8_t { shortnames, longnames };

/// A node name split at its '@'. Views into the original string.
struct node_name_parts {
  std::string_view alive;
  std::string_view host;
};

/// Node names are atoms: at most 255 characters, and the handshake sends
/// them as latin1, one byte per character.
inline constexpr size_t max_node_name_size = 255;

/// The rule an OTP acceptor applies to a peer's name (dist_util
/// `is_node_name`): exactly one '@' with non-empty text on both sides, and
/// short enough to become an atom.
std::optional<node_name_parts> split_node_name(std::string_view name) noexcept;

inline bool is_node_name(std::string_view name) noexcept {
  return split_node_name(name).has_value();
}

/// The rules `erl` applies to its own name (net_kernel `create_name`,
/// inet_tcp_dist `splitnode`): the alive part is [0-9A-Za-z_-]+, the host
/// part printable; short names have no '.' in the host, long names need one
/// (or an IPv6 literal). Host characters are limited to printable ASCII
/// (OTP also allows latin1 0x7F-0xFF, which cannot round-trip through a
/// UTF-8 std::string unambiguously).
expected<node_name_parts, failure> validate_node_name(std::string_view name,
                                                      name_domain domain);

/// The domain a valid name belongs to: long if its host has a '.' or is an
/// IPv6 literal.
name_domain domain_of(std::string_view host) noexcept;

} // namespace cafe::handshake
