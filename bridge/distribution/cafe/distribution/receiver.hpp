#pragma once

#include "cafe/distribution/atom_cache.hpp"
#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/distribution/flags.hpp"
#include "cafe/distribution/fragment_assembler.hpp"
#include "cafe/etf/atom.hpp"
#include "cafe/etf/decoder.hpp"
#include "cafe/etf/term.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace cafe::distribution {

struct receiver_config {
  /// The flags both ends agreed on in the handshake.
  flags_t flags = 0;
  /// Caps on buffered fragments.
  reassembly_limits reassembly;
  /// Caps for decoding each control term and payload.
  etf::decode_limits term_limits;
  /// Which obsolete operations to accept.
  control_policy policy;
  /// When set, also apply OTP's node checks (`check_nodes`) with these
  /// names: the peer's and our own.
  std::optional<etf::atom> peer_node;
  std::optional<etf::atom> local_node;
};

/// One complete message from the peer.
struct message {
  control_message control;
  /// Present exactly when `has_payload(control)`.
  std::optional<etf::term> payload;
};

/// What a frame amounted to.
enum class receive_event : uint8_t {
  /// An empty frame: nothing to do (the connection's read timer restarts).
  tick,
  /// A fragment of a message that is not complete yet.
  fragment,
  /// A complete message, now in the caller's `message`.
  message,
};

/// Turns the frames of one connection into messages: distribution header
/// and atom cache (or pass-through), fragment reassembly, control term
/// validation, payload decoding. Every error is fatal to the connection, as
/// in OTP; the receiver's state is undefined after one.
class receiver {
public:
  explicit receiver(receiver_config cfg);

  /// Processes one frame payload (what follows the 4-byte length; empty
  /// for a tick). On `receive_event::message`, `out` holds the message;
  /// otherwise `out` is left alone.
  result<receive_event> receive(std::span<const uint8_t> frame, message& out);

  const receiver_config& config() const noexcept {
    return cfg_;
  }

  const atom_cache& cache() const noexcept {
    return cache_;
  }

  const fragment_assembler& assembler() const noexcept {
    return assembler_;
  }

private:
  /// Decodes the control term at the front of `data`; stores the bytes used.
  result<control_message> decode_control(std::span<const uint8_t> data,
                                         std::span<const etf::atom> refs,
                                         size_t& consumed);

  /// Decodes the payload filling all of `data` (or checks that `data` is
  /// empty if the operation has none) and completes `out`.
  result<void> finish(control_message ctl, std::span<const uint8_t> data,
                      std::span<const etf::atom> refs, bool versioned,
                      message& out);

  result<receive_event> receive_pass_through(std::span<const uint8_t> frame,
                                             message& out);

  receiver_config cfg_;
  atom_cache cache_;
  atom_cache_refs refs_;
  fragment_assembler assembler_;
};

} // namespace cafe::distribution
