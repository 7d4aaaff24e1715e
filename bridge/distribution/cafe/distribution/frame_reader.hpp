#pragma once

#include "cafe/distribution/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cafe::distribution {

/// What `frame_reader::next` found.
enum class frame_kind : uint8_t {
  /// No complete frame buffered: read more bytes.
  incomplete,
  /// A frame of length 0: the peer's keep-alive.
  tick,
  /// A frame with `bytes` as its payload.
  data,
};

struct frame {
  frame_kind kind = frame_kind::incomplete;
  /// The payload after the 4-byte length; valid until the next call to
  /// `prepare`, `feed` or `next`.
  std::span<const uint8_t> bytes;
};

/// Splits the byte stream after the handshake into frames: a 4-byte
/// big-endian length, then that many bytes.
///
/// The socket reads straight into the reader's buffer: `prepare(n)` hands
/// out room for at least n bytes, `commit(k)` makes k of them visible. Then
/// `next()` until it says `incomplete`. Frames are returned in place, no
/// copy. The buffer grows to hold the largest frame seen (bounded by
/// `max_frame_size`) and shrinks again when it drains.
class frame_reader {
public:
  /// Default cap on one frame's payload.
  static constexpr size_t default_max_frame_size = size_t{128} << 20;

  explicit frame_reader(size_t max_frame_size = default_max_frame_size);

  /// Room for at least `n` more bytes. Invalidates frames returned so far.
  std::span<uint8_t> prepare(size_t n);

  /// Marks `n` bytes of the last `prepare` as filled.
  void commit(size_t n) noexcept;

  /// Copies `chunk` in (`prepare` + `commit`), for callers that already
  /// hold the bytes elsewhere.
  void feed(std::span<const uint8_t> chunk);

  /// The next complete frame. A length above `max_frame_size` is an error
  /// (`frame_too_large`) as soon as its 4 bytes are in, before any of the
  /// frame is buffered.
  result<frame> next();

  /// Bytes received but not yet returned as frames.
  size_t buffered() const noexcept {
    return end_ - begin_;
  }

  size_t max_frame_size() const noexcept {
    return max_frame_size_;
  }

private:
  size_t max_frame_size_;
  std::vector<uint8_t> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

} // namespace cafe::distribution
