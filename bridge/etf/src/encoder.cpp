#include "cafe/etf/encoder.hpp"

#include "cafe/byte_order.hpp"
#include "cafe/etf/tags.hpp"

#include <algorithm>
#include <cstring>

namespace cafe::etf {

atom_ref_lookup::~atom_ref_lookup() {
  // nop
}

namespace {

// The BEAM writes ports with ids beyond 28 bits as V4_PORT_EXT.
constexpr uint64_t max_v3_port_id = 0x0FFFFFFF;

using ::cafe::wire::put_u16;
using ::cafe::wire::put_u32;
using ::cafe::wire::put_u64;

inline uint64_t magnitude_of(int64_t x) {
  return x < 0 ? ~static_cast<uint64_t>(x) + 1 : static_cast<uint64_t>(x);
}

inline size_t byte_count(uint64_t x) {
  size_t n = 0;
  for (; x != 0; x >>= 8)
    ++n;
  return n;
}

/// Whether `xs` goes out as STRING_EXT: a proper list of 1..65535 integers
/// in 0..255, exactly when the BEAM chooses that form.
bool is_byte_list(const list& xs) {
  if (!xs.proper() || xs.elements.empty() || xs.elements.size() > 0xFFFF)
    return false;
  for (auto& x : xs.elements) {
    auto i = x.get_if<int64_t>();
    if (i == nullptr || *i < 0 || *i > 255)
      return false;
  }
  return true;
}

size_t integer_size(int64_t x) {
  if (x >= 0 && x <= 255)
    return 2;
  if (x >= INT32_MIN && x <= INT32_MAX)
    return 5;
  return 3 + byte_count(magnitude_of(x));
}

uint8_t* write_integer(int64_t x, uint8_t* out) {
  if (x >= 0 && x <= 255) {
    *out++ = tag::small_integer;
    *out++ = static_cast<uint8_t>(x);
    return out;
  }
  if (x >= INT32_MIN && x <= INT32_MAX) {
    *out++ = tag::integer;
    return put_u32(out, static_cast<uint32_t>(static_cast<int32_t>(x)));
  }
  auto mag = magnitude_of(x);
  *out++ = tag::small_big;
  *out++ = static_cast<uint8_t>(byte_count(mag));
  *out++ = x < 0 ? 1 : 0;
  for (; mag != 0; mag >>= 8)
    *out++ = static_cast<uint8_t>(mag);
  return out;
}

/// Room is known to suffice: the caller sized the buffer with `size`.
struct raw_sink {
  static constexpr bool checks = false;

  uint8_t* reserve(uint8_t* out, size_t) noexcept {
    return out;
  }
};

/// Grows a `byte_buffer` while writing, so that one pass suffices.
struct vector_sink {
  static constexpr bool checks = true;

  byte_buffer& buf;
  uint8_t* end;

  uint8_t* reserve(uint8_t* out, size_t n) {
    if (static_cast<size_t>(end - out) >= n) [[likely]]
      return out;
    return grow(out, n);
  }

  [[gnu::noinline]] uint8_t* grow(uint8_t* out, size_t n) {
    auto used = static_cast<size_t>(out - buf.data());
    buf.resize(std::max(buf.size() * 2, used + n + 256));
    end = buf.data() + buf.size();
    return buf.data() + used;
  }
};

class writer {
public:
  explicit writer(const atom_ref_lookup* refs) : refs_(refs) {
    // nop
  }

  size_t atom_size(atom x) const noexcept {
    if (refs_ != nullptr && refs_->index_of(x) >= 0)
      return 2;
    auto n = x.text().size();
    return n < 256 ? 2 + n : 3 + n;
  }

  uint8_t* write_atom(atom x, uint8_t* out) const noexcept {
    if (refs_ != nullptr) {
      if (auto index = refs_->index_of(x); index >= 0) {
        *out++ = tag::atom_cache_ref;
        *out++ = static_cast<uint8_t>(index);
        return out;
      }
    }
    auto text = x.text();
    if (text.size() < 256) {
      *out++ = tag::small_atom_utf8;
      *out++ = static_cast<uint8_t>(text.size());
    } else {
      *out++ = tag::atom_utf8;
      out = put_u16(out, static_cast<uint16_t>(text.size()));
    }
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }

