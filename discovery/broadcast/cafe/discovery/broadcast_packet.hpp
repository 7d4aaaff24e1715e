#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/expected.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::discovery {

/// The broadcast plugin's announcement, without I/O: "this node exists",
/// signed with a shared secret.
///
///     "CAFEBC1\0"        8 bytes
///     timestamp          8 bytes, big-endian: the sender's wall clock, ms
///                        since the epoch
///     name length N      1 byte (1..255)
///     node name          N bytes (`alive@host`)
///     mac                32 bytes: HMAC-SHA-256 with the secret as key,
///                        over everything before it
///
/// Without a secret the key is empty: the mac then only protects against
/// corruption, and anyone on the network can announce a node.
struct announcement {
  etf::atom node;
  std::chrono::milliseconds timestamp{0};
};

/// Why a packet was refused.
enum class refusal : uint8_t {
  /// Not an announcement (another protocol, or truncated).
  malformed,
  /// Signed with another secret (or none), or altered.
  bad_mac,
  /// Its timestamp is further from now than the replay window.
  stale,
};

std::string_view to_string(refusal x) noexcept;

/// The packet announcing `node` at `timestamp`.
std::vector<uint8_t> encode_announcement(std::string_view node,
                                         std::chrono::milliseconds timestamp,
                                         std::string_view secret);

/// Checks and reads a packet: its mac with `secret`, and its timestamp
/// within `window` of `now` (both ways, for clocks a little apart).
expected<announcement, refusal>
decode_announcement(std::span<const uint8_t> bytes, std::string_view secret,
                    std::chrono::milliseconds now,
                    std::chrono::milliseconds window);

/// Drops replayed announcements: one counts only when it is newer than the
/// last one counted for its node (a node's clock only moves forward between
/// its announcements; a captured packet sent again does not).
class replay_guard {
public:
  bool fresh(const announcement& x);

private:
  std::map<etf::atom, std::chrono::milliseconds> latest_;
};

} // namespace cafe::discovery
