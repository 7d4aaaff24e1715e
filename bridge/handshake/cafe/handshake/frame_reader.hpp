#pragma once

#include "cafe/expected.hpp"
#include "cafe/handshake/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace cafe::handshake {

/// Splits the byte stream of a handshake into 2-byte-length frames, however
/// the reads cut or merge them, and returns whatever follows the last frame
/// the handshake consumed (distribution frames may share its last read).
class frame_reader {
public:
  void append(std::span<const uint8_t> bytes);

  /// The payload of the next complete frame, valid until the next call to
  /// `append` or `take_rest`; `std::nullopt` if more bytes are needed;
  /// `bad_frame` for a zero-length frame.
  expected<std::optional<std::span<const uint8_t>>, errc> next();

  /// Hands over the unconsumed bytes and empties the reader.
  std::vector<uint8_t> take_rest();

  size_t buffered() const noexcept {
    return buf_.size() - pos_;
  }

private:
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
};

} // namespace cafe::handshake
