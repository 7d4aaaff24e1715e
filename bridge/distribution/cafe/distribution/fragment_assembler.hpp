#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/etf/atom.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cafe::distribution {

/// Caps on what a peer can make a connection buffer for fragmented messages.
struct reassembly_limits {
  /// Payload bytes buffered over all unfinished sequences.
  size_t max_bytes = size_t{128} << 20;
  /// Unfinished sequences at once. OTP has one per sending process, so a
  /// peer with many concurrent large senders needs more.
  size_t max_sequences = 256;
};

/// One fragmented message being put back together.
struct pending_message {
  uint64_t sequence_id = 0;
  /// The FragmentId the next fragment must carry.
  uint64_t next_fragment = 0;
  /// Decoded from the first fragment, which holds the whole control term.
  control_message control;
  /// The first fragment's atom cache refs, resolved when it arrived: later
  /// headers may reuse the slots before this message completes.
  std::vector<etf::atom> refs;
  /// Payload bytes so far.
  std::vector<uint8_t> data;
};

/// Reassembles fragmented messages (131,69 / 131,70) per sequence id, with
/// OTP's ordering rules: fragments of one sequence arrive in order, FragmentId
/// counting down by one to 1; sequences interleave freely. Every violation
/// is an error, as it kills the connection in OTP.
class fragment_assembler {
public:
  explicit fragment_assembler(reassembly_limits limits = {}) : limits_(limits) {
    // nop
  }

  /// Opens sequence `seq` from a start fragment announcing `fragments` > 1
  /// in total, with the rest of its data after the control term.
  result<void> start(uint64_t seq, uint64_t fragments, control_message ctl,
                     std::span<const etf::atom> refs,
                     std::span<const uint8_t> data);

  /// Adds a continuation fragment. Returns the completed message when this
  /// was fragment 1, nullptr while more are due. A completed message stays
  /// valid until the next call to `start`, `add` or `release`.
  result<pending_message*> add(uint64_t seq, uint64_t fragment_id,
                               std::span<const uint8_t> data);

  /// Drops a completed message, keeping its buffer for reuse.
  void release(pending_message* msg);

  /// Payload bytes currently buffered.
  size_t buffered_bytes() const noexcept {
    return bytes_;
  }

  /// Unfinished sequences.
  size_t pending() const noexcept {
    return pending_.size();
  }

private:
  pending_message* find(uint64_t seq) noexcept;

  reassembly_limits limits_;
  std::vector<pending_message> pending_;
  size_t bytes_ = 0;
  /// Emptied data buffers of finished messages, so that a stream of large
  /// messages does not allocate for every one.
  std::vector<std::vector<uint8_t>> spare_;
};

} // namespace cafe::distribution
