#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/errc.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace cafe::etf {

/// Caps that keep a hostile peer from making the decoder recurse or allocate
/// without bound. Every length on the wire is also checked against the bytes
/// that remain, so no allocation exceeds what the input could fill.
struct decode_limits {
  /// Deepest nesting of tuples, lists, maps and funs.
  size_t max_depth = 512;
  /// Most terms (of any kind) in one decoded value.
  size_t max_terms = size_t{1} << 24;
  /// Largest uncompressed size a compressed term may announce.
  size_t max_inflated_size = size_t{1} << 27;
};

struct decode_options {
  decode_limits limits;
  /// Entries for ATOM_CACHE_REF indexes, as resolved from the distribution
  /// header of the message being decoded. Empty outside distribution.
  std::span<const atom> atom_cache_refs;
};

/// Why decoding stopped, and where (byte offset into the input).
struct decode_error {
  errc code;
  size_t offset = 0;

  friend bool operator==(const decode_error&, const decode_error&) = default;
};

std::string to_string(const decode_error& err);

template <class T>
using decode_result = expected<T, decode_error>;

/// Decodes one term in front of `bytes` (no version byte, as inside a
/// distribution message) and stores the number of bytes it used in
/// `consumed`.
decode_result<term> decode(std::span<const uint8_t> bytes, size_t& consumed,
                           const decode_options& opts = {});

/// Decodes the output of `term_to_binary`: the version byte 131, then one
/// term, possibly compressed (tag 80). Trailing bytes are an error.
decode_result<term> binary_to_term(std::span<const uint8_t> bytes,
                                   const decode_options& opts = {});

} // namespace cafe::etf
