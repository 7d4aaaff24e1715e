#pragma once

#include "cafe/distribution/flags.hpp"
#include "cafe/handshake/random.hpp"

#include <cstdint>
#include <string>

namespace cafe::handshake {

/// What both roles need to know about this node.
struct config {
  /// Our full node name, sent as is in send_name and the challenge.
  std::string node;
  /// Our creation, from epmd's ALIVE2_X_RESP; never 0 (reserved in OTP 25).
  uint32_t creation = 0;
  /// The shared secret; OTP uses the same cookie in both directions.
  std::string cookie;
  /// Hidden nodes do not offer DFLAG_PUBLISHED.
  bool hidden = false;
  /// What we offer; `published` is added unless `hidden`.
  distribution::flags_t flags = distribution::flag::cafe_default;
  /// What a peer must offer (after MANDATORY_25_DIGEST expansion).
  distribution::flags_t required = distribution::flag::cafe_required;
  /// Challenge source; empty means `secure_random()`.
  random_source random;
};

/// The flags this node sends: `flags`, plus PUBLISHED unless hidden, never
/// NAME_ME (cafe always has a static name).
constexpr distribution::flags_t offered_flags(const config& cfg) noexcept {
  auto fs = cfg.flags & ~distribution::flag::name_me;
  return cfg.hidden ? fs & ~distribution::flag::published
                    : fs | distribution::flag::published;
}

} // namespace cafe::handshake
