#pragma once

#include <cstdint>
#include <string_view>

namespace cafe::epmd {

/// Why an EPMD message could not be encoded, decoded or served.
enum class errc : uint8_t {
  /// The peer closed the connection inside a message.
  truncated = 1,
  /// A request length prefix outside what epmd accepts (0, or a packet
  /// that does not fit epmd's 3060-byte input buffer).
  bad_length,
  /// A request whose first byte names no request epmd knows.
  unknown_request,
  /// A reply whose first byte is not the one the request calls for.
  unexpected_reply,
  /// Lengths inside a message that disagree with its size, or a NUL byte
  /// inside a name.
  malformed,
  /// More bytes than the message, where epmd sends or accepts nothing more.
  trailing_bytes,
  /// A node name that is empty, not UTF-8, longer than 255 characters or
  /// 1020 bytes, or extra data longer than 1020 bytes.
  bad_name,
  /// A reply larger than the reader accepts (NAMES/DUMP listings).
  too_large,
  /// ALIVE2, DUMP, KILL or STOP from a peer that is not local: epmd closes
  /// such connections without a reply.
  not_local,
  /// The name is registered by another connection.
  name_in_use,
  /// Data on a connection that already registered a node: epmd takes it
  /// as the node going away.
  already_registered,
  /// epmd answered ALIVE2 with a non-zero result.
  registration_failed,
  /// epmd answered PORT_PLEASE2 with a non-zero result: no such name.
  not_found,
  /// epmd refused an admin request (KILL with live nodes, STOP without
  /// -relaxed_command_check).
  refused,
};

std::string_view to_string(errc code) noexcept;

} // namespace cafe::epmd
