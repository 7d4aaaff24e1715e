#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/distribution/fragmenter.hpp"
#include "cafe/distribution/sender.hpp"
#include "cafe/etf/term.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace cafe::connection {

/// What one connection still has to write, before the socket sees it:
/// handshake messages, then distribution frames encoded in place (one
/// `distribution::sender` per connection, so the atom cache stays in write
/// order), batched so that one socket write carries everything queued
/// meanwhile, with the fragments of large messages interleaved one per batch.
/// The signals between two processes stay in order: a message never overtakes
/// the rest of an earlier fragmented message from the same sender.
///
/// Sans-I/O and not thread-safe: the connection guards it with its lock,
/// takes batches for the socket and reports them written.
class output_queue {
public:
  /// Appends raw bytes (a handshake message).
  void append(std::span<const uint8_t> bytes);

  /// Appends a tick (an empty frame).
  void append_tick();

  /// The handshake is done: frames are encoded with `cfg` from now on.
  void start_distribution(distribution::sender_config cfg);

  /// Whether `start_distribution` was called.
  bool distributing() const noexcept {
    return sender_.has_value();
  }

  /// Encodes and queues one message. `from` is the local process sending
  /// it, if the operation names one: the rest of its earlier fragmented
  /// message goes first. Other senders' fragments stay interleaved.
  /// Precondition: `distributing()`.
  distribution::result<void> push(const distribution::control_message& ctl,
                                  const etf::term* payload,
                                  const std::optional<etf::pid>& from);

  /// Bytes queued, in flight or still to be cut into fragments: what the
  /// busy limit is measured against.
  size_t size() const noexcept;

  /// Whether a large message is still being sent in fragments.
  bool has_fragments() const noexcept {
    return !fragments_.empty();
  }

  /// The bytes ready to go now, for a direct write while no batch is in
  /// flight; `consume` drops what the socket took.
  std::span<const uint8_t> ready() const noexcept {
    return pending_;
  }

  void consume(size_t n);

  /// Moves the next fragment of every large message behind what is ready,
  /// then everything ready into the batch, and returns it (empty when
  /// nothing waits). The batch stays valid until `written`.
  std::span<const uint8_t> next_batch();

  /// The batch from `next_batch` reached the socket.
  void written();

  /// Drops everything (the connection closed).
  void clear();

private:
  /// The rest of a fragmented message, and who sent it.
  struct fragmented_message {
    distribution::fragmenter frags;
    std::optional<etf::pid> from;
  };

  std::optional<distribution::sender> sender_;
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> batch_;
  std::deque<fragmented_message> fragments_;
};

/// The local process a control message comes from, if it names one.
std::optional<etf::pid> sender_of(const distribution::control_message& ctl);

} // namespace cafe::connection
