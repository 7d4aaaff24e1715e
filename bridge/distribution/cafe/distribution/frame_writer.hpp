#pragma once

#include "cafe/byte_order.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cafe::distribution {

/// Bytes of the length prefix of every frame after the handshake.
inline constexpr size_t frame_length_size = 4;

/// Largest payload the length prefix can describe.
inline constexpr size_t max_frame_payload = 0xFFFFFFFFu;

/// Writes a frame length (big-endian) at `out`.
inline void write_frame_length(uint8_t* out, uint32_t len) noexcept {
  ::cafe::wire::put_u32(out, len);
}

/// Appends a tick (a frame of length 0) to a batch of outgoing bytes.
inline void append_tick(std::vector<uint8_t>& out) {
  out.insert(out.end(), frame_length_size, uint8_t{0});
}

/// Appends `[len][payload]` to a batch of outgoing bytes. Precondition:
/// `payload.size() <= max_frame_payload`.
void append_frame(std::vector<uint8_t>& out, std::span<const uint8_t> payload);

/// Grows `out` by a frame of `len` payload bytes and returns where the
/// payload goes, so that encoders write in place (the sender's path).
/// Precondition: `len <= max_frame_payload`.
uint8_t* append_frame(std::vector<uint8_t>& out, size_t len);

} // namespace cafe::distribution
