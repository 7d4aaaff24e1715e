#include "cafe/etf/decoder.hpp"

#include "cafe/byte_order.hpp"
#include "cafe/etf/compare.hpp"
#include "cafe/etf/tags.hpp"
#include "inflate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

namespace cafe::etf {

std::string to_string(const decode_error& err) {
  std::string result{etf::to_string(err.code)};
  result += " at byte ";
  result += std::to_string(err.offset);
  return result;
}

namespace {

using ::cafe::wire::get_u16;
using ::cafe::wire::get_u32;
using ::cafe::wire::get_u64;

/// One decoding run over one input buffer. Recursive descent bounded by
/// `limits.max_depth`; every length is checked against the bytes left before
/// anything is allocated for it.
class decoder_run {
public:
  decoder_run(const uint8_t* first, const uint8_t* last,
              const decode_options& opts)
    : begin_(first), pos_(first), end_(last), opts_(opts) {
    // nop
  }

  bool read(term& out, size_t depth);

  const uint8_t* pos() const noexcept {
    return pos_;
  }

  decode_error error() const noexcept {
    return error_;
  }

  // Lets the caller report errors at offsets of an outer buffer (used for
  // compressed terms, whose offsets refer to the inflated bytes).
  void offset_base(size_t base) noexcept {
    base_ = base;
  }

private:
  bool fail(errc code, const uint8_t* at) {
    error_ = decode_error{code, base_ + static_cast<size_t>(at - begin_)};
    return false;
  }

  bool need(size_t n) {
    if (static_cast<size_t>(end_ - pos_) < n)
      return fail(errc::truncated, end_);
    return true;
  }

  size_t remaining() const noexcept {
    return static_cast<size_t>(end_ - pos_);
  }

  // Accounts for `n` more terms against the configured cap.
  bool count(size_t n) {
    terms_ += n;
    if (terms_ > opts_.limits.max_terms)
      return fail(errc::too_large, pos_);
    return true;
  }