  size_t pid_size(const pid& x) const noexcept {
    return 1 + atom_size(x.node) + 12;
  }

  uint8_t* write_pid(const pid& x, uint8_t* out) const noexcept {
    *out++ = tag::new_pid;
    out = write_atom(x.node, out);
    out = put_u32(out, x.id);
    out = put_u32(out, x.serial);
    return put_u32(out, x.creation);
  }

  size_t fun_body_size(const fun::data& f) const noexcept {
    // Size(4) Arity(1) Uniq(16) Index(4) NumFree(4) Module OldIndex OldUniq
    // Pid FreeVars
    size_t n = 29 + atom_size(f.module) + integer_size(f.old_index)
               + integer_size(f.old_uniq) + pid_size(f.pid);
    for (auto& x : f.free_vars)
      n += size(x);
    return n;
  }

  /// Bytes a term writes itself, children excluded (their own `reserve`
  /// covers them); an upper bound for integers.
  template <class T>
  size_t flat_size(const T& v) const noexcept {
    if constexpr (std::is_same_v<T, int64_t>) {
      return 11;
    } else if constexpr (std::is_same_v<T, tuple> || std::is_same_v<T, map>) {
      return 5;
    } else if constexpr (std::is_same_v<T, list>) {
      return is_byte_list(v) ? 3 + v.elements.size() : 5;
    } else if constexpr (std::is_same_v<T, atom>) {
      return atom_bound(v);
    } else if constexpr (std::is_same_v<T, pid>) {
      return 13 + atom_bound(v.node);
    } else if constexpr (std::is_same_v<T, reference>) {
      return 7 + atom_bound(v.node) + 4 * size_t{v.size};
    } else if constexpr (std::is_same_v<T, port>) {
      return 13 + atom_bound(v.node);
    } else if constexpr (std::is_same_v<T, export_fun>) {
      return 3 + atom_bound(v.module) + atom_bound(v.function);
    } else if constexpr (std::is_same_v<T, fun>) {
      // Needs its exact size anyway (the Size field); one-pass encoding
      // runs without atom_refs, so sizing here asks no questions.
      return 1 + fun_body_size(*v);
    } else {
      return size_of(v);
    }
  }

  // Room for an atom without asking atom_refs: keeps one question per atom
  // occurrence, as atom_ref_lookup's contract promises.
  static size_t atom_bound(atom x) noexcept {
    return 3 + x.text().size();
  }

  template <class T>
  size_t size_of(const T& v) const noexcept {
    {
      if constexpr (std::is_same_v<T, int64_t>) {
        return integer_size(v);
      } else if constexpr (std::is_same_v<T, big_integer>) {
        auto n = v.magnitude.size();
        return n < 256 ? 3 + n : 6 + n;
      } else if constexpr (std::is_same_v<T, double>) {
        return 9;
      } else if constexpr (std::is_same_v<T, atom>) {
        return atom_size(v);
      } else if constexpr (std::is_same_v<T, reference>) {
        return 7 + atom_size(v.node) + 4 * size_t{v.size};
      } else if constexpr (std::is_same_v<T, fun>) {
        return 1 + fun_body_size(*v);
      } else if constexpr (std::is_same_v<T, export_fun>) {
        return 3 + atom_size(v.module) + atom_size(v.function);
      } else if constexpr (std::is_same_v<T, port>) {
        return (v.id > max_v3_port_id ? 13 : 9) + atom_size(v.node);
      } else if constexpr (std::is_same_v<T, pid>) {
        return pid_size(v);
      } else if constexpr (std::is_same_v<T, tuple>) {
        size_t n = v.elements.size() < 256 ? 2 : 5;
        for (auto& e : v.elements)
          n += size(e);
        return n;
      } else if constexpr (std::is_same_v<T, map>) {
        size_t n = 5;
        for (auto& [k, e] : v.entries)
          n += size(k) + size(e);
        return n;
      } else if constexpr (std::is_same_v<T, list>) {
        if (v.empty())
          return 1;
        if (is_byte_list(v))
          return 3 + v.elements.size();
        size_t n = 5 + (v.tail ? size(*v.tail) : 1);
        for (auto& e : v.elements)
          n += size(e);
        return n;
      } else if constexpr (std::is_same_v<T, binary>) {
        return 5 + v.bytes.size();
      } else {
        static_assert(std::is_same_v<T, bitstring>);
        return 6 + v.bytes.size();
      }
    }
  }

