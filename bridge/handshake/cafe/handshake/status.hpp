#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cafe::handshake {

/// The acceptor's verdict after send_name (dist_util `mark_pending`).
enum class status : uint8_t {
  /// Go on.
  ok,
  /// Go on; the acceptor drops its own pending connect to the initiator.
  ok_simultaneous,
  /// Stop: the acceptor's own pending connect to the initiator wins.
  nok,
  /// Stop: the initiator is refused (flags, allow list).
  not_allowed,
  /// The acceptor already has a connection to a node of this name; the
  /// initiator answers whether to replace it.
  alive,
};

/// The status text without the leading 's'.
std::string_view to_string(status x) noexcept;

/// The status for a text without the leading 's'; `std::nullopt` for texts
/// OTP does not define (and for `named:`, which belongs to dynamic names).
std::optional<status> parse_status(std::string_view text) noexcept;

/// net_kernel's tie-break when `peer_node` connects while our own connect to
/// it is still pending: the greater name (atom order, i.e. bytewise) keeps
/// its own connect. Returns `nok` if we win, `ok_simultaneous` if the peer
/// does (and the caller must abandon its own attempt).
status simultaneous_status(std::string_view this_node,
                           std::string_view peer_node) noexcept;

} // namespace cafe::handshake