  bool read_atom(atom& out);
  bool read_atom_body(uint8_t tag, atom& out);
  bool read_pid(pid& out, errc wrong_tag);
  bool read_integer_field(int64_t& out);
  bool read_big(term& out, size_t n);
  bool read_list(term& out, uint32_t n, size_t depth);
  bool read_map(term& out, uint32_t n, size_t depth);
  bool read_fun(term& out, size_t depth);
  bool read_old_float(term& out);

  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;
  const decode_options& opts_;
  size_t terms_ = 0;
  size_t base_ = 0;
  decode_error error_{errc::truncated, 0};
};

bool decoder_run::read_atom_body(uint8_t tag, atom& out) {
  auto at = pos_ - 1;
  size_t len = 0;
  switch (tag) {
    case tag::atom_utf8:
    case tag::atom_latin1:
      if (!need(2))
        return false;
      len = get_u16(pos_);
      pos_ += 2;
      break;
    case tag::small_atom_utf8:
    case tag::small_atom_latin1:
      if (!need(1))
        return false;
      len = *pos_++;
      break;
    case tag::atom_cache_ref: {
      if (!need(1))
        return false;
      auto index = *pos_++;
      if (index >= opts_.atom_cache_refs.size())
        return fail(errc::bad_atom_cache_ref, at);
      out = opts_.atom_cache_refs[index];
      return true;
    }
    default: return fail(errc::bad_atom, at);
  }
  if (!need(len))
    return false;
  std::string_view text{reinterpret_cast<const char*>(pos_), len};
  auto res = (tag == tag::atom_utf8 || tag == tag::small_atom_utf8)
               ? atom::make(text)
               : atom::make_latin1(text);
  if (!res)
    return fail(res.error(), at);
  pos_ += len;
  out = *res;
  return true;
}

bool decoder_run::read_atom(atom& out) {
  if (!need(1))
    return false;
  auto tag = *pos_++;
  return read_atom_body(tag, out);
}

bool decoder_run::read_pid(pid& out, errc wrong_tag) {
  if (!need(1))
    return false;
  auto at = pos_;
  auto tag = *pos_++;
  if (tag != tag::new_pid && tag != tag::pid_old)
    return fail(wrong_tag, at);
  if (!read_atom(out.node))
    return false;
  size_t creation_size = tag == tag::new_pid ? 4 : 1;
  if (!need(8 + creation_size))
    return false;
  out.id = get_u32(pos_);
  out.serial = get_u32(pos_ + 4);
  out.creation = creation_size == 4 ? get_u32(pos_ + 8) : pos_[8];
  pos_ += 8 + creation_size;
  return true;
}

bool decoder_run::read_integer_field(int64_t& out) {
  if (!need(1))
    return false;
  auto at = pos_;
  switch (*pos_++) {
    case tag::small_integer:
      if (!need(1))
        return false;
      out = *pos_++;
      return true;
    case tag::integer:
      if (!need(4))
        return false;
      out = static_cast<int32_t>(get_u32(pos_));
      pos_ += 4;
      return true;
    default: return fail(errc::bad_fun, at);
  }
}

bool decoder_run::read_big(term& out, size_t n) {
  if (!need(1 + n))
    return false;
  // The BEAM reads any non-zero sign byte as negative.
  bool negative = *pos_++ != 0;
  if (auto small = big_integer::fits_int64(negative, pos_, n)) {
    out.value().emplace<int64_t>(*small);
  } else {
    size_t len = n;
    while (len > 0 && pos_[len - 1] == 0)
      --len;
    auto& big = out.value().emplace<big_integer>();
    big.negative = negative;
    big.magnitude.assign(pos_, pos_ + len);
  }
  pos_ += n;
  return true;
}

bool decoder_run::read_list(term& out, uint32_t n, size_t depth) {
  // Every element takes at least one byte, and so does the tail.
  if (remaining() < size_t{n} + 1)
    return fail(errc::truncated, end_);
  if (!count(n))
    return false;
  auto& xs = out.value().emplace<list>(std::vector<term>(n));
  for (auto& x : xs.elements)
    if (!read(x, depth + 1))
      return false;
  // The tail: NIL (a proper list) is by far the most common.
  if (!need(1))
    return false;
  if (*pos_ == tag::nil) {
    ++pos_;
    return true;
  }
  term tail;
  if (!read(tail, depth + 1))
    return false;
  if (auto nested = tail.get_if<list>()) {
    xs.elements.insert(xs.elements.end(),
                       std::make_move_iterator(nested->elements.begin()),
                       std::make_move_iterator(nested->elements.end()));
    xs.tail = nested->tail;
  } else if (xs.elements.empty()) {
    // [ | T] is just T (no encoder writes this, but it is well-formed).
    out = std::move(tail);
  } else {
    xs.tail = std::make_shared<const term>(std::move(tail));
  }
  return true;
}

bool decoder_run::read_map(term& out, uint32_t n, size_t depth) {
  auto at = pos_ - 5;
  if (remaining() / 2 < n)
    return fail(errc::truncated, end_);
  if (!count(size_t{n} * 2))
    return false;
  auto& m = out.value().emplace<map>();
  m.entries.resize(n);
  for (auto& [k, v] : m.entries)
    if (!read(k, depth + 1) || !read(v, depth + 1))
      return false;
  // Duplicate keys make a map invalid (the BEAM refuses them). Small maps
  // from the BEAM arrive sorted by key, so one linear pass usually settles
  // it; anything else is sorted by index first.
  auto less = [](const term& a, const term& b) {
    // Atom keys (records, Elixir structs) are the common case: compare
    // their texts without the general term order's type dispatch.
    auto x = a.get_if<atom>();
    auto y = b.get_if<atom>();
    if (x != nullptr && y != nullptr)
      return x->text() < y->text();
    return compare_keys(a, b) < 0;
  };
  bool ascending = true;
  for (size_t i = 1; i < m.entries.size() && ascending; ++i)
    ascending = less(m.entries[i - 1].first, m.entries[i].first);
  if (ascending)
    return true;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return less(m.entries[a].first, m.entries[b].first);
  });
  for (size_t i = 1; i < order.size(); ++i)
    if (!less(m.entries[order[i - 1]].first, m.entries[order[i]].first))
      return fail(errc::duplicate_key, at);
  return true;
}

bool decoder_run::read_fun(term& out, size_t depth) {
  // Size(4) Arity(1) Uniq(16) Index(4) NumFree(4), then the rest.
  if (!need(29))
    return false;
  auto size = get_u32(pos_);
  auto num_free = get_u32(pos_ + 25);
  auto data = std::make_shared<fun::data>();
  data->arity = pos_[4];
  std::memcpy(data->uniq.data(), pos_ + 5, 16);
  data->index = get_u32(pos_ + 21);
  auto start = pos_;
  pos_ += 29;
  if (remaining() < num_free)
    return fail(errc::truncated, end_);
  if (!count(num_free))
    return false;
  if (!read_atom(data->module) || !read_integer_field(data->old_index)
      || !read_integer_field(data->old_uniq)
      || !read_pid(data->pid, errc::bad_fun))
    return false;
  data->free_vars.resize(num_free);
  for (auto& x : data->free_vars)
    if (!read(x, depth + 1))
      return false;
  // The BEAM does not check Size either; the encoder recomputes it.
  (void)size;
  (void)start;
  out.value().emplace<fun>(fun{std::move(data)});
  return true;
}

