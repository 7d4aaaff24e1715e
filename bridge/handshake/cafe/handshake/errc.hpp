#pragma once

#include <cstdint>
#include <string_view>

namespace cafe::handshake {

/// Why a handshake failed, or why a node name or cookie is unusable.
enum class errc : uint8_t {
  /// A frame with length 0: OTP's {packet,2} hands it over as an empty
  /// message, which matches no handshake message.
  bad_frame = 1,
  /// A message whose tag the current step does not expect.
  unexpected_message,
  /// A message with the right tag but the wrong size, or a name length
  /// beyond the message.
  malformed_message,
  /// A node name that is not `name@host` with both parts non-empty (peer
  /// names, as dist_util:is_node_name), or that `erl` would not start with
  /// (own names, as net_kernel).
  bad_node_name,
  /// The name in the challenge is not the node the initiator dialed.
  name_mismatch,
  /// The peer lacks flags we require.
  missing_flags,
  /// The peer asked for a dynamic name (DFLAG_NAME_ME); cafe does not
  /// hand out names.
  name_me_unsupported,
  /// The peer's digest does not match: the cookies differ.
  bad_digest,
  /// The peer sent status `not_allowed`, or we refused the peer.
  not_allowed,
  /// Status `nok`: the other side of a simultaneous connect won.
  nok,
  /// Status `alive` answered `false`: the existing connection stays.
  alive_refused,
  /// A status text that OTP does not define, or `named:` to a node that
  /// did not ask for a name.
  unknown_status,
  /// The random source produced no challenge.
  no_randomness,
  /// The caller invoked an operation the current step does not offer.
  invalid_call,
  /// Our own configuration is unusable (empty cookie, creation 0).
  bad_config,
  /// The cookie file cannot be read, created or written.
  cookie_io,
  /// The cookie file is not a regular file or others may access it
  /// (erl refuses such files too).
  cookie_insecure,
  /// The cookie file holds characters outside ' '..'~' before the trailing
  /// whitespace, or nothing at all.
  cookie_invalid,
  /// Neither HOME nor XDG_CONFIG_HOME is set.
  cookie_no_home,
};

std::string_view to_string(errc code) noexcept;

} // namespace cafe::handshake
