#pragma once

#include "cafe/etf/term.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace cafe::etf {

/// An allocator whose `resize` leaves new bytes uninitialized: the encoder
/// overwrites every byte, and zeroing a 64 KB binary first doubles the cost
/// of writing it.
template <class T>
struct default_init_allocator : std::allocator<T> {
  using std::allocator<T>::allocator;

  template <class U>
  struct rebind {
    using other = default_init_allocator<U>;
  };

  template <class U>
  void construct(U* ptr) noexcept {
    ::new (static_cast<void*>(ptr)) U;
  }

  template <class U, class... Ts>
  void construct(U* ptr, Ts&&... xs) {
    ::new (static_cast<void*>(ptr)) U(std::forward<Ts>(xs)...);
  }
};

/// A byte vector that grows without zero-filling.
using byte_buffer = std::vector<uint8_t, default_init_allocator<uint8_t>>;

/// Lets the distribution layer replace atoms by ATOM_CACHE_REF indexes.
/// The encoder asks once per atom occurrence, in the same order in the
/// sizing pass (`encoder::size`) and the writing pass (`encoder::write`), so
/// an implementation may assign indexes as it is asked during sizing and
/// repeat them while writing.
class atom_ref_lookup {
public:
  virtual ~atom_ref_lookup();

  /// The index (0..254) for `x` in the message's distribution header, or -1
  /// to write the atom in full.
  virtual int index_of(atom x) const noexcept = 0;
};

struct encode_options {
  const atom_ref_lookup* atom_refs = nullptr;
};

/// Writes terms the way OTP 25-27 `term_to_binary(T, [{minor_version, 2}])`
/// does (UTF-8 atoms, NEW_FLOAT, NEW_PID, NEWER_REFERENCE, STRING_EXT for
/// byte lists, the smallest integer form), so output compares byte-exactly
/// with the BEAM's.
///
/// Encoding is two passes: `size` computes the exact length, `write` fills a
/// caller-provided buffer of that length. A frame thus needs one allocation.
class encoder {
public:
  explicit encoder(encode_options opts = {}) : opts_(opts) {}

  /// Exact number of bytes `write` produces for `x` (without version byte).
  size_t size(const term& x) const noexcept;

  /// Writes `x` at `out`, which must have room for `size(x)` bytes, and
  /// returns the position past the last byte written.
  uint8_t* write(const term& x, uint8_t* out) const noexcept;

  /// Appends the encoding of `x` to `buf` (one resize).
  void append(const term& x, std::vector<uint8_t>& buf) const;

  /// Like the above, without zero-filling the new bytes first.
  void append(const term& x, byte_buffer& buf) const;

private:
  encode_options opts_;
};

/// `term_to_binary(X, [{minor_version, 2}])`: version byte plus the term.
std::vector<uint8_t> term_to_binary(const term& x);

/// Like `term_to_binary`, into a buffer that is not zero-filled first.
byte_buffer term_to_byte_buffer(const term& x);

} // namespace cafe::etf