bool decoder_run::read_old_float(term& out) {
  auto at = pos_ - 1;
  if (!need(31))
    return false;
  // "%.20e" text, NUL-padded to 31 bytes.
  auto first = reinterpret_cast<const char*>(pos_);
  auto last = static_cast<const char*>(std::memchr(first, 0, 31));
  if (last == nullptr)
    last = first + 31;
  double value = 0;
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr != last || !std::isfinite(value))
    return fail(errc::bad_float, at);
  pos_ += 31;
  out.value().emplace<double>(value);
  return true;
}

bool decoder_run::read(term& out, size_t depth) {
  if (depth > opts_.limits.max_depth)
    return fail(errc::too_deep, pos_);
  if (!need(1))
    return false;
  auto at = pos_;
  auto tag = *pos_++;
  switch (tag) {
    case tag::small_integer:
      if (!need(1))
        return false;
      out.value().emplace<int64_t>(*pos_++);
      return true;
    case tag::integer:
      if (!need(4))
        return false;
      out.value().emplace<int64_t>(static_cast<int32_t>(get_u32(pos_)));
      pos_ += 4;
      return true;
    case tag::small_big: {
      if (!need(1))
        return false;
      size_t n = *pos_++;
      return read_big(out, n);
    }
    case tag::large_big: {
      if (!need(4))
        return false;
      size_t n = get_u32(pos_);
      pos_ += 4;
      return read_big(out, n);
    }
    case tag::new_float: {
      if (!need(8))
        return false;
      auto bits = get_u64(pos_);
      double value;
      std::memcpy(&value, &bits, sizeof(value));
      if (!std::isfinite(value))
        return fail(errc::bad_float, at);
      pos_ += 8;
      out.value().emplace<double>(value);
      return true;
    }
    case tag::old_float: return read_old_float(out);
    case tag::atom_utf8:
    case tag::small_atom_utf8:
    case tag::atom_latin1:
    case tag::small_atom_latin1:
    case tag::atom_cache_ref: {
      atom x;
      if (!read_atom_body(tag, x))
        return false;
      out.value().emplace<atom>(x);
      return true;
    }
    case tag::small_tuple:
    case tag::large_tuple: {
      size_t n;
      if (tag == tag::small_tuple) {
        if (!need(1))
          return false;
        n = *pos_++;
      } else {
        if (!need(4))
          return false;
        n = get_u32(pos_);
        pos_ += 4;
      }
      if (remaining() < n)
        return fail(errc::truncated, end_);
      if (!count(n))
        return false;
      // Sized at construction: resize() on an empty vector takes the
      // general (slower) growth path.
      auto& xs = out.value().emplace<tuple>(std::vector<term>(n)).elements;
      for (auto& x : xs)
        if (!read(x, depth + 1))
          return false;
      return true;
    }
    case tag::nil: out.value().emplace<list>(); return true;
    case tag::string: {
      if (!need(2))
        return false;
      size_t n = get_u16(pos_);
      pos_ += 2;
      if (!need(n) || !count(n))
        return false;
      auto& xs = out.value().emplace<list>().elements;
      xs.reserve(n);
      for (size_t i = 0; i < n; ++i)
        xs.emplace_back(int64_t{pos_[i]});
      pos_ += n;
      return true;
    }
    case tag::list: {
      if (!need(4))
        return false;
      auto n = get_u32(pos_);
      pos_ += 4;
      return read_list(out, n, depth);
    }
    case tag::binary: {
      if (!need(4))
        return false;
      size_t n = get_u32(pos_);
      pos_ += 4;
      if (!need(n))
        return false;
      out.value().emplace<binary>().bytes.assign(
        reinterpret_cast<const char*>(pos_), n);
      pos_ += n;
      return true;
    }
    case tag::bit_binary: {
      if (!need(5))
        return false;
      size_t n = get_u32(pos_);
      uint8_t bits = pos_[4];
      pos_ += 5;
      if (n == 0 ? bits != 0 : (bits == 0 || bits > 8))
        return fail(errc::bad_bit_count, at);
      if (!need(n))
        return false;
      auto data = reinterpret_cast<const char*>(pos_);
      pos_ += n;
      if (n == 0 || bits == 8) {
        out.value().emplace<binary>().bytes.assign(data, n);
        return true;
      }
      auto& bs = out.value().emplace<bitstring>();
      bs.bytes.assign(data, n);
      bs.tail_bits = bits;
      // The BEAM ignores the unused low bits; keep them zero so equal
      // bitstrings have equal bytes.
      bs.bytes.back() = static_cast<char>(static_cast<uint8_t>(bs.bytes.back())
                                          & (0xFF << (8 - bits)));
      return true;
    }
    case tag::map: {
      if (!need(4))
        return false;
      auto n = get_u32(pos_);
      pos_ += 4;
      return read_map(out, n, depth);
    }
    case tag::new_pid:
    case tag::pid_old: {
      --pos_;
      pid p;
      if (!read_pid(p, errc::bad_identifier))
        return false;
      out.value().emplace<pid>(p);
      return true;
    }
    case tag::new_port:
    case tag::v4_port:
    case tag::port_old: {
      port p;
      if (!read_atom(p.node))
        return false;
      size_t id_size = tag == tag::v4_port ? 8 : 4;
      size_t creation_size = tag == tag::port_old ? 1 : 4;
      if (!need(id_size + creation_size))
        return false;
      p.id = id_size == 8 ? get_u64(pos_) : get_u32(pos_);
      pos_ += id_size;
      p.creation = creation_size == 4 ? get_u32(pos_) : *pos_;
      pos_ += creation_size;
      out.value().emplace<port>(p);
      return true;
    }
    case tag::newer_reference:
    case tag::new_reference:
    case tag::reference_old: {
      reference r;
      size_t n = 1;
      if (tag != tag::reference_old) {
        if (!need(2))
          return false;
        n = get_u16(pos_);
        pos_ += 2;
        if (n > reference::max_words)
          return fail(errc::bad_identifier, at);
      }
      if (!read_atom(r.node))
        return false;
      r.size = static_cast<uint8_t>(n);
      if (tag == tag::reference_old) {
        // Node, ID(4), Creation(1): the ID comes first in this old form.
        if (!need(5))
          return false;
        r.words[0] = get_u32(pos_);
        r.creation = pos_[4];
        pos_ += 5;
      } else {
        size_t creation_size = tag == tag::newer_reference ? 4 : 1;
        if (!need(creation_size + 4 * n))
          return false;
        r.creation = creation_size == 4 ? get_u32(pos_) : *pos_;
        pos_ += creation_size;
        for (size_t i = 0; i < n; ++i, pos_ += 4)
          r.words[i] = get_u32(pos_);
      }
      out.value().emplace<reference>(r);
      return true;
    }
    case tag::export_fun: {
      export_fun f;
      if (!read_atom(f.module) || !read_atom(f.function))
        return false;
      if (!need(2))
        return false;
      if (*pos_ != tag::small_integer)
        return fail(errc::bad_fun, at);
      f.arity = pos_[1];
      pos_ += 2;
      out.value().emplace<export_fun>(f);
      return true;
    }
    case tag::new_fun: return read_fun(out, depth);
    case tag::local: return fail(errc::local_ext, at);
    default: return fail(errc::unknown_tag, at);
  }
}

} // namespace

