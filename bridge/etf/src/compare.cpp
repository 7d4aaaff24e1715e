#include "cafe/etf/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cafe::etf {

namespace {

using ord = std::strong_ordering;

int rank(const term& x) {
  switch (x.kind()) {
    case kind::integer:
    case kind::big_integer:
    case kind::floating: return 0;
    case kind::atom: return 1;
    case kind::reference: return 2;
    case kind::fun:
    case kind::export_fun: return 3;
    case kind::port: return 4;
    case kind::pid: return 5;
    case kind::tuple: return 6;
    case kind::map: return 7;
    case kind::list: return x.is_nil() ? 8 : 9;
    default: return 10; // binary, bitstring
  }
}

/// Exact value of a float whose magnitude is at least 2^63 (hence integral).
big_integer big_from_double(double f) {
  big_integer result;
  result.negative = f < 0;
  int exp = 0;
  double frac = std::frexp(std::fabs(f), &exp); // |f| = frac * 2^exp
  auto mantissa = static_cast<uint64_t>(std::ldexp(frac, 53));
  int shift = exp - 53; // >= 11 here
  result.magnitude.assign(static_cast<size_t>(shift / 8) + 9, 0);
  // Place mantissa << shift into the little-endian byte array.
  for (int bit = 0; bit < 53; ++bit)
    if ((mantissa >> bit) & 1) {
      int pos = bit + shift;
      result.magnitude[static_cast<size_t>(pos / 8)]
        |= static_cast<uint8_t>(1u << (pos % 8));
    }
  while (!result.magnitude.empty() && result.magnitude.back() == 0)
    result.magnitude.pop_back();
  return result;
}

ord compare_int_float(int64_t i, double f) {
  auto li = static_cast<long double>(i);
  auto lf = static_cast<long double>(f);
  if (li < lf)
    return ord::less;
  if (li > lf)
    return ord::greater;
  return ord::equal;
}

ord compare_big_float(const big_integer& b, double f) {
  // A big integer is beyond int64; a float below 2^63 in magnitude is
  // therefore closer to zero than it.
  if (std::fabs(f) < 0x1p63)
    return b.negative ? ord::less : ord::greater;
  return compare(b, big_from_double(f));
}

ord flip(ord x) {
  return 0 <=> x;
}

ord compare_numbers(const term& x, const term& y, bool exact) {
  auto xi = x.get_if<int64_t>();
  auto yi = y.get_if<int64_t>();
  auto xb = x.get_if<big_integer>();
  auto yb = y.get_if<big_integer>();
  auto xf = x.get_if<double>();
  auto yf = y.get_if<double>();
  if (exact && (xf == nullptr) != (yf == nullptr))
    return xf == nullptr ? ord::less : ord::greater;
  if (xi && yi)
    return *xi <=> *yi;
  if (xf && yf) {
    if (*xf < *yf)
      return ord::less;
    return *xf > *yf ? ord::greater : ord::equal;
  }
  if (xb && yb)
    return compare(*xb, *yb);
  if (xi && yb)
    return yb->negative ? ord::greater : ord::less;
  if (xb && yi)
    return xb->negative ? ord::less : ord::greater;
  // One float, one integer: by value, the integer first on a tie.
  ord res = ord::equal;
  if (xf)
    res = flip(yi ? compare_int_float(*yi, *xf) : compare_big_float(*yb, *xf));
  else
    res = xi ? compare_int_float(*xi, *yf) : compare_big_float(*xb, *yf);
  if (res != 0)
    return res;
  return xf ? ord::greater : ord::less;
}

/// Compares bit sequences: lexicographically, a prefix first.
ord compare_bits(std::string_view xs, size_t xbits, std::string_view ys,
                 size_t ybits) {
  size_t common = std::min(xbits, ybits);
  size_t full = common / 8;
  if (full > 0) {
    auto res = std::memcmp(xs.data(), ys.data(), full);
    if (res != 0)
      return res <=> 0;
  }
  if (size_t rest = common % 8; rest != 0) {
    auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
    auto a = static_cast<uint8_t>(xs[full]) & mask;
    auto b = static_cast<uint8_t>(ys[full]) & mask;
    if (a != b)
      return a <=> b;
  }
  return xbits <=> ybits;
}

ord compare_words(const reference& x, const reference& y) {
  // References compare as numbers made of their words (least significant
  // first on the wire): high zero words do not count.
  size_t xn = x.size;
  size_t yn = y.size;
  while (xn > 0 && x.words[xn - 1] == 0)
    --xn;
  while (yn > 0 && y.words[yn - 1] == 0)
    --yn;
  if (xn != yn)
    return xn <=> yn;
  for (size_t i = xn; i > 0; --i)
    if (x.words[i - 1] != y.words[i - 1])
      return x.words[i - 1] <=> y.words[i - 1];
  return ord::equal;
}

ord compare_impl(const term& x, const term& y, bool exact);

ord compare_seq(const std::vector<term>& xs, const std::vector<term>& ys,
                bool exact) {
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i)
    if (auto res = compare_impl(xs[i], ys[i], exact); res != 0)
      return res;
  return ord::equal;
}

