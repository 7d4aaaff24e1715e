#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace cafe::handshake {

/// MD5 over the cookie followed by the challenge in decimal: 16 raw bytes.
using digest = std::array<uint8_t, 16>;

/// dist_util:gen_digest: MD5(cookie ++ integer_to_list(challenge)).
digest gen_digest(uint32_t challenge, std::string_view cookie) noexcept;

/// Compares in constant time, so timing does not leak how many leading
/// bytes of a forged digest were right.
bool digest_equal(const digest& expected, const digest& received) noexcept;

} // namespace cafe::handshake
