#pragma once

#include "cafe/distribution/atom_cache.hpp"
#include "cafe/etf/encoder.hpp"

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>

namespace cafe::distribution {

/// The outbound atom cache of one connection, and the ref table of the
/// message being encoded. Plugged into `etf::encoder` as its
/// `atom_ref_lookup`, it turns atoms into ATOM_CACHE_REFs.
///
/// Placement rule: atom `x` may only live in slot `slot_of(x)`, a
/// Fibonacci-hash of `x.hash()` (the hash of its text) into 0..2047. OTP
/// uses the atom's table index modulo 2039 instead; the receiver never
/// needs to know the rule, because a header says for each ref whether it
/// fills a slot (new entry, with the text) or reuses one. A slot keeps the
/// last atom written to it, so frequently sent atoms stay cached and cost
/// two bytes, and a colliding atom simply replaces it.
///
/// Per message, as in OTP's `erts_finalize_atom_cache_map`: at most 255
/// refs; the first atom claiming a slot gets it; atoms that collide with an
/// earlier atom of the same message, or come after the 255th, are written in
/// full.
///
/// Use, once per message: `begin()`; the encoder's sizing pass over the
/// control message and the payload (which collects the atoms); `seal()`;
/// `write_refs()` into the header; the encoder's write pass (which sees the
/// same atoms in the same order and gets the same answers). Only
/// `write_refs` changes the connection's cache, so a message that is sized
/// but never written leaves no trace.
class outgoing_atom_cache final : public etf::atom_ref_lookup {
public:
  outgoing_atom_cache() noexcept;

  /// The slot `x` may occupy.
  static size_t slot_of(etf::atom x) noexcept {
    // Multiplicative (Fibonacci) hashing keeps the top 11 bits, which mixes
    // every bit of the text hash into the slot number.
    return static_cast<size_t>(
      (static_cast<uint64_t>(x.hash()) * 0x9E3779B97F4A7C15ull) >> 53);
  }

  /// Forgets the previous message's refs and starts collecting.
  void begin() noexcept;

  /// During collection: assigns the next ref index to a new atom. After
  /// `seal`: only looks up. -1 means "write the atom in full".
  int index_of(etf::atom x) const noexcept override;

  /// Ends collection and decides, per ref, whether it is a new entry.
  void seal() noexcept;

  /// Number of refs in the header (0..255).
  size_t ref_count() const noexcept {
    return count_;
  }

  /// Bytes `write_refs` writes (NumberOfAtomCacheRefs, flags, refs).
  /// Precondition: `seal()` was called.
  size_t refs_size() const noexcept {
    return refs_size_;
  }

  /// Writes the atom-cache part of the header and stores the new entries
  /// in the connection's slots. Returns the position after the last byte.
  uint8_t* write_refs(uint8_t* out) noexcept;

  /// The atom the peer holds in `slot`, or nullptr.
  const void* slot_entry(size_t slot) const noexcept {
    return slot < atom_cache_size ? out_[slot] : nullptr;
  }

private:
  // Connection-wide: what the peer's inbound cache holds (atom ids).
  std::array<const void*, atom_cache_size> out_{};

  // Per message. Mutable because the encoder's lookup interface is const:
  // collection happens during the sizing pass, as in OTP.
  mutable std::array<int16_t, atom_cache_size> index_;
  mutable std::array<etf::atom, max_atom_cache_refs> atoms_;
  mutable std::array<uint16_t, max_atom_cache_refs> slots_{};
  mutable size_t count_ = 0;
  mutable bool collecting_ = false;
  std::bitset<max_atom_cache_refs> is_new_;
  bool long_atoms_ = false;
  size_t refs_size_ = 1;
};

} // namespace cafe::distribution