ord compare_lists(const list& x, const list& y, bool exact) {
  size_t n = std::min(x.elements.size(), y.elements.size());
  for (size_t i = 0; i < n; ++i)
    if (auto res = compare_impl(x.elements[i], y.elements[i], exact); res != 0)
      return res;
  static const term nil;
  const term& xt = x.tail ? *x.tail : nil;
  const term& yt = y.tail ? *y.tail : nil;
  bool xmore = x.elements.size() > n;
  bool ymore = y.elements.size() > n;
  if (!xmore && !ymore)
    return compare_impl(xt, yt, exact);
  // One side still has cons cells, the other is at its tail, which is not a
  // list (or is []): compare the tail's type against a non-empty list.
  if (xmore)
    return flip(rank(yt) <=> 9);
  return rank(xt) <=> 9;
}

ord compare_maps(const map& x, const map& y, bool exact) {
  if (x.size() != y.size())
    return x.size() <=> y.size();
  using entry = const std::pair<term, term>*;
  auto sorted = [](const map& m) {
    std::vector<entry> xs;
    xs.reserve(m.size());
    for (auto& e : m.entries)
      xs.push_back(&e);
    std::sort(xs.begin(), xs.end(), [](entry a, entry b) {
      return compare_impl(a->first, b->first, true) < 0;
    });
    return xs;
  };
  auto xs = sorted(x);
  auto ys = sorted(y);
  for (size_t i = 0; i < xs.size(); ++i)
    if (auto res = compare_impl(xs[i]->first, ys[i]->first, true); res != 0)
      return res;
  for (size_t i = 0; i < xs.size(); ++i)
    if (auto res = compare_impl(xs[i]->second, ys[i]->second, exact); res != 0)
      return res;
  return ord::equal;
}

ord compare_funs(const term& x, const term& y, bool exact) {
  auto xe = x.get_if<export_fun>();
  auto ye = y.get_if<export_fun>();
  if ((xe == nullptr) != (ye == nullptr))
    return xe == nullptr ? ord::less : ord::greater; // local funs first
  if (xe) {
    if (auto res = xe->module <=> ye->module; res != 0)
      return res;
    if (auto res = xe->function <=> ye->function; res != 0)
      return res;
    return xe->arity <=> ye->arity;
  }
  // OTP 25 orders local funs by module, index, old_uniq, then the free
  // variables; old_index and the MD5 uniq take no part.
  auto& a = *x.get<fun>();
  auto& b = *y.get<fun>();
  if (auto res = a.module <=> b.module; res != 0)
    return res;
  if (auto res = a.index <=> b.index; res != 0)
    return res;
  if (auto res = a.old_uniq <=> b.old_uniq; res != 0)
    return res;
  if (auto res = a.free_vars.size() <=> b.free_vars.size(); res != 0)
    return res;
  return compare_seq(a.free_vars, b.free_vars, exact);
}

ord compare_impl(const term& x, const term& y, bool exact) {
  auto rx = rank(x);
  auto ry = rank(y);
  if (rx != ry)
    return rx <=> ry;
  switch (rx) {
    case 0: return compare_numbers(x, y, exact);
    case 1: return x.get<atom>() <=> y.get<atom>();
    case 2: {
      auto& a = x.get<reference>();
      auto& b = y.get<reference>();
      if (auto res = a.node <=> b.node; res != 0)
        return res;
      if (auto res = a.creation <=> b.creation; res != 0)
        return res;
      return compare_words(a, b);
    }
    case 3: return compare_funs(x, y, exact);
    case 4: {
      auto& a = x.get<port>();
      auto& b = y.get<port>();
      if (auto res = a.node <=> b.node; res != 0)
        return res;
      if (auto res = a.creation <=> b.creation; res != 0)
        return res;
      return a.id <=> b.id;
    }
    case 5: {
      // Observed on OTP 25: serial, number, then node and creation.
      auto& a = x.get<pid>();
      auto& b = y.get<pid>();
      if (auto res = a.serial <=> b.serial; res != 0)
        return res;
      if (auto res = a.id <=> b.id; res != 0)
        return res;
      if (auto res = a.node <=> b.node; res != 0)
        return res;
      return a.creation <=> b.creation;
    }
    case 6: {
      auto& a = x.get<tuple>().elements;
      auto& b = y.get<tuple>().elements;
      if (a.size() != b.size())
        return a.size() <=> b.size();
      return compare_seq(a, b, exact);
    }
    case 7: return compare_maps(x.get<map>(), y.get<map>(), exact);
    case 8: return ord::equal;
    case 9: return compare_lists(x.get<list>(), y.get<list>(), exact);
    default: {
      auto bits = [](const term& t, std::string_view& bytes, size_t& n) {
        if (auto b = t.get_if<binary>()) {
          bytes = b->bytes;
          n = b->bytes.size() * 8;
        } else {
          auto& bs = t.get<bitstring>();
          bytes = bs.bytes;
          n = bs.bit_size();
        }
      };
      std::string_view xs, ys;
      size_t xn = 0, yn = 0;
      bits(x, xs, xn);
      bits(y, ys, yn);
      return compare_bits(xs, xn, ys, yn);
    }
  }
}

} // namespace

std::strong_ordering compare(const term& x, const term& y) {
  return compare_impl(x, y, false);
}

std::strong_ordering compare_keys(const term& x, const term& y) {
  return compare_impl(x, y, true);
}

void sort_keys(map& m) {
  if (m.size() > 32)
    return;
  std::sort(m.entries.begin(), m.entries.end(),
            [](const auto& a, const auto& b) {
              return compare_keys(a.first, b.first) < 0;
            });
}

} // namespace cafe::etf
