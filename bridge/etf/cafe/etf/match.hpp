#pragma once

#include "cafe/etf/term.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace cafe::etf {

/// The wildcard in `match` patterns.
struct wildcard {};

inline constexpr wildcard _{};

/// Converts a term to a plain C++ value where the Erlang value has an obvious
/// counterpart: integers (range-checked), doubles, atoms, `std::string` from
/// a binary or a charlist, `bool` from `true`/`false`, the identifier types,
/// and `term` itself. Returns false and leaves `out` alone otherwise.
bool get_as(const term& x, int64_t& out);
bool get_as(const term& x, double& out);
bool get_as(const term& x, bool& out);
bool get_as(const term& x, std::string& out);
bool get_as(const term& x, atom& out);
bool get_as(const term& x, binary& out);
bool get_as(const term& x, pid& out);
bool get_as(const term& x, reference& out);
bool get_as(const term& x, term& out);

template <class T>
std::enable_if_t<
  std::is_integral_v<
    T> && !std::is_same_v<T, bool> && !std::is_same_v<T, int64_t>,
  bool>
get_as(const term& x, T& out) {
  int64_t value = 0;
  if (!get_as(x, value))
    return false;
  if constexpr (std::is_unsigned_v<T>) {
    if (value < 0 || static_cast<uint64_t>(value) > uint64_t{T(~T{0})})
      return false;
  } else {
    if (value < int64_t{std::numeric_limits<T>::min()}
        || value > int64_t{std::numeric_limits<T>::max()})
      return false;
  }
  out = static_cast<T>(value);
  return true;
}

/// A list of convertible elements (a proper list only).
template <class T>
bool get_as(const term& x, std::vector<T>& out) {
  auto xs = x.get_if<list>();
  if (xs == nullptr || !xs->proper())
    return false;
  std::vector<T> result(xs->size());
  for (size_t i = 0; i < xs->size(); ++i)
    if (!get_as(xs->elements[i], result[i]))
      return false;
  out = std::move(result);
  return true;
}

namespace detail {

template <class Pattern>
bool match_one(const term& x, Pattern&& p) {
  using P = std::decay_t<Pattern>;
  if constexpr (std::is_same_v<P, wildcard>) {
    return true;
  } else if constexpr (std::is_pointer_v<P>) {
    // A pointer captures (with conversion) into what it points to.
    return get_as(x, *p);
  } else if constexpr (std::is_convertible_v<const P&, term>) {
    return x == term{p};
  } else {
    static_assert(std::is_same_v<P, void>,
                  "a pattern is a value, a pointer to capture into, or _");
  }
}

} // namespace detail

/// Matches `x` against the tuple pattern `{ps...}`: values compare exactly,
/// `_` matches anything, and a pointer captures the element (converted to
/// its type). Captures are written only as matching proceeds, so after a
/// failed match some may hold values from a partial match.
///
///     std::string user, text;
///     if (match(msg, "chat"_atom, &user, &text)) ...   // {chat, User, Text}
template <class... Patterns>
bool match(const term& x, Patterns&&... ps) {
  auto xs = x.get_if<tuple>();
  if (xs == nullptr || xs->size() != sizeof...(Patterns))
    return false;
  size_t i = 0;
  return (detail::match_one(xs->elements[i++], std::forward<Patterns>(ps))
          && ...);
}

} // namespace cafe::etf
