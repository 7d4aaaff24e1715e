#include "control_encoding.hpp"

#include "cafe/etf/tags.hpp"

#include <type_traits>

namespace cafe::distribution::detail {

namespace {

// Every control tuple has at most 7 elements and every operation number is
// below 256: SMALL_TUPLE_EXT and SMALL_INTEGER_EXT, as OTP writes them.
constexpr size_t tuple_header_size = 2;
constexpr size_t op_size = 2;

/// Calls `f` with a term for each field, building temporary terms only for
/// fields that are not terms already (pids, atoms, refs: no allocation).
template <class F>
class field_visitor {
public:
  explicit field_visitor(F& f) : f_(f) {
    // nop
  }

  template <class... Ts>
  void operator()(const Ts&... fields) {
    (visit(fields), ...);
  }

private:
  void visit(const etf::term& x) {
    f_.term(x);
  }

  void visit(const etf::pid& x) {
    f_.term(etf::term{x});
  }

  void visit(const etf::atom& x) {
    f_.term(etf::term{x});
  }

  void visit(const etf::reference& x) {
    f_.term(etf::term{x});
  }

  void visit(const pid_or_name& x) {
    std::visit([this](const auto& val) { f_.term(etf::term{val}); }, x);
  }

  void visit(const mfa& x) {
    f_.tuple_header(3);
    f_.term(etf::term{x.module});
    f_.term(etf::term{x.function});
    f_.term(etf::term{x.arity});
  }

  void visit(const spawn_flags& x) {
    f_.term(etf::term{static_cast<int64_t>(x.bits)});
  }

  void visit(uint64_t x) {
    f_.term(etf::term::from_uint64(x));
  }

  F& f_;
};

template <class F>
void for_each_field(const control_message& x, F& f) {
  std::visit(
    [&f](const auto& msg) {
      using msg_type = std::decay_t<decltype(msg)>;
      field_visitor<F> v{f};
      // Read-only use of CAF-style inspectors that take mutable references.
      inspect(v, const_cast<msg_type&>(msg));
    },
    x);
}

struct sizer {
  const etf::encoder& enc;
  size_t total = 0;

  void term(const etf::term& x) {
    total += enc.size(x);
  }

  void tuple_header(size_t) {
    total += tuple_header_size;
  }
};

struct writer {
  const etf::encoder& enc;
  uint8_t* out;

  void term(const etf::term& x) {
    out = enc.write(x, out);
  }

  void tuple_header(size_t arity) {
    *out++ = etf::tag::small_tuple;
    *out++ = static_cast<uint8_t>(arity);
  }
};

/// Counts the fields an inspector lists.
struct field_counter {
  template <class... Ts>
  size_t operator()(const Ts&...) const noexcept {
    return sizeof...(Ts);
  }
};

/// Elements of the control tuple: the operation plus the inspected fields.
size_t arity_of(const control_message& x) {
  return std::visit(
    [](const auto& msg) {
      using msg_type = std::decay_t<decltype(msg)>;
      field_counter f;
      return 1 + inspect(f, const_cast<msg_type&>(msg));
    },
    x);
}

} // namespace

size_t control_size(const control_message& x, const etf::encoder& enc) {
  sizer f{enc};
  for_each_field(x, f);
  return tuple_header_size + op_size + f.total;
}

uint8_t* write_control(const control_message& x, const etf::encoder& enc,
                       uint8_t* out) {
  *out++ = etf::tag::small_tuple;
  *out++ = static_cast<uint8_t>(arity_of(x));
  *out++ = etf::tag::small_integer;
  *out++ = static_cast<uint8_t>(op_of(x));
  writer f{enc, out};
  for_each_field(x, f);
  return f.out;
}

} // namespace cafe::distribution::detail