decode_result<term> decode(std::span<const uint8_t> bytes, size_t& consumed,
                           const decode_options& opts) {
  decoder_run run{bytes.data(), bytes.data() + bytes.size(), opts};
  term result;
  if (!run.read(result, 0))
    return unexpected{run.error()};
  consumed = static_cast<size_t>(run.pos() - bytes.data());
  return result;
}

decode_result<term> binary_to_term(std::span<const uint8_t> bytes,
                                   const decode_options& opts) {
  if (bytes.empty())
    return unexpected{decode_error{errc::truncated, 0}};
  if (bytes[0] != tag::version)
    return unexpected{decode_error{errc::bad_version, 0}};
  if (bytes.size() >= 2 && bytes[1] == tag::compressed) {
    auto inflated = detail::inflate_term(bytes, opts.limits.max_inflated_size);
    if (!inflated)
      return unexpected{inflated.error()};
    size_t consumed = 0;
    auto res = decode(*inflated, consumed, opts);
    if (res && consumed != inflated->size())
      return unexpected{decode_error{errc::trailing_bytes, 6}};
    return res;
  }
  decoder_run run{bytes.data() + 1, bytes.data() + bytes.size(), opts};
  run.offset_base(1);
  term result;
  if (!run.read(result, 0))
    return unexpected{run.error()};
  if (run.pos() != bytes.data() + bytes.size())
    return unexpected{decode_error{
      errc::trailing_bytes, static_cast<size_t>(run.pos() - bytes.data())}};
  return result;
}

} // namespace cafe::etf
