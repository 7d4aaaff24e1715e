#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/big_integer.hpp"
#include "cafe/etf/bits.hpp"
#include "cafe/etf/identifiers.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace cafe::etf {

class term;

// The containers below hold the still-incomplete `term`. Their members that
// touch a `std::vector<term>` are defined after `term`: clang instantiates
// the (constexpr since C++20) vector members a body names right away, which
// needs `term` complete.

/// `{E1, ..., En}`.
struct tuple {
  std::vector<term> elements;

  tuple() = default;
  explicit tuple(std::vector<term> xs);

  size_t size() const noexcept;

  const term& operator[](size_t i) const;

  friend bool operator==(const tuple& x, const tuple& y);
};

/// `[E1, ..., En | Tail]`. A proper list has no tail (the tail is `[]`);
/// the empty proper list is Erlang's `[]` (NIL). An improper list keeps its
/// tail, which is never a list itself once normalized.
struct list {
  std::vector<term> elements;
  std::shared_ptr<const term> tail;

  list() = default;
  explicit list(std::vector<term> xs);
  list(std::vector<term> xs, term tail);

  bool proper() const noexcept {
    return tail == nullptr;
  }

  bool empty() const noexcept;

  size_t size() const noexcept;

  const term& operator[](size_t i) const;

  friend bool operator==(const list& x, const list& y);
};

/// `#{K1 => V1, ...}`: entries in the order they were built or received.
/// Equality ignores the order; the encoder writes entries as stored, which
/// keeps decoded maps byte-exact on re-encode.
struct map {
  std::vector<std::pair<term, term>> entries;

  map() = default;
  explicit map(std::vector<std::pair<term, term>> xs);

  size_t size() const noexcept;

  /// Linear lookup by exact key equality; nullptr when absent.
  const term* find(const term& key) const;

  friend bool operator==(const map& x, const map& y);
};

/// `fun M:F/A` (EXPORT_EXT).
struct export_fun {
  atom module;
  atom function;
  uint8_t arity = 0;

  friend bool operator==(const export_fun&, const export_fun&) = default;
};

/// A local fun (NEW_FUN_EXT). cafe cannot run it, but keeps every field so
/// it can pass it on or send it back byte-exactly.
struct fun {
  struct data {
    uint8_t arity = 0;
    std::array<uint8_t, 16> uniq{};
    uint32_t index = 0;
    atom module;
    int64_t old_index = 0;
    int64_t old_uniq = 0;
    etf::pid pid;
    std::vector<term> free_vars;

    friend bool operator==(const data&, const data&);
  };

  std::shared_ptr<const data> ptr;

  const data& operator*() const {
    return *ptr;
  }

  const data* operator->() const {
    return ptr.get();
  }

  friend bool operator==(const fun& x, const fun& y) {
    return x.ptr == y.ptr || (x.ptr && y.ptr && *x.ptr == *y.ptr);
  }
};

/// Discriminates the alternatives of a `term`, in Erlang's term order of
/// types where that applies (numbers < atom < reference < fun < port < pid
/// < tuple < map < list < bitstring).
enum class kind : uint8_t {
  integer,
  big_integer,
  floating,
  atom,
  reference,
  fun,
  export_fun,
  port,
  pid,
  tuple,
  map,
  list,
  binary,
  bitstring,
};

/// Any Erlang term, as an owning value. A default-constructed term is `[]`.
///
/// Integers that fit `int64_t` are `int64_t`; larger ones `big_integer`.
/// Strings (STRING_EXT) decode to lists of integers, exactly what they are
/// in Erlang; the encoder writes such lists back as STRING_EXT.
class term {
public:
  using variant_type
    = std::variant<list, int64_t, etf::big_integer, double, etf::atom,
                   etf::reference, etf::fun, etf::export_fun, etf::port,
                   etf::pid, etf::tuple, etf::map, etf::binary, etf::bitstring>;

  term() = default;

  template <class T, class = std::enable_if_t<
                       std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  term(T value) : value_(static_cast<int64_t>(value)) {
    static_assert(sizeof(T) < 8 || std::is_signed_v<T>,
                  "use term::from_uint64 for 64-bit unsigned values");
  }

  /// `true` and `false` are atoms in Erlang.
  term(bool value);

  term(double value) : value_(value) {}

  term(etf::big_integer value);

  template <
    class T,
    class = std::enable_if_t<std::is_constructible_v<variant_type, T&&>>,
    class = std::enable_if_t<!std::is_arithmetic_v<std::decay_t<T>>>>
  term(T&& value) : value_(std::forward<T>(value)) {}

  /// Any unsigned 64-bit value (a `big_integer` above INT64_MAX).
  static term from_uint64(uint64_t value);

  etf::kind kind() const noexcept;

  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(value_);
  }

  bool is_nil() const noexcept {
    auto xs = std::get_if<list>(&value_);
    return xs != nullptr && xs->empty();
  }

  bool is_integer() const noexcept {
    return is<int64_t>() || is<etf::big_integer>();
  }

  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&value_);
  }

  template <class T>
  T* get_if() noexcept {
    return std::get_if<T>(&value_);
  }

  /// Precondition: `is<T>()`.
  template <class T>
  const T& get() const {
    return *std::get_if<T>(&value_);
  }

  const variant_type& value() const noexcept {
    return value_;
  }

  variant_type& value() noexcept {
    return value_;
  }

  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), value_);
  }

  /// Exact equality (`=:=`): `1` and `1.0` differ.
  friend bool operator==(const term& x, const term& y);

private:
  variant_type value_;
};

// -- members of tuple, list and map that need a complete term ----------------

inline tuple::tuple(std::vector<term> xs) : elements(std::move(xs)) {
  // nop
}

inline size_t tuple::size() const noexcept {
  return elements.size();
}

inline const term& tuple::operator[](size_t i) const {
  return elements[i];
}

inline bool operator==(const tuple& x, const tuple& y) {
  return x.elements == y.elements;
}

inline list::list(std::vector<term> xs) : elements(std::move(xs)) {
  // nop
}

inline bool list::empty() const noexcept {
  return elements.empty() && proper();
}

inline size_t list::size() const noexcept {
  return elements.size();
}

inline const term& list::operator[](size_t i) const {
  return elements[i];
}

inline map::map(std::vector<std::pair<term, term>> xs)
  : entries(std::move(xs)) {
  // nop
}

inline size_t map::size() const noexcept {
  return entries.size();
}

/// Builds `{Xs...}`: `make_tuple("chat"_atom, "bob"_bin, 42)`.
template <class... Ts>
term make_tuple(Ts&&... xs) {
  std::vector<term> elements;
  elements.reserve(sizeof...(Ts));
  (elements.emplace_back(std::forward<Ts>(xs)), ...);
  return term{tuple{std::move(elements)}};
}

/// Builds the proper list `[Xs...]`.
template <class... Ts>
term make_list(Ts&&... xs) {
  std::vector<term> elements;
  elements.reserve(sizeof...(Ts));
  (elements.emplace_back(std::forward<Ts>(xs)), ...);
  return term{list{std::move(elements)}};
}

/// Builds `#{K => V, ...}` from pairs.
term make_map(std::initializer_list<std::pair<term, term>> entries);

/// The charlist `"text"` (a list of byte values, like Erlang's `"text"`).
term make_charlist(std::string_view text);

} // namespace cafe::etf
