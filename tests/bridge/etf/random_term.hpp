#pragma once

#include "cafe/etf/term.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cafe::test {

/// Seeded generator of random terms of every kind the BEAM can decode, with
/// a bias to encoding boundaries (SMALL/INTEGER/big integers, small/large
/// tuples, atoms, ports, flat/hash maps). Identifiers always name another
/// node, never the `erl` peer itself. Small maps (up to 32 keys) come out
/// in Erlang term order of their keys, the order in which the BEAM writes
/// them.
class random_term_generator {
public:
  explicit random_term_generator(uint64_t seed) : rng_(seed) {}

  /// A term nested at most `max_depth` levels.
  etf::term next(int max_depth = 4);

  etf::term leaf();

  etf::atom random_atom();

  /// Text that printing has to quote and escape: an atom, a charlist or a
  /// binary (one byte per character, or UTF-8), made mostly of
  /// `text_char()`; half of it printable, so that it prints as text.
  etf::term text();

  /// A character biased to what io_lib escapes: quotes, backslashes, C0
  /// and C1 controls, DEL, the escape letters, Latin-1 and beyond.
  uint32_t text_char(bool printable = false);

  /// Uniform in [lo, hi].
  uint64_t uniform(uint64_t lo, uint64_t hi);

  bool one_in(uint64_t n) {
    return uniform(1, n) == 1;
  }

  std::mt19937_64& engine() noexcept {
    return rng_;
  }

private:
  etf::term composite(int depth);
  etf::term integer();
  etf::term big();
  etf::term floating();
  etf::term small_map(int depth, size_t n);
  etf::term large_map();
  etf::term function(int depth);
  etf::atom node_name();
  size_t count(size_t max);
  std::string bytes(size_t n);

  std::mt19937_64 rng_;
};

/// Deterministic terms at each encoding boundary the BEAM distinguishes.
std::vector<etf::term> edge_terms();

/// UTF-8 encoding of one code point.
void append_utf8(std::string& out, uint32_t code_point);

/// Whether the BEAM's encoding of `x` has a canonical order we reproduce:
/// false when a map has more than 32 keys (hash order) or a map key holds a
/// float (map key order puts all integers before all floats, which differs
/// from the term order used to sort small maps).
bool has_canonical_map_order(const etf::term& x);

/// Whether `x` holds a map of more than 32 keys, at any depth. The BEAM
/// stores such a map as a HAMT and writes it in the order of its internal
/// hash of the keys, which for atoms depends on the VM's atom table: the
/// same OTP build writes another order on another machine. Compare those
/// as terms (`same_term`), never byte for byte against golden bytes.
bool has_hash_map(const etf::term& x);

/// `x` with the entries of every map (at any depth, fun environments
/// included) in `compare` order of their keys.
etf::term with_sorted_maps(const etf::term& x);

/// Whether `x` and `y` are the same term: maps compared by content whatever
/// their order, and floats bit for bit, so -0.0 differs from 0.0 (which
/// `==` does not tell apart).
bool same_term(const etf::term& x, const etf::term& y);

/// Replaces -0.0 by 0.0 throughout `x`. OTP 25 has `0.0 =:= -0.0`, so the
/// two are one map key there: keys must not differ only in zero signs.
void positive_zeros(etf::term& x);

} // namespace cafe::test
