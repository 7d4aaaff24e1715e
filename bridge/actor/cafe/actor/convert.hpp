#pragma once

// Typed conversion between C++ values and Erlang terms, at compile time.
// Each supported type has one fixed mapping (see README, "term <-> message
// mapping"); `from_term` checks shape and range and never throws.

#include "cafe/etf/term.hpp"

#include <caf/atom.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cafe::actor {

/// Specialize to map a struct to an Erlang map with atom keys:
///
///     template <> struct term_fields<point> {
///       static constexpr auto value = std::make_tuple(
///         std::pair{"x", &point::x}, std::pair{"y", &point::y});
///     };
///
/// An Elixir struct is such a map with `__struct__` naming its module; add
/// the name and the map carries it (and a map converts back only with it):
///
///     static constexpr const char* struct_name = "Elixir.MyApp.Point";
template <class T>
struct term_fields;

/// The CAF atom for `x`, if CAF can represent it (at most 10 characters of
/// CAF's atom alphabet); Erlang atoms are not limited like that.
std::optional<caf::atom_value> to_caf_atom(etf::atom x);

etf::atom to_erlang_atom(caf::atom_value x);

template <class T, class = void>
struct term_converter;

template <class T>
etf::term to_term(const T& x) {
  return term_converter<T>::to(x);
}

template <class T>
std::optional<T> from_term(const etf::term& x) {
  return term_converter<T>::from(x);
}

/// Whether `T` has a fixed term mapping.
template <class T, class = void>
struct has_term_mapping : std::false_type {};

template <class T>
struct has_term_mapping<
  T, std::void_t<decltype(term_converter<T>::to(std::declval<const T&>()))>>
  : std::true_type {};

// -- scalars ------------------------------------------------------------------

template <>
struct term_converter<etf::term> {
  static etf::term to(const etf::term& x) {
    return x;
  }
  static std::optional<etf::term> from(const etf::term& x) {
    return x;
  }
};

template <>
struct term_converter<bool> {
  static etf::term to(bool x) {
    return etf::term{x};
  }
  static std::optional<bool> from(const etf::term& x);
};

template <class T>
struct term_converter<
  T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static etf::term to(T x) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8)
      return etf::term::from_uint64(x);
    else
      return etf::term{x};
  }
  static std::optional<T> from(const etf::term& x) {
    if (auto i = x.get_if<int64_t>()) {
      if constexpr (std::is_unsigned_v<T>) {
        if (*i < 0 || static_cast<uint64_t>(*i) > std::numeric_limits<T>::max())
          return std::nullopt;
      } else {
        if (*i < std::numeric_limits<T>::min()
            || *i > std::numeric_limits<T>::max())
          return std::nullopt;
      }
      return static_cast<T>(*i);
    }
    // Every 64-bit unsigned type, as in `to` (unsigned long long too).
    if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8)
      return from_big(x);
    return std::nullopt;
  }
  static std::optional<T> from_big(const etf::term& x);
};

/// uint64_t values above INT64_MAX arrive as big integers.
std::optional<uint64_t> uint64_from_big(const etf::term& x);

template <class T>
std::optional<T> term_converter<
  T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>::
  from_big(const etf::term& x) {
  if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8)
    return uint64_from_big(x);
  else
    return std::nullopt;
}

template <class T>
struct term_converter<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static etf::term to(T x) {
    return etf::term{static_cast<double>(x)};
  }
  static std::optional<T> from(const etf::term& x) {
    // Erlang code passes 1 where a float is meant; accept integers too.
    if (auto d = x.get_if<double>()) {
      // Narrowing a double out of range is undefined: reject it.
      if constexpr (sizeof(T) < sizeof(double))
        if (*d < std::numeric_limits<T>::lowest()
            || *d > std::numeric_limits<T>::max())
          return std::nullopt;
      return static_cast<T>(*d);
    }
    if (auto i = x.get_if<int64_t>())
      return static_cast<T>(*i);
    return std::nullopt;
  }
};

