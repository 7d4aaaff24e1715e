#pragma once

#include <cstdint>
#include <functional>
#include <optional>

namespace cafe::handshake {

/// Where challenges (and new cookies) come from. Injected so that tests
/// replay fixed values; `std::nullopt` means no randomness is available and
/// the handshake fails rather than sending a guessable challenge.
using random_source = std::function<std::optional<uint32_t>()>;

/// 32 bits from OpenSSL's CSPRNG (RAND_bytes).
std::optional<uint32_t> secure_random_u32() noexcept;

/// `secure_random_u32` as a `random_source`.
random_source secure_random();

} // namespace cafe::handshake