  // Defined after size_of: clang instantiates std::visit's dispatch as it
  // parses this body and would otherwise never emit the size_of<T> it calls
  // (undefined references at link time, llvm/llvm-project#115731).
  size_t size(const term& x) const noexcept {
    return x.visit([this](const auto& v) -> size_t { return size_of(v); });
  }

  uint8_t* write(const term& x, uint8_t* out) const noexcept {
    raw_sink sink;
    return write(x, out, sink);
  }

  /// Writes `x`, asking `sink` for room before each term's own bytes (not
  /// its children's): a no-op for a buffer of exact size, a growth check
  /// for one-pass encoding into a vector.
  template <class Sink>
  uint8_t* write(const term& x, uint8_t* out, Sink& sink) const {
    return x.visit([this, out, &sink](const auto& v) mutable -> uint8_t* {
      using T = std::decay_t<decltype(v)>;
      if constexpr (Sink::checks)
        out = sink.reserve(out, flat_size(v));
      if constexpr (std::is_same_v<T, int64_t>) {
        return write_integer(v, out);
      } else if constexpr (std::is_same_v<T, big_integer>) {
        auto n = v.magnitude.size();
        if (n < 256) {
          *out++ = tag::small_big;
          *out++ = static_cast<uint8_t>(n);
        } else {
          *out++ = tag::large_big;
          out = put_u32(out, static_cast<uint32_t>(n));
        }
        *out++ = v.negative ? 1 : 0;
        std::memcpy(out, v.magnitude.data(), n);
        return out + n;
      } else if constexpr (std::is_same_v<T, double>) {
        *out++ = tag::new_float;
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        return put_u64(out, bits);
      } else if constexpr (std::is_same_v<T, atom>) {
        return write_atom(v, out);
      } else if constexpr (std::is_same_v<T, reference>) {
        *out++ = tag::newer_reference;
        out = put_u16(out, v.size);
        out = write_atom(v.node, out);
        out = put_u32(out, v.creation);
        for (size_t i = 0; i < v.size; ++i)
          out = put_u32(out, v.words[i]);
        return out;
      } else if constexpr (std::is_same_v<T, fun>) {
        auto& f = *v;
        *out++ = tag::new_fun;
        out = put_u32(out, static_cast<uint32_t>(fun_body_size(f)));
        *out++ = f.arity;
        std::memcpy(out, f.uniq.data(), 16);
        out += 16;
        out = put_u32(out, f.index);
        out = put_u32(out, static_cast<uint32_t>(f.free_vars.size()));
        out = write_atom(f.module, out);
        out = write_integer(f.old_index, out);
        out = write_integer(f.old_uniq, out);
        out = write_pid(f.pid, out);
        for (auto& e : f.free_vars)
          out = write(e, out, sink);
        return out;
      } else if constexpr (std::is_same_v<T, export_fun>) {
        *out++ = tag::export_fun;
        out = write_atom(v.module, out);
        out = write_atom(v.function, out);
        *out++ = tag::small_integer;
        *out++ = v.arity;
        return out;
      } else if constexpr (std::is_same_v<T, port>) {
        if (v.id > max_v3_port_id) {
          *out++ = tag::v4_port;
          out = write_atom(v.node, out);
          out = put_u64(out, v.id);
        } else {
          *out++ = tag::new_port;
          out = write_atom(v.node, out);
          out = put_u32(out, static_cast<uint32_t>(v.id));
        }
        return put_u32(out, v.creation);
      } else if constexpr (std::is_same_v<T, pid>) {
        return write_pid(v, out);
      } else if constexpr (std::is_same_v<T, tuple>) {
        auto n = v.elements.size();
        if (n < 256) {
          *out++ = tag::small_tuple;
          *out++ = static_cast<uint8_t>(n);
        } else {
          *out++ = tag::large_tuple;
          out = put_u32(out, static_cast<uint32_t>(n));
        }
        for (auto& e : v.elements)
          out = write(e, out, sink);
        return out;
      } else if constexpr (std::is_same_v<T, map>) {
        *out++ = tag::map;
        out = put_u32(out, static_cast<uint32_t>(v.entries.size()));
        for (auto& [k, e] : v.entries) {
          out = write(k, out, sink);
          out = write(e, out, sink);
        }
        return out;
      } else if constexpr (std::is_same_v<T, list>) {
        if (v.empty()) {
          *out++ = tag::nil;
          return out;
        }
        if (is_byte_list(v)) {
          *out++ = tag::string;
          out = put_u16(out, static_cast<uint16_t>(v.elements.size()));
          for (auto& e : v.elements)
            *out++ = static_cast<uint8_t>(*e.template get_if<int64_t>());
          return out;
        }
        *out++ = tag::list;
        out = put_u32(out, static_cast<uint32_t>(v.elements.size()));
        for (auto& e : v.elements)
          out = write(e, out, sink);
        if (v.tail)
          return write(*v.tail, out, sink);
        if constexpr (Sink::checks)
          out = sink.reserve(out, 1);
        *out++ = tag::nil;
        return out;
      } else if constexpr (std::is_same_v<T, binary>) {
        *out++ = tag::binary;
        out = put_u32(out, static_cast<uint32_t>(v.bytes.size()));
        std::memcpy(out, v.bytes.data(), v.bytes.size());
        return out + v.bytes.size();
      } else {
        *out++ = tag::bit_binary;
        out = put_u32(out, static_cast<uint32_t>(v.bytes.size()));
        *out++ = v.tail_bits;
        std::memcpy(out, v.bytes.data(), v.bytes.size());
        return out + v.bytes.size();
      }
    });
  }

private:
  const atom_ref_lookup* refs_;
};

} // namespace

size_t encoder::size(const term& x) const noexcept {
  return writer{opts_.atom_refs}.size(x);
}

uint8_t* encoder::write(const term& x, uint8_t* out) const noexcept {
  return writer{opts_.atom_refs}.write(x, out);
}

void encoder::append(const term& x, std::vector<uint8_t>& buf) const {
  writer w{opts_.atom_refs};
  auto offset = buf.size();
  buf.resize(offset + w.size(x));
  w.write(x, buf.data() + offset);
}

std::vector<uint8_t> term_to_binary(const term& x) {
  writer w{nullptr};
  std::vector<uint8_t> buf(1 + w.size(x));
  buf[0] = tag::version;
  w.write(x, buf.data() + 1);
  return buf;
}

} // namespace cafe::etf

namespace cafe::etf {

void encoder::append(const term& x, byte_buffer& buf) const {
  // One pass: use whatever capacity the buffer has (resizing a byte_buffer
  // within its capacity costs nothing) and grow only when it runs out.
  writer w{opts_.atom_refs};
  auto offset = buf.size();
  if (opts_.atom_refs != nullptr) {
    // Two passes: atom_ref_lookup expects the sizing pass's questions.
    buf.resize(offset + w.size(x));
    w.write(x, buf.data() + offset);
    return;
  }
  buf.resize(std::max(buf.capacity(), offset + 256));
  vector_sink sink{buf, buf.data() + buf.size()};
  auto out = w.write(x, buf.data() + offset, sink);
  buf.resize(static_cast<size_t>(out - buf.data()));
}

byte_buffer term_to_byte_buffer(const term& x) {
  writer w{nullptr};
  byte_buffer buf(1 + w.size(x));
  buf[0] = tag::version;
  w.write(x, buf.data() + 1);
  return buf;
}

} // namespace cafe::etf