/// Strings are binaries, as in Elixir; charlists (`"abc"` in Erlang) are
/// accepted on the way in.
template <>
struct term_converter<std::string> {
  static etf::term to(const std::string& x) {
    return etf::term{etf::binary{x}};
  }
  static std::optional<std::string> from(const etf::term& x);
};

template <>
struct term_converter<etf::atom> {
  static etf::term to(etf::atom x) {
    return etf::term{x};
  }
  static std::optional<etf::atom> from(const etf::term& x) {
    if (auto a = x.get_if<etf::atom>())
      return *a;
    return std::nullopt;
  }
};

template <>
struct term_converter<caf::atom_value> {
  static etf::term to(caf::atom_value x) {
    return etf::term{to_erlang_atom(x)};
  }
  static std::optional<caf::atom_value> from(const etf::term& x) {
    if (auto a = x.get_if<etf::atom>())
      return to_caf_atom(*a);
    return std::nullopt;
  }
};

template <caf::atom_value V>
struct term_converter<caf::atom_constant<V>> {
  static etf::term to(caf::atom_constant<V>) {
    return etf::term{to_erlang_atom(V)};
  }
  static std::optional<caf::atom_constant<V>> from(const etf::term& x) {
    auto a = term_converter<caf::atom_value>::from(x);
    if (a && *a == V)
      return caf::atom_constant<V>{};
    return std::nullopt;
  }
};

/// Plain Erlang values that are their own C++ types.
template <class T>
struct term_converter<
  T,
  std::enable_if_t<
    std::is_same_v<
      T,
      etf::
        pid> || std::is_same_v<T, etf::reference> || std::is_same_v<T, etf::port> || std::is_same_v<T, etf::binary> || std::is_same_v<T, etf::tuple> || std::is_same_v<T, etf::map> || std::is_same_v<T, etf::list>>> {
  static etf::term to(const T& x) {
    return etf::term{x};
  }
  static std::optional<T> from(const etf::term& x) {
    if (auto p = x.get_if<T>())
      return *p;
    if constexpr (std::is_same_v<T, etf::list>)
      if (x.is_nil())
        return etf::list{};
    return std::nullopt;
  }
};

// -- containers ---------------------------------------------------------------

/// `undefined` (or Elixir's `nil`) for none, else the value itself.
template <class T>
struct term_converter<std::optional<T>> {
  static etf::term to(const std::optional<T>& x) {
    return x ? to_term(*x) : etf::term{etf::atom{"undefined"}};
  }
  static std::optional<std::optional<T>> from(const etf::term& x) {
    if (auto a = x.get_if<etf::atom>();
        a && (a->text() == "undefined" || a->text() == "nil"))
      return std::optional<T>{};
    if (auto y = from_term<T>(x))
      return std::optional<T>{std::move(*y)};
    return std::nullopt;
  }
};

/// Proper lists.
template <class T, class A>
struct term_converter<std::vector<T, A>> {
  static etf::term to(const std::vector<T, A>& xs) {
    std::vector<etf::term> elements;
    elements.reserve(xs.size());
    for (const auto& x : xs) // a prvalue for std::vector<bool>
      elements.emplace_back(to_term(x));
    return etf::term{etf::list{std::move(elements)}};
  }
  static std::optional<std::vector<T, A>> from(const etf::term& x) {
    auto xs = x.get_if<etf::list>();
    if (xs == nullptr || !xs->proper())
      return std::nullopt;
    std::vector<T, A> result;
    result.reserve(xs->size());
    for (auto& e : xs->elements) {
      auto y = from_term<T>(e);
      if (!y)
        return std::nullopt;
      result.emplace_back(std::move(*y));
    }
    return result;
  }
};

