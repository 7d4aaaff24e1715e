#pragma once

#include "cafe/distribution/error.hpp"
#include "cafe/etf/atom.hpp"

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <span>

namespace cafe::distribution {

/// Slots in one direction of a connection's atom cache: 8 segments of 256
/// (ERTS_ATOM_CACHE_SIZE).
inline constexpr size_t atom_cache_size = 2048;

/// Most AtomCacheRefs one distribution header may carry (N is one byte, and
/// OTP caps it at 255: ERTS_MAX_INTERNAL_ATOM_CACHE_ENTRIES).
inline constexpr size_t max_atom_cache_refs = 255;

/// The atoms a header's refs resolved to, in index order: what
/// `etf::decode_options::atom_cache_refs` wants for ATOM_CACHE_REF.
using atom_cache_refs = std::array<etf::atom, max_atom_cache_refs>;

/// The inbound atom cache of one connection: the peer fills slots with the
/// new-entry refs of its distribution headers, later headers name them by
/// slot. Slots persist for the life of the connection.
class atom_cache {
public:
  /// Parses the atom-cache part of a distribution header at the front of
  /// `in` (NumberOfAtomCacheRefs, the flag nibbles, the refs), applies new
  /// entries in the order they appear, and stores the resolved atoms in
  /// `refs[0..count)`. Returns the number of bytes consumed.
  ///
  /// Errors as in OTP's `erts_prepare_dist_ext`: truncated input, a ref to
  /// an empty slot (`bad_header`), an invalid atom text (`bad_atom`). Entries
  /// before the failing one stay applied; the connection is dead anyway.
  result<size_t> read_refs(std::span<const uint8_t> in, atom_cache_refs& refs,
                           size_t& count);

  /// The atom in `slot`, or nullptr if the peer never filled it.
  const etf::atom* find(size_t slot) const noexcept {
    return slot < atom_cache_size && used_.test(slot) ? &slots_[slot] : nullptr;
  }

  /// Number of filled slots.
  size_t size() const noexcept {
    return used_.count();
  }

private:
  std::array<etf::atom, atom_cache_size> slots_;
  std::bitset<atom_cache_size> used_;
};

} // namespace cafe::distribution
