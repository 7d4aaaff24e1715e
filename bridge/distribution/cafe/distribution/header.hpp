#pragma once

#include "cafe/distribution/atom_cache.hpp"
#include "cafe/distribution/error.hpp"
#include "cafe/distribution/flags.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace cafe::distribution {

/// Bytes of the distribution layer in front of terms (erl_ext_dist).
namespace wire {

inline constexpr uint8_t version = 131;
inline constexpr uint8_t dist_header = 68;
inline constexpr uint8_t dist_frag_header = 69;
inline constexpr uint8_t dist_frag_cont = 70;
/// Leading byte of a message to a peer without DIST_HDR_ATOM_CACHE and
/// FRAGMENTS ('p'). OTP skips it on receipt without looking at it.
inline constexpr uint8_t pass_through = 112;
/// 131, 69/70, SequenceId (8), FragmentId (8).
inline constexpr size_t fragment_header_size = 18;

} // namespace wire

/// Whether the negotiated flags make both ends use distribution headers
/// (otherwise: pass-through messages).
constexpr bool uses_dist_header(flags_t fs) noexcept {
  return (fs & (flag::dist_hdr_atom_cache | flag::fragments)) != 0;
}

enum class header_kind : uint8_t {
  /// 112, then 131-prefixed terms.
  pass_through,
  /// 131, 68: a whole message.
  normal,
  /// 131, 69: the first fragment of a message (holds the control message).
  fragment_start,
  /// 131, 70: a later fragment.
  fragment_cont,
};

/// What precedes the terms of a frame.
struct header {
  header_kind kind = header_kind::normal;
  /// Fragments only: the sender's id for this message (OTP: the sending
  /// process). 0 in a start fragment means "not fragmented" to OTP.
  uint64_t sequence_id = 0;
  /// Fragments only: counts down to 1, the last fragment. A start fragment
  /// carries the total number of fragments.
  uint64_t fragment_id = 0;
  /// Bytes of the header; the first term (without 131 in header mode)
  /// starts here.
  size_t size = 0;
  /// Number of resolved atom cache refs (normal and start headers).
  size_t ref_count = 0;
};

/// Parses the front of a non-empty frame as OTP's `erts_prepare_dist_ext`
/// does for the negotiated `flags`, updating `cache` and filling `refs`.
/// In pass-through mode the result's `size` is 1 and the 131 of the first
/// term is left to the caller.
result<header> read_header(std::span<const uint8_t> frame, flags_t flags,
                           atom_cache& cache, atom_cache_refs& refs);

} // namespace cafe::distribution