template <class Map>
struct map_converter {
  using key_type = typename Map::key_type;
  using mapped_type = typename Map::mapped_type;
  static etf::term to(const Map& xs) {
    etf::map result;
    result.entries.reserve(xs.size());
    for (auto& [k, v] : xs)
      result.entries.emplace_back(to_term(k), to_term(v));
    return etf::term{std::move(result)};
  }
  static std::optional<Map> from(const etf::term& x) {
    auto m = x.get_if<etf::map>();
    if (m == nullptr)
      return std::nullopt;
    Map result;
    for (auto& [k, v] : m->entries) {
      auto key = from_term<key_type>(k);
      auto val = from_term<mapped_type>(v);
      if (!key || !val)
        return std::nullopt;
      result.emplace(std::move(*key), std::move(*val));
    }
    return result;
  }
};

template <class K, class V, class C, class A>
struct term_converter<std::map<K, V, C, A>>
  : map_converter<std::map<K, V, C, A>> {};

template <class K, class V, class H, class E, class A>
struct term_converter<std::unordered_map<K, V, H, E, A>>
  : map_converter<std::unordered_map<K, V, H, E, A>> {};

/// Tuples of the same arity.
template <class... Ts>
struct term_converter<std::tuple<Ts...>> {
  static etf::term to(const std::tuple<Ts...>& xs) {
    return std::apply(
      [](const auto&... ys) { return etf::make_tuple(to_term(ys)...); }, xs);
  }
  static std::optional<std::tuple<Ts...>> from(const etf::term& x) {
    auto t = x.get_if<etf::tuple>();
    if (t == nullptr || t->size() != sizeof...(Ts))
      return std::nullopt;
    return from_elements(*t, std::index_sequence_for<Ts...>{});
  }
  template <size_t... Is>
  static std::optional<std::tuple<Ts...>>
  from_elements(const etf::tuple& t, std::index_sequence<Is...>) {
    std::tuple<std::optional<Ts>...> parts{from_term<Ts>(t.elements[Is])...};
    if (!(std::get<Is>(parts) && ...))
      return std::nullopt;
    return std::tuple<Ts...>{std::move(*std::get<Is>(parts))...};
  }
};

template <class T, class U>
struct term_converter<std::pair<T, U>> {
  static etf::term to(const std::pair<T, U>& x) {
    return etf::make_tuple(to_term(x.first), to_term(x.second));
  }
  static std::optional<std::pair<T, U>> from(const etf::term& x) {
    auto y = from_term<std::tuple<T, U>>(x);
    if (!y)
      return std::nullopt;
    return std::pair<T, U>{std::move(std::get<0>(*y)),
                           std::move(std::get<1>(*y))};
  }
};

// -- structs as maps (term_fields) --------------------------------------------

template <class T, class = void>
struct has_term_fields : std::false_type {};

template <class T>
struct has_term_fields<T, std::void_t<decltype(term_fields<T>::value)>>
  : std::true_type {};

template <class T, class = void>
struct has_struct_name : std::false_type {};

template <class T>
struct has_struct_name<T, std::void_t<decltype(term_fields<T>::struct_name)>>
  : std::true_type {};

template <class T>
struct term_converter<T, std::enable_if_t<has_term_fields<T>::value>> {
  static etf::term to(const T& x) {
    etf::map result;
    if constexpr (has_struct_name<T>::value)
      result.entries.emplace_back(
        etf::term{etf::atom{"__struct__"}},
        etf::term{etf::atom{term_fields<T>::struct_name}});
    std::apply(
      [&](const auto&... fs) {
        (result.entries.emplace_back(etf::term{etf::atom{fs.first}},
                                     to_term(x.*(fs.second))),
         ...);
      },
      term_fields<T>::value);
    return etf::term{std::move(result)};
  }
  static std::optional<T> from(const etf::term& x) {
    auto m = x.get_if<etf::map>();
    if (m == nullptr)
      return std::nullopt;
    if constexpr (has_struct_name<T>::value) {
      auto name = m->find(etf::term{etf::atom{"__struct__"}});
      if (name == nullptr
          || !(*name == etf::term{etf::atom{term_fields<T>::struct_name}}))
        return std::nullopt;
    }
    T result{};
    bool ok = true;
    std::apply(
      [&](const auto&... fs) {
        auto one = [&](const auto& f) {
          using field = std::decay_t<decltype(result.*(f.second))>;
          auto v = m->find(etf::term{etf::atom{f.first}});
          std::optional<field> y;
          if (v != nullptr)
            y = from_term<field>(*v);
          if (!y) {
            ok = false;
            return;
          }
          result.*(f.second) = std::move(*y);
        };
        (one(fs), ...);
      },
      term_fields<T>::value);
    if (!ok)
      return std::nullopt;
    return result;
  }
};

