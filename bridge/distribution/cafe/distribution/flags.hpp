#pragma once

#include <cstdint>

namespace cafe::distribution {

/// Distribution capability flags (64 bits), exchanged in the handshake and
/// ANDed to give the flags a connection uses. Values from OTP's dist.h.
using flags_t = uint64_t;

namespace flag {

inline constexpr flags_t published = 0x1;
inline constexpr flags_t atom_cache = 0x2; // obsolete, never set
inline constexpr flags_t extended_references = 0x4;
inline constexpr flags_t dist_monitor = 0x8;
inline constexpr flags_t fun_tags = 0x10;
inline constexpr flags_t dist_monitor_name = 0x20;
inline constexpr flags_t hidden_atom_cache = 0x40; // obsolete, never set
inline constexpr flags_t new_fun_tags = 0x80;
inline constexpr flags_t extended_pids_ports = 0x100;
inline constexpr flags_t export_ptr_tag = 0x200;
inline constexpr flags_t bit_binaries = 0x400;
inline constexpr flags_t new_floats = 0x800;
inline constexpr flags_t unicode_io = 0x1000;
inline constexpr flags_t dist_hdr_atom_cache = 0x2000;
inline constexpr flags_t small_atom_tags = 0x4000;
inline constexpr flags_t utf8_atoms = 0x10000;
inline constexpr flags_t map_tag = 0x20000;
inline constexpr flags_t big_creation = 0x40000;
inline constexpr flags_t send_sender = 0x80000;
inline constexpr flags_t big_seqtrace_labels = 0x100000;
inline constexpr flags_t exit_payload = 0x400000;
inline constexpr flags_t fragments = 0x800000;
inline constexpr flags_t handshake_23 = 0x1000000;
inline constexpr flags_t unlink_id = 0x2000000;
/// Bit 26 in every code copy of OTP (the protocol document's "1 bsl 36" is
/// wrong): stands for the whole OTP 25 mandatory set.
inline constexpr flags_t mandatory_25_digest = 0x4000000;
inline constexpr flags_t spawn = flags_t{1} << 32;
inline constexpr flags_t name_me = flags_t{1} << 33;
inline constexpr flags_t v4_nc = flags_t{1} << 34;
inline constexpr flags_t alias = flags_t{1} << 35;

/// What an OTP 25 peer refuses to connect without (DFLAG_DIST_MANDATORY_25).
inline constexpr flags_t mandatory_25 = extended_references | fun_tags
                                        | extended_pids_ports | utf8_atoms
                                        | new_fun_tags | big_creation
                                        | new_floats | map_tag | export_ptr_tag
                                        | bit_binaries | handshake_23;

/// What OTP 26 and 27 add to the mandatory set.
inline constexpr flags_t mandatory_26 = mandatory_25 | v4_nc | unlink_id;

/// What cafe requires of a peer: the OTP 25 mandatory set. UNLINK_ID and
/// V4_NC are always offered but an OTP 25 peer may lack UNLINK_ID's use, so
/// they are not demanded.
inline constexpr flags_t cafe_required = mandatory_25;

/// What cafe offers. `published` is added unless the node runs hidden.
inline constexpr flags_t cafe_default
  = mandatory_26 | mandatory_25_digest | dist_monitor | dist_monitor_name
    | spawn | alias | exit_payload | send_sender | unicode_io
    | dist_hdr_atom_cache | fragments | big_seqtrace_labels;

} // namespace flag

/// Applies OTP's rule that bit 26 stands for the whole OTP 25 mandatory set.
constexpr flags_t expand_mandatory_25(flags_t fs) noexcept {
  return (fs & flag::mandatory_25_digest) != 0 ? fs | flag::mandatory_25 : fs;
}

/// The flags missing from `peer` that `required` asks for.
constexpr flags_t missing_flags(flags_t peer, flags_t required) noexcept {
  return required & ~expand_mandatory_25(peer);
}

} // namespace cafe::distribution
