#include "random_term.hpp"

#include "cafe/etf/compare.hpp"
#include "cafe/etf/encoder.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

namespace cafe::test {

using namespace cafe::etf;

namespace {

constexpr size_t flatmap_limit = 32;

atom must_atom(const std::string& text) {
  auto result = atom::make(text);
  if (!result)
    throw std::runtime_error("atom::make rejected a valid Erlang atom ("
                             + std::to_string(text.size()) + " bytes)");
  return *result;
}

/// An integer from a sign and little-endian magnitude; `term` normalizes it
/// (int64_t when it fits).
term normalized_integer(bool negative, std::vector<uint8_t> mag) {
  return term{big_integer{negative, std::move(mag)}};
}

term power_of_two(unsigned exponent, bool negative, int64_t plus = 0) {
  // -+(2^exponent + plus), normalized, for small |plus|.
  std::vector<uint8_t> mag(exponent / 8 + 1, 0);
  mag[exponent / 8] = static_cast<uint8_t>(1u << (exponent % 8));
  if (plus < 0) {
    // Subtract with borrow.
    uint64_t borrow = static_cast<uint64_t>(-plus);
    for (auto& byte : mag) {
      auto cur = static_cast<int64_t>(byte)
                 - static_cast<int64_t>(borrow & 0xff);
      borrow >>= 8;
      if (cur < 0) {
        cur += 256;
        ++borrow;
      }
      byte = static_cast<uint8_t>(cur);
    }
  } else {
    uint64_t carry = static_cast<uint64_t>(plus);
    for (auto& byte : mag) {
      auto cur = byte + (carry & 0xff);
      carry >>= 8;
      byte = static_cast<uint8_t>(cur & 0xff);
      carry += cur >> 8;
    }
  }
  return normalized_integer(negative, std::move(mag));
}

template <class F>
void for_each_map(const term& x, F& f) {
  if (auto m = x.get_if<etf::map>()) {
    f(*m);
    for (auto& [k, v] : m->entries) {
      for_each_map(k, f);
      for_each_map(v, f);
    }
  } else if (auto xs = x.get_if<list>()) {
    for (auto& y : xs->elements)
      for_each_map(y, f);
    if (xs->tail)
      for_each_map(*xs->tail, f);
  } else if (auto t = x.get_if<tuple>()) {
    for (auto& y : t->elements)
      for_each_map(y, f);
  } else if (auto fn = x.get_if<fun>()) {
    for (auto& y : (*fn)->free_vars)
      for_each_map(y, f);
  }
}

bool contains_float(const term& x) {
  if (x.is<double>())
    return true;
  if (auto m = x.get_if<etf::map>())
    return std::any_of(m->entries.begin(), m->entries.end(), [](auto& kvp) {
      return contains_float(kvp.first) || contains_float(kvp.second);
    });
  if (auto xs = x.get_if<list>())
    return std::any_of(xs->elements.begin(), xs->elements.end(), contains_float)
           || (xs->tail && contains_float(*xs->tail));
  if (auto t = x.get_if<tuple>())
    return std::any_of(t->elements.begin(), t->elements.end(), contains_float);
  if (auto fn = x.get_if<fun>())
    return std::any_of((*fn)->free_vars.begin(), (*fn)->free_vars.end(),
                       contains_float);
  return false;
}

void sort_entries(etf::map& m) {
  std::sort(m.entries.begin(), m.entries.end(),
            [](const auto& x, const auto& y) {
              return compare(x.first, y.first) < 0;
            });
}

} // namespace

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool has_canonical_map_order(const term& x) {
  bool result = true;
  auto check = [&result](const etf::map& m) {
    if (m.size() > flatmap_limit)
      result = false;
    for (auto& [k, v] : m.entries)
      if (contains_float(k))
        result = false;
  };
  for_each_map(x, check);
  return result;
}

bool has_hash_map(const term& x) {
  bool result = false;
  auto check = [&result](const etf::map& m) {
    if (m.size() > flatmap_limit)
      result = true;
  };
  for_each_map(x, check);
  return result;
}

term with_sorted_maps(const term& x) {
  if (auto m = x.get_if<etf::map>()) {
    etf::map result;
    for (auto& [k, v] : m->entries)
      result.entries.emplace_back(with_sorted_maps(k), with_sorted_maps(v));
    sort_entries(result);
    return term{std::move(result)};
  }
  if (auto xs = x.get_if<list>()) {
    std::vector<term> elements;
    for (auto& y : xs->elements)
      elements.push_back(with_sorted_maps(y));
    if (xs->tail)
      return term{list{std::move(elements), with_sorted_maps(*xs->tail)}};
    return term{list{std::move(elements)}};
  }
  if (auto t = x.get_if<tuple>()) {
    std::vector<term> elements;
    for (auto& y : t->elements)
      elements.push_back(with_sorted_maps(y));
    return term{tuple{std::move(elements)}};
  }
  if (auto fn = x.get_if<fun>()) {
    auto data = std::make_shared<fun::data>(**fn);
    for (auto& y : data->free_vars)
      y = with_sorted_maps(y);
    fun result;
    result.ptr = std::move(data);
    return term{std::move(result)};
  }
  return x;
}

bool same_term(const term& x, const term& y) {
  return x == y
         && term_to_binary(with_sorted_maps(x))
              == term_to_binary(with_sorted_maps(y));
}

void positive_zeros(term& x) {
  if (auto d = x.get_if<double>()) {
    if (*d == 0.0)
      *d = 0.0;
  } else if (auto m = x.get_if<etf::map>()) {
    for (auto& [k, v] : m->entries) {
      positive_zeros(k);
      positive_zeros(v);
    }
  } else if (auto xs = x.get_if<list>()) {
    for (auto& y : xs->elements)
      positive_zeros(y);
    if (xs->tail) {
      auto tail = *xs->tail;
      positive_zeros(tail);
      xs->tail = std::make_shared<const term>(std::move(tail));
    }
  } else if (auto t = x.get_if<tuple>()) {
    for (auto& y : t->elements)
      positive_zeros(y);
  } else if (auto fn = x.get_if<fun>()) {
    auto data = std::make_shared<fun::data>(**fn);
    for (auto& y : data->free_vars)
      positive_zeros(y);
    fn->ptr = std::move(data);
  }
}

uint64_t random_term_generator::uniform(uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>{lo, hi}(rng_);
}

size_t random_term_generator::count(size_t max) {
  // Mostly small, sometimes up to max.
  return one_in(8) ? uniform(0, max) : uniform(0, 3);
}

std::string random_term_generator::bytes(size_t n) {
  std::string result(n, '\0');
  for (auto& c : result)
    c = static_cast<char>(uniform(0, 255));
  return result;
}

atom random_term_generator::random_atom() {
  static const char* pool[] = {
    "ok", "", "true", "false", "undefined", "hello world", "Elixir.Foo", "nil"};
  if (one_in(4))
    return must_atom(pool[uniform(0, std::size(pool) - 1)]);
  auto n = one_in(16) ? uniform(1, 255) : count(12);
  auto pick = [this]() -> uint32_t {
    switch (uniform(0, 8)) {
      case 0: return static_cast<uint32_t>(uniform(0xa0, 0xff));
      case 1: return static_cast<uint32_t>(uniform(0x3b1, 0x3c9));
      case 2: return static_cast<uint32_t>(uniform(0x4e00, 0x9fff));
      case 3: return static_cast<uint32_t>(uniform(0x1f600, 0x1f64f));
      case 4:
        // Anything but surrogates, including control characters.
        while (true) {
          auto cp = static_cast<uint32_t>(uniform(0, 0x10ffff));
          if (cp < 0xd800 || cp > 0xdfff)
            return cp;
        }
      case 5: {
        // What quoting must escape: quotes, backslashes, C0 and C1
        // controls, DEL.
        static constexpr uint32_t specials[] = {'\'', '"', '\\', 0x7f};
        switch (uniform(0, 2)) {
          case 0: return specials[uniform(0, std::size(specials) - 1)];
          case 1: return static_cast<uint32_t>(uniform(0, 0x1f));
          default: return static_cast<uint32_t>(uniform(0x80, 0x9f));
        }
      }
      default: return static_cast<uint32_t>(uniform(0x20, 0x7e));
    }
  };
  std::string text;
  if (one_in(4)) {
    // Long runs of one character reach the 255-character limit in
    // 1-, 2-, 3- and 4-byte forms.
    auto cp = pick();
    for (size_t i = 0; i < n; ++i)
      append_utf8(text, cp);
  } else {
    for (size_t i = 0; i < n; ++i)
      append_utf8(text, pick());
  }
  return must_atom(text);
}

uint32_t random_term_generator::text_char(bool printable) {
  static constexpr uint32_t specials[] = {'\'', '"', '\\'};
  static constexpr uint32_t letters[] = {'\n', '\r', '\t', '\v',
                                         '\b', '\f', 0x1b};
  for (;;) {
    switch (uniform(0, 9)) {
      case 0: return specials[uniform(0, std::size(specials) - 1)];
      case 1: return letters[uniform(0, std::size(letters) - 1)];
      case 2: return static_cast<uint32_t>(uniform(0xa0, 0xff));
      case 3:
        if (printable)
          continue;
        switch (uniform(0, 2)) {
          case 0: return static_cast<uint32_t>(uniform(0, 0x1f));
          case 1: return 0x7f;
          default: return static_cast<uint32_t>(uniform(0x80, 0x9f));
        }
      case 4: {
        if (printable)
          continue;
        auto cp = static_cast<uint32_t>(one_in(2) ? uniform(0x100, 0xffff)
                                                  : uniform(0x100, 0x10ffff));
        if (cp < 0xd800 || cp > 0xdfff)
          return cp;
        continue;
      }
      default: return static_cast<uint32_t>(uniform(0x20, 0x7e));
    }
  }
}

term random_term_generator::text() {
  bool printable = one_in(2);
  std::vector<uint32_t> chars(count(12) + (one_in(4) ? 0 : 1));
  for (auto& c : chars)
    c = text_char(printable);
  switch (uniform(0, 3)) {
    case 0: {
      std::string utf8;
      for (auto c : chars)
        append_utf8(utf8, c);
      return term{must_atom(utf8)};
    }
    case 1: {
      std::vector<term> xs;
      for (auto c : chars)
        xs.emplace_back(int64_t{c});
      return term{list{std::move(xs)}};
    }
    case 2: {
      std::string bytes;
      for (auto c : chars)
        bytes += static_cast<char>(c & 0xff);
      return term{binary{std::move(bytes)}};
    }
    default: {
      std::string utf8;
      for (auto c : chars)
        append_utf8(utf8, c);
      return term{binary{std::move(utf8)}};
    }
  }
}

atom random_term_generator::node_name() {
  static const char* pool[] = {"other@host", "n2@127.0.0.1", "\xce\xbb@host"};
  return must_atom(pool[uniform(0, std::size(pool) - 1)]);
}

term random_term_generator::integer() {
  switch (uniform(0, 5)) {
    case 0: return term{static_cast<int64_t>(uniform(0, 255))};
    case 1: {
      // Around the INTEGER_EXT limits.
      auto bound = int64_t{1} << 31;
      auto delta = static_cast<int64_t>(uniform(0, 4)) - 2;
      return term{one_in(2) ? bound + delta : -bound + delta};
    }
    case 2: {
      // Any width up to 64 bits.
      auto bits = uniform(1, 64);
      auto value = rng_() >> (64 - bits);
      return term{std::bit_cast<int64_t>(value)};
    }
    case 3: return term{-static_cast<int64_t>(uniform(1, 1u << 27))};
    case 4: {
      // Around +-2^63 and +-2^64, where int64_t ends.
      auto exponent = one_in(2) ? 63u : 64u;
      return power_of_two(exponent, one_in(2),
                          static_cast<int64_t>(uniform(0, 4)) - 2);
    }
    default: return big();
  }
}

term random_term_generator::big() {
  auto n = one_in(8) ? uniform(9, 300) : uniform(9, 24);
  auto mag = bytes(n);
  return normalized_integer(one_in(2),
                            std::vector<uint8_t>(mag.begin(), mag.end()));
}

term random_term_generator::floating() {
  switch (uniform(0, 3)) {
    case 0: {
      static const double specials[] = {0.0,
                                        -0.0,
                                        1.0,
                                        0.1,
                                        -1.5,
                                        5e-324,
                                        2.2250738585072014e-308,
                                        1.7976931348623157e308,
                                        -1.7976931348623157e308};
      return term{specials[uniform(0, std::size(specials) - 1)]};
    }
    case 1: return term{std::normal_distribution<double>{0, 1e6}(rng_)};
    default:
      while (true) {
        auto x = std::bit_cast<double>(rng_());
        if (std::isfinite(x))
          return term{x};
      }
  }
}

term random_term_generator::leaf() {
  switch (uniform(0, 15)) {
    case 0:
    case 1: return integer();
    case 2: return big();
    case 3: return floating();
    case 4:
    case 5: return term{random_atom()};
    case 6: return term{binary{bytes(count(40))}};
    case 7: {
      bitstring bits;
      bits.bytes = bytes(uniform(1, 10));
      bits.tail_bits = static_cast<uint8_t>(uniform(1, 7));
      // The unused low bits of the last byte are zero on the wire.
      bits.bytes.back()
        = static_cast<char>(static_cast<uint8_t>(bits.bytes.back())
                            & (0xff << (8 - bits.tail_bits)));
      return term{std::move(bits)};
    }
    case 8: return make_charlist(bytes(count(30)));
    case 9: return term{};
    case 10: {
      pid x;
      x.node = node_name();
      x.id = static_cast<uint32_t>(one_in(2) ? uniform(0, 32767) : rng_());
      x.serial = static_cast<uint32_t>(one_in(2) ? uniform(0, 8191) : rng_());
      x.creation = static_cast<uint32_t>(rng_());
      return term{x};
    }
    case 11: {
      port x;
      x.node = node_name();
      x.id = one_in(2) ? uniform(0, (1u << 28) - 1) : rng_();
      x.creation = static_cast<uint32_t>(rng_());
      return term{x};
    }
    case 12: {
      reference x;
      x.node = node_name();
      x.creation = static_cast<uint32_t>(rng_());
      x.size = static_cast<uint8_t>(uniform(1, reference::max_words));
      for (size_t i = 0; i < x.size; ++i)
        x.words[i] = static_cast<uint32_t>(rng_());
      return term{x};
    }
    case 13: {
      // A small pool of names: every new M:F/A takes a slot in the BEAM's
      // export table, which is small and never shrinks.
      static const char* names[] = {"lists", "map", "Elixir.Enum", "\xce\xbb",
                                    "\xc3\xa9"};
      export_fun x;
      x.module = must_atom(names[uniform(0, std::size(names) - 1)]);
      x.function = must_atom(names[uniform(0, std::size(names) - 1)]);
      x.arity = static_cast<uint8_t>(uniform(0, 255));
      return term{x};
    }
    case 14: {
      // Charlist of arbitrary code points (LIST_EXT, not STRING_EXT).
      std::vector<term> xs;
      for (size_t i = count(5); i > 0; --i)
        xs.emplace_back(static_cast<int64_t>(uniform(0, 0x10ffff)));
      return term{list{std::move(xs)}};
    }
    default: return integer();
  }
}

term random_term_generator::small_map(int depth, size_t n) {
  std::vector<std::pair<term, term>> entries;
  for (size_t attempts = 0; entries.size() < n && attempts < 4 * n + 4;
       ++attempts) {
    auto key = next(depth);
    positive_zeros(key);
    auto dup = std::any_of(entries.begin(), entries.end(),
                           [&](auto& kvp) { return kvp.first == key; });
    if (!dup)
      entries.emplace_back(std::move(key), next(depth));
  }
  etf::map m{std::move(entries)};
  sort_entries(m);
  return term{std::move(m)};
}

term random_term_generator::large_map() {
  auto n = uniform(flatmap_limit + 1, 80);
  std::vector<std::pair<term, term>> entries;
  while (entries.size() < n) {
    auto key = leaf();
    positive_zeros(key);
    auto dup = std::any_of(entries.begin(), entries.end(),
                           [&](auto& kvp) { return kvp.first == key; });
    if (!dup)
      entries.emplace_back(std::move(key), leaf());
  }
  return term{etf::map{std::move(entries)}};
}

term random_term_generator::function(int depth) {
  auto data = std::make_shared<fun::data>();
  data->arity = static_cast<uint8_t>(uniform(0, 5));
  // A fresh uniq per fun: the BEAM keeps one fun table entry per
  // (module, uniq, index) and would otherwise merge distinct funs.
  for (auto& b : data->uniq)
    b = static_cast<uint8_t>(uniform(0, 255));
  data->index = static_cast<uint32_t>(uniform(0, 1000));
  data->module = one_in(2) ? must_atom("cafe_fun_module") : random_atom();
  data->old_index = static_cast<int64_t>(uniform(0, 1000));
  data->old_uniq = static_cast<int64_t>(uniform(0, (1u << 27) - 1));
  pid creator;
  creator.node = node_name();
  creator.id = static_cast<uint32_t>(uniform(0, 32767));
  creator.serial = static_cast<uint32_t>(uniform(0, 8191));
  creator.creation = static_cast<uint32_t>(rng_());
  data->pid = creator;
  for (auto n = uniform(0, 3); n > 0; --n)
    data->free_vars.push_back(next(depth));
  fun x;
  x.ptr = std::move(data);
  return term{std::move(x)};
}

term random_term_generator::composite(int depth) {
  auto pick = uniform(1, 40);
  if (pick <= 14) {
    std::vector<term> xs;
    for (auto n = count(6); n > 0; --n)
      xs.push_back(next(depth));
    return term{list{std::move(xs)}};
  }
  if (pick <= 18) {
    std::vector<term> xs;
    for (auto n = count(5) + 1; n > 0; --n)
      xs.push_back(next(depth));
    auto tail = leaf();
    while (tail.is<list>())
      tail = leaf();
    return term{list{std::move(xs), std::move(tail)}};
  }
  if (pick <= 28) {
    std::vector<term> xs;
    for (auto n = count(6); n > 0; --n)
      xs.push_back(next(depth));
    return term{tuple{std::move(xs)}};
  }
  if (pick <= 34)
    return small_map(depth, one_in(16) ? flatmap_limit : count(6));
  if (pick <= 36)
    return large_map();
  if (pick <= 39)
    return function(depth);
  std::vector<term> xs;
  for (auto n = uniform(250, 260); n > 0; --n)
    xs.push_back(leaf());
  return term{tuple{std::move(xs)}};
}

term random_term_generator::next(int max_depth) {
  if (max_depth <= 0 || one_in(3))
    return leaf();
  return composite(max_depth - 1);
}

std::vector<term> edge_terms() {
  std::vector<term> result;
  auto add = [&](term x) { result.push_back(std::move(x)); };
  // Integers: SMALL_INTEGER, INTEGER, SMALL_BIG and LARGE_BIG limits.
  for (int64_t x :
       {int64_t{0}, int64_t{1}, int64_t{255}, int64_t{256}, int64_t{-1},
        int64_t{-255}, int64_t{-256}, int64_t{2147483647},
        int64_t{-2147483647} - 1, int64_t{2147483648}, int64_t{-2147483649},
        int64_t{1} << 32, std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::min() + 1})
    add(term{x});
  add(term::from_uint64(uint64_t{1} << 63));
  add(term::from_uint64(std::numeric_limits<uint64_t>::max()));
  add(power_of_two(63, true, 1)); // -2^63 - 1
  add(power_of_two(64, false)); // 2^64
  add(power_of_two(64, true)); // -2^64
  add(power_of_two(2040, false, -1)); // 255 bytes: largest SMALL_BIG
  add(power_of_two(2040, false)); // 256 bytes: smallest LARGE_BIG
  add(power_of_two(2040, true));
  add(power_of_two(2100, true));
  // Floats.
  for (double x : {0.0, -0.0, 1.0, -1.5, 0.1, 5e-324, 2.2250738585072014e-308,
                   1.7976931348623157e308, 1e300})
    add(term{x});
  // Atoms: empty, SMALL_ATOM_UTF8 up to 255 bytes, ATOM_UTF8 above.
  auto repeat = [](uint32_t cp, size_t n) {
    std::string text;
    for (size_t i = 0; i < n; ++i)
      append_utf8(text, cp);
    return term{must_atom(text)};
  };
  add(term{atom{}});
  add(repeat('a', 1));
  add(repeat('a', 255));
  add(repeat(0xe9, 127)); // 254 bytes
  add(repeat(0xe9, 128)); // 256 bytes
  add(repeat(0x4e2d, 85)); // 255 bytes
  add(repeat(0x4e2d, 86)); // 258 bytes
  add(repeat(0x1f600, 255)); // 1020 bytes, the maximum
  add(repeat(0, 3));
  add(term{true});
  add(term{false});
  // Binaries and bitstrings.
  add(term{binary{}});
  add(term{binary{std::string(1, '\xff')}});
  add(term{binary{std::string(300, 'x')}});
  add(term{binary{std::string(70000, '\0')}});
  for (uint8_t bits = 1; bits <= 7; ++bits) {
    bitstring x;
    x.bytes = std::string(2, '\0');
    x.bytes.back() = static_cast<char>(0x80);
    x.tail_bits = bits;
    add(term{std::move(x)});
  }
  // Lists: STRING_EXT up to 65535 bytes, LIST_EXT above and for non-bytes.
  add(term{});
  add(make_charlist("a"));
  add(make_charlist(std::string(65535, 'z')));
  add(make_charlist(std::string(65536, 'z')));
  add(make_list(256));
  add(make_list(-1));
  add(make_list(term{}));
  add(term{list{{term{1}}, term{2}}});
  add(term{list{{term{1}}, term{binary{"tail"}}}});
  add(term{list{{term{int64_t{97}}, term{int64_t{98}}}, term{atom{"c"}}}});
  // Tuples: SMALL_TUPLE up to 255 elements, LARGE_TUPLE above.
  add(term{tuple{}});
  add(term{tuple{std::vector<term>(255, term{1})}});
  add(term{tuple{std::vector<term>(256, term{1})}});
  // Maps: flatmap up to 32 keys, hash map above.
  add(make_map({}));
  for (size_t n : {size_t{32}, size_t{33}, size_t{100}}) {
    std::vector<std::pair<term, term>> entries;
    for (size_t i = 0; i < n; ++i)
      entries.emplace_back(term{static_cast<int64_t>(i)},
                           make_tuple(static_cast<int64_t>(i)));
    add(term{etf::map{std::move(entries)}});
  }
  // Identifiers of another node.
  auto node = must_atom("other@host");
  add(term{pid{node, 0, 0, 0}});
  add(term{pid{node, 32767, 8191, 1}});
  add(term{pid{node, 0xffffffff, 0xffffffff, 0xffffffff}});
  for (uint64_t id : {uint64_t{0}, (uint64_t{1} << 28) - 1, uint64_t{1} << 28,
                      uint64_t{0xffffffff}, uint64_t{1} << 32,
                      std::numeric_limits<uint64_t>::max()})
    add(term{port{node, id, 7}});
  for (uint8_t n = 1; n <= reference::max_words; ++n) {
    reference x;
    x.node = node;
    x.creation = 0x12345678;
    x.size = n;
    for (uint8_t i = 0; i < n; ++i)
      x.words[i] = 0xffffffffu - i;
    add(term{x});
  }
  // Local funs as small map keys: the BEAM orders them by module, index
  // (not old_index), old_uniq, free variables.
  auto local_fun = [&](uint32_t index, int64_t old_index, int64_t old_uniq) {
    auto data = std::make_shared<fun::data>();
    data->arity = 1;
    data->uniq.fill(static_cast<uint8_t>(index));
    data->index = index;
    data->module = must_atom("cafe_fun_module");
    data->old_index = old_index;
    data->old_uniq = old_uniq;
    data->pid = pid{node, 1, 0, 1};
    fun x;
    x.ptr = std::move(data);
    return term{std::move(x)};
  };
  add(make_map({{local_fun(1, 9, 5), term{1}}, {local_fun(2, 1, 5), term{2}}}));
  add(make_map({{local_fun(3, 1, 9), term{1}}, {local_fun(3, 2, 1), term{2}}}));
  // Export funs.
  add(term{export_fun{must_atom("lists"), must_atom("map"), 2}});
  add(term{export_fun{must_atom("erlang"), must_atom("self"), 0}});
  add(term{export_fun{must_atom("lists"), must_atom("map"), 255}});
  return result;
}

} // namespace cafe::test