// -- structs as records (CAF inspect) -----------------------------------------

namespace detail {

/// A CAF 0.17 inspector that turns `f(meta::type_name("point"), x, y)` into
/// the record `{point, X, Y}` (a plain tuple without a type name).
class record_writer {
public:
  using result_type = void;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (add(std::forward<Ts>(xs)), ...);
  }

  etf::term result() && {
    return etf::term{etf::tuple{std::move(elements_)}};
  }

private:
  template <class T>
  void add(T&& x) {
    using value_type = std::decay_t<T>;
    if constexpr (std::is_same_v<value_type, caf::meta::type_name_t>) {
      elements_.insert(elements_.begin(), etf::term{etf::atom{x.value}});
    } else if constexpr (caf::meta::is_annotation<value_type>::value) {
      // save/load callbacks, hex formatting, ...: not part of the term
    } else {
      elements_.emplace_back(to_term(x));
    }
  }

  std::vector<etf::term> elements_;
};

/// The loading side of `record_writer`: assigns fields from a record.
class record_reader {
public:
  using result_type = void;
  static constexpr bool reads_state = false;
  static constexpr bool writes_state = true;

  explicit record_reader(const etf::tuple& t) : tuple_(t) {}

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (read(xs), ...);
    if (next_ != tuple_.size())
      ok_ = false;
  }

  bool ok() const noexcept {
    return ok_;
  }

private:
  template <class T>
  void read(T& x) {
    using value_type = std::decay_t<T>;
    if constexpr (std::is_same_v<value_type, caf::meta::type_name_t>) {
      auto tag = next_ < tuple_.size() ? tuple_[next_].get_if<etf::atom>()
                                       : nullptr;
      if (tag == nullptr || tag->text() != x.value)
        ok_ = false;
      ++next_;
    } else if constexpr (caf::meta::is_annotation<value_type>::value) {
      // not part of the term
    } else {
      if (!ok_ || next_ >= tuple_.size()) {
        ok_ = false;
        return;
      }
      auto y = from_term<value_type>(tuple_[next_++]);
      if (!y) {
        ok_ = false;
        return;
      }
      x = std::move(*y);
    }
  }

  const etf::tuple& tuple_;
  size_t next_ = 0;
  bool ok_ = true;
};

template <class T, class = void>
struct is_record : std::false_type {};

template <class T>
struct is_record<T, std::void_t<decltype(inspect(std::declval<record_writer&>(),
                                                 std::declval<T&>()))>>
  : std::bool_constant<!std::is_arithmetic_v<T>> {};

} // namespace detail

template <class T>
struct term_converter<T, std::enable_if_t<detail::is_record<T>::value
                                          && !has_term_fields<T>::value>> {
  static etf::term to(const T& x) {
    detail::record_writer f;
    inspect(f, const_cast<T&>(x)); // the writer only reads
    return std::move(f).result();
  }
  static std::optional<T> from(const etf::term& x) {
    auto t = x.get_if<etf::tuple>();
    if (t == nullptr)
      return std::nullopt;
    T result{};
    detail::record_reader f{*t};
    inspect(f, result);
    if (!f.ok())
      return std::nullopt;
    return result;
  }
};

} // namespace cafe::actor
