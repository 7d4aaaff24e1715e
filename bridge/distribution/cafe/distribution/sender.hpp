#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/distribution/flags.hpp"
#include "cafe/distribution/fragmenter.hpp"
#include "cafe/distribution/outgoing_atom_cache.hpp"
#include "cafe/etf/term.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cafe::distribution {

struct sender_config {
  /// The flags both ends agreed on in the handshake.
  flags_t flags = 0;
  /// Most term bytes per fragment when FRAGMENTS was negotiated (OTP's
  /// ERTS_DIST_FRAGMENT_SIZE). Messages up to this size go out whole. The
  /// first fragment is larger if the control term alone is larger, since
  /// the peer needs it complete in the first fragment.
  size_t max_fragment_size = size_t{64} << 10;
  /// Use the outbound atom cache when DIST_HDR_ATOM_CACHE was negotiated;
  /// otherwise every header has 0 refs (always valid).
  bool use_atom_cache = true;
};

/// Turns control messages and payloads into frames for one connection, in
/// the format the negotiated flags call for: pass-through (112) without
/// DIST_HDR_ATOM_CACHE and FRAGMENTS, otherwise a distribution header
/// (131,68) with atom cache refs, or fragments (131,69/70) for messages
/// larger than `max_fragment_size`.
///
/// Frames are appended to a caller's buffer, encoded in place (one sizing
/// and one writing pass, no intermediate copies), so a connection can batch
/// many per socket write.
///
/// Ordering: writing a header updates the outbound atom cache, and later
/// messages may refer to what it cached. The bytes appended by `write` must
/// therefore reach the socket in the order of the `write` calls. Fragments
/// from the returned fragmenters may be sent at any later time.
class sender {
public:
  explicit sender(sender_config cfg);

  /// Appends `ctl` (+ `payload`, which must be present exactly when the
  /// operation has one) as one frame, or as its first fragment; the
  /// returned fragmenter produces the rest (it is done for single frames).
  result<fragmenter> write(const control_message& ctl, const etf::term* payload,
                           std::vector<uint8_t>& out);

  result<fragmenter> write(const control_message& ctl, const etf::term& payload,
                           std::vector<uint8_t>& out) {
    return write(ctl, &payload, out);
  }

  result<fragmenter> write(const control_message& ctl,
                           std::vector<uint8_t>& out) {
    return write(ctl, nullptr, out);
  }

  const sender_config& config() const noexcept {
    return cfg_;
  }

  const outgoing_atom_cache& cache() const noexcept {
    return cache_;
  }

private:
  sender_config cfg_;
  outgoing_atom_cache cache_;
  /// Never 0: OTP treats a start fragment with sequence id 0 as unfragmented.
  uint64_t next_sequence_ = 1;
};

} // namespace cafe::distribution
