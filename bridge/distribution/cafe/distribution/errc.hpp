#pragma once

#include <cstdint>
#include <string_view>

namespace cafe::distribution {

/// Why the distribution layer rejected a frame or could not produce one. On
/// the receiving side every error means what it means to OTP: the connection
/// is broken and must be closed.
enum class errc : uint8_t {
  /// A 4-byte frame length above the configured maximum.
  frame_too_large = 1,
  /// A frame does not start with 131 where a term or header must begin
  /// (OTP logs "Got message from incompatible erlang").
  bad_version,
  /// A distribution header that is truncated, refers to an empty or
  /// out-of-range cache slot, or does not fit the negotiated flags (OTP:
  /// "got a corrupted distribution header").
  bad_header,
  /// An atom in a header's cache update is not a valid atom, or the atom
  /// table is full.
  bad_atom,
  /// A fragment of an unknown sequence, out of order, or a sequence id
  /// that is already in use.
  bad_fragment,
  /// Reassembly would exceed the configured byte or sequence limit.
  reassembly_limit,
  /// The control message or payload is not a valid external term.
  bad_term,
  /// A control message OTP would reject as "Invalid distribution message":
  /// not a tuple, unknown operation, wrong arity or field types, or a field
  /// naming the wrong node.
  invalid_message,
  /// Bytes left after the last term of a message.
  trailing_bytes,
  /// A message too large for the frame length field or the configured
  /// limits (sending side).
  message_too_large,
};

std::string_view to_string(errc code) noexcept;

} // namespace cafe::distribution
