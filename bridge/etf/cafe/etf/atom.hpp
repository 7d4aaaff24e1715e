#pragma once

#include "cafe/etf/errc.hpp"
#include "cafe/expected.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cafe::etf {

namespace detail {

struct atom_entry;

} // namespace detail

/// An interned Erlang atom. Like the BEAM, cafe keeps one process-wide,
/// append-only atom table: an atom is a pointer into it, so copies, equality
/// and hashing cost nothing, and an atom cache slot on a connection is just a
/// stored `atom`. The table is capped (see `atom::table_limit`) so a peer
/// cannot grow memory without bound by sending fresh atoms.
class atom {
public:
  /// Longest atom text in characters (code points), as in Erlang.
  static constexpr size_t max_chars = 255;

  /// Longest atom text in bytes: 255 code points of up to 4 bytes.
  static constexpr size_t max_bytes = 1020;

  /// The empty atom `''`.
  atom() noexcept;

  /// Interns `text` (UTF-8). For text known at compile time or produced by
  /// the program itself; throws `std::invalid_argument` when the text is not
  /// a valid atom. Peer data goes through `make` instead.
  explicit atom(std::string_view text);

  /// Interns `text` (UTF-8) without throwing.
  static expected<atom, errc> make(std::string_view text) noexcept;

  /// Interns Latin-1 `text` (the deprecated ATOM_EXT/SMALL_ATOM_EXT forms).
  static expected<atom, errc> make_latin1(std::string_view text) noexcept;

  /// Number of atoms interned so far.
  static size_t table_size() noexcept;

  /// Maximum number of atoms the table accepts (default 1,048,576, like
  /// the BEAM's default `+t`).
  static size_t table_limit() noexcept;
  static void table_limit(size_t n) noexcept;

  std::string_view text() const noexcept;

  size_t hash() const noexcept;

  bool empty() const noexcept {
    return text().empty();
  }

  friend bool operator==(atom x, atom y) noexcept {
    return x.entry_ == y.entry_;
  }

  /// Erlang orders atoms by their text.
  friend std::strong_ordering operator<=>(atom x, atom y) noexcept;

  /// Stable address of the table entry, e.g. as a key in per-connection maps.
  const void* id() const noexcept {
    return entry_;
  }

private:
  explicit atom(const detail::atom_entry* entry) noexcept : entry_(entry) {}

  const detail::atom_entry* entry_;
};

inline namespace literals {

/// `"ok"_atom` interns the atom `ok`.
inline atom operator""_atom(const char* str, size_t len) {
  return atom{std::string_view{str, len}};
}

} // namespace literals

} // namespace cafe::etf

template <>
struct std::hash<cafe::etf::atom> {
  size_t operator()(cafe::etf::atom x) const noexcept {
    return x.hash();
  }
};
