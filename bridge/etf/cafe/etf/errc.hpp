#pragma once

#include <cstdint>
#include <string_view>

namespace cafe::etf {

/// Why a term could not be decoded (or an atom not be made).
enum class errc : uint8_t {
  /// The input ended inside a term.
  truncated = 1,
  /// The first byte of a standalone term is not 131.
  bad_version,
  /// A tag byte that OTP 25-27 never writes (or `FUN_EXT`, removed in 23).
  unknown_tag,
  /// `LOCAL_EXT` (121): a node-local format that must not cross the wire.
  local_ext,
  /// Atom text is not valid UTF-8, too long, or contains an invalid code.
  bad_atom,
  /// The process-wide atom table reached its limit.
  atom_table_full,
  /// An `ATOM_CACHE_REF` index with no entry in the caller's table.
  bad_atom_cache_ref,
  /// A float that is not finite, or an old `FLOAT_EXT` string that does
  /// not parse.
  bad_float,
  /// Reserved: the BEAM reads any non-zero bignum sign byte as negative,
  /// and so does cafe.
  bad_bignum,
  /// `BIT_BINARY_EXT` with a bit count outside 1..8 (or not 0 for an
  /// empty one).
  bad_bit_count,
  /// A reference with more than 5 id words, or a pid whose first byte is
  /// not a pid tag. (A node field that is no atom is `bad_atom`.)
  bad_identifier,
  /// A fun whose fields do not have the required types or sizes.
  bad_fun,
  /// A map with the same key twice (the BEAM rejects those too).
  duplicate_key,
  /// Nesting deeper than the configured limit.
  too_deep,
  /// More terms, or a larger inflated size, than the configured limits.
  too_large,
  /// A compressed term that zlib rejects or whose size differs from the
  /// announced one.
  bad_compression,
  /// Bytes left over after a complete standalone term.
  trailing_bytes,
};

std::string_view to_string(errc code) noexcept;

} // namespace cafe::etf
