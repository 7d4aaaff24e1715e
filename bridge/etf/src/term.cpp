#include "cafe/etf/term.hpp"

#include "cafe/etf/compare.hpp"

#include <algorithm>

namespace cafe::etf {

list::list(std::vector<term> xs, term tail) : elements(std::move(xs)) {
  // Keep one representation per value: [a | [b | T]] is [a, b | T] and
  // [a | []] is [a].
  if (auto nested = tail.get_if<list>()) {
    elements.insert(elements.end(), nested->elements.begin(),
                    nested->elements.end());
    this->tail = nested->tail;
  } else {
    this->tail = std::make_shared<const term>(std::move(tail));
  }
}

bool operator==(const list& x, const list& y) {
  if (x.elements != y.elements)
    return false;
  if (x.tail == y.tail)
    return true;
  return x.tail && y.tail && *x.tail == *y.tail;
}

const term* map::find(const term& key) const {
  for (auto& [k, v] : entries)
    if (k == key)
      return &v;
  return nullptr;
}

bool operator==(const map& x, const map& y) {
  if (x.entries.size() != y.entries.size())
    return false;
  if (x.entries.size() <= 8) {
    for (auto& [k, v] : x.entries) {
      auto other = y.find(k);
      if (other == nullptr || !(*other == v))
        return false;
    }
    return true;
  }
  // Larger maps: compare in key order (map keys are unique).
  using entry = const std::pair<term, term>*;
  auto sorted = [](const map& m) {
    std::vector<entry> xs;
    xs.reserve(m.entries.size());
    for (auto& e : m.entries)
      xs.push_back(&e);
    std::sort(xs.begin(), xs.end(), [](entry a, entry b) {
      return compare_keys(a->first, b->first) < 0;
    });
    return xs;
  };
  auto xs = sorted(x);
  auto ys = sorted(y);
  for (size_t i = 0; i < xs.size(); ++i)
    if (!(xs[i]->first == ys[i]->first) || !(xs[i]->second == ys[i]->second))
      return false;
  return true;
}

bool operator==(const fun::data& x, const fun::data& y) {
  return x.arity == y.arity && x.uniq == y.uniq && x.index == y.index
         && x.module == y.module && x.old_index == y.old_index
         && x.old_uniq == y.old_uniq && x.pid == y.pid
         && x.free_vars == y.free_vars;
}

term::term(bool value) : value_(atom{value ? "true" : "false"}) {
  // nop
}

term::term(etf::big_integer value) {
  if (auto small = big_integer::fits_int64(
        value.negative, value.magnitude.data(), value.magnitude.size())) {
    value_ = *small;
    return;
  }
  while (!value.magnitude.empty() && value.magnitude.back() == 0)
    value.magnitude.pop_back();
  value_ = std::move(value);
}

term term::from_uint64(uint64_t value) {
  if (value <= static_cast<uint64_t>(INT64_MAX))
    return term{static_cast<int64_t>(value)};
  etf::big_integer big;
  for (; value != 0; value >>= 8)
    big.magnitude.push_back(static_cast<uint8_t>(value & 0xFF));
  return term{std::move(big)};
}

kind term::kind() const noexcept {
  return std::visit(
    [](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, int64_t>)
        return kind::integer;
      else if constexpr (std::is_same_v<T, etf::big_integer>)
        return kind::big_integer;
      else if constexpr (std::is_same_v<T, double>)
        return kind::floating;
      else if constexpr (std::is_same_v<T, etf::atom>)
        return kind::atom;
      else if constexpr (std::is_same_v<T, etf::reference>)
        return kind::reference;
      else if constexpr (std::is_same_v<T, etf::fun>)
        return kind::fun;
      else if constexpr (std::is_same_v<T, etf::export_fun>)
        return kind::export_fun;
      else if constexpr (std::is_same_v<T, etf::port>)
        return kind::port;
      else if constexpr (std::is_same_v<T, etf::pid>)
        return kind::pid;
      else if constexpr (std::is_same_v<T, etf::tuple>)
        return kind::tuple;
      else if constexpr (std::is_same_v<T, etf::map>)
        return kind::map;
      else if constexpr (std::is_same_v<T, etf::list>)
        return kind::list;
      else if constexpr (std::is_same_v<T, etf::binary>)
        return kind::binary;
      else
        return kind::bitstring;
    },
    value_);
}

bool operator==(const term& x, const term& y) {
  return x.value_ == y.value_;
}

term make_map(std::initializer_list<std::pair<term, term>> entries) {
  map result{std::vector<std::pair<term, term>>{entries}};
  sort_keys(result);
  return term{std::move(result)};
}

term make_charlist(std::string_view text) {
  std::vector<term> elements;
  elements.reserve(text.size());
  for (unsigned char c : text)
    elements.emplace_back(int64_t{c});
  return term{list{std::move(elements)}};
}

} // namespace cafe::etf
