#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cafe::distribution {

/// The fragments of one large outgoing message that are still to be sent,
/// produced one frame at a time, so that the connection can slip other
/// messages (and other fragmenters' frames) in between: one big message
/// does not block small ones. OTP accepts any interleaving of sequences as
/// long as each sequence's own fragments stay in order, which a fragmenter
/// guarantees.
///
/// A default-constructed fragmenter is done: what `sender::write` returns
/// for a message that fit into one frame.
class fragmenter {
public:
  fragmenter() = default;

  /// `data` holds the encoded message, of which `[0, pos)` went out with the
  /// start fragment; `fragments` more follow, `chunk` bytes each except the
  /// last.
  fragmenter(uint64_t sequence_id, uint64_t fragments,
             std::vector<uint8_t> data, size_t pos, size_t chunk) noexcept;

  fragmenter(fragmenter&&) noexcept = default;
  fragmenter& operator=(fragmenter&&) noexcept = default;

  /// Whether every fragment was produced.
  bool done() const noexcept {
    return next_id_ == 0;
  }

  /// Fragments still to produce.
  uint64_t remaining() const noexcept {
    return next_id_;
  }

  uint64_t sequence_id() const noexcept {
    return seq_;
  }

  /// Size of the next frame including its 4-byte length, so a write batch
  /// can be budgeted. 0 when done.
  size_t next_frame_size() const noexcept;

  /// Appends the next fragment as one frame ([len][131,70,Seq,Id][data]).
  /// Precondition: `!done()`.
  void next(std::vector<uint8_t>& out);

private:
  std::vector<uint8_t> data_;
  size_t pos_ = 0;
  size_t chunk_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_id_ = 0;
};

} // namespace cafe::distribution
