#include "cafe/distribution/control_message.hpp"

#include <type_traits>
#include <utility>

namespace cafe::distribution {

namespace {

// OTP's "small" integers (fixnums) on a 64-bit VM: 60-bit signed. Fields OTP
// checks with is_small reject anything outside, even though our term type
// holds it as int64_t.
constexpr int64_t min_small = -(int64_t{1} << 59);
constexpr int64_t max_small = (int64_t{1} << 59) - 1;

bool is_small(const etf::term& x, int64_t& out) {
  auto val = x.get_if<int64_t>();
  if (val == nullptr || *val < min_small || *val > max_small)
    return false;
  out = *val;
  return true;
}

// Like OTP's term_to_Uint64: any integer in 0..2^64-1, small or bignum.
bool to_uint64(const etf::term& x, uint64_t& out) {
  if (auto val = x.get_if<int64_t>()) {
    if (*val < 0)
      return false;
    out = static_cast<uint64_t>(*val);
    return true;
  }
  if (auto big = x.get_if<etf::big_integer>()) {
    if (big->negative || big->magnitude.size() > 8)
      return false;
    uint64_t acc = 0;
    for (size_t i = big->magnitude.size(); i > 0; --i)
      acc = (acc << 8) | big->magnitude[i - 1];
    out = acc;
    return true;
  }
  return false;
}

/// Moves the tuple elements into the fields of a typed message, checking
/// arity and types on the way.
class field_reader {
public:
  field_reader(std::vector<etf::term>& xs, uint8_t op) : xs_(xs), op_(op) {
    // nop
  }

  template <class... Ts>
  bool operator()(Ts&... fields) {
    if (xs_.size() != sizeof...(Ts) + 1)
      return fail(0, "wrong arity");
    pos_ = 1;
    return (read(fields) && ...);
  }

  const error& err() const noexcept {
    return err_;
  }

  bool fail(size_t pos, std::string_view reason) {
    err_ = error{errc::invalid_message, reason, op_,
                 static_cast<uint8_t>(pos == 0 ? 0 : pos + 1)};
    return false;
  }

private:
  etf::term& cur() {
    return xs_[pos_];
  }

  bool next() {
    ++pos_;
    return true;
  }

  bool read(etf::term& x) {
    x = std::move(cur());
    return next();
  }

  bool read(etf::pid& x) {
    auto val = cur().get_if<etf::pid>();
    if (val == nullptr)
      return fail(pos_, "not a pid");
    x = *val;
    return next();
  }

  bool read(etf::atom& x) {
    auto val = cur().get_if<etf::atom>();
    if (val == nullptr)
      return fail(pos_, "not an atom");
    x = *val;
    return next();
  }

  bool read(etf::reference& x) {
    auto val = cur().get_if<etf::reference>();
    if (val == nullptr)
      return fail(pos_, "not a reference");
    x = *val;
    return next();
  }

  bool read(pid_or_name& x) {
    if (auto val = cur().get_if<etf::pid>())
      x = *val;
    else if (auto name = cur().get_if<etf::atom>())
      x = *name;
    else
      return fail(pos_, "neither a pid nor an atom");
    return next();
  }

  bool read(mfa& x) {
    auto tup = cur().get_if<etf::tuple>();
    if (tup == nullptr || tup->size() != 3)
      return fail(pos_, "not a {Module, Function, Arity} tuple");
    auto mod = tup->elements[0].get_if<etf::atom>();
    auto fun = tup->elements[1].get_if<etf::atom>();
    if (mod == nullptr || fun == nullptr)
      return fail(pos_, "module or function is not an atom");
    if (!is_small(tup->elements[2], x.arity))
      return fail(pos_, "arity is not a small integer");
    x.module = *mod;
    x.function = *fun;
    return next();
  }

  bool read(spawn_flags& x) {
    int64_t val = 0;
    if (!is_small(cur(), val) || val < 0 || val >= spawn_flags::limit)
      return fail(pos_, "flags not an integer in 0..2^27-1");
    x.bits = static_cast<uint32_t>(val);
    return next();
  }

  bool read(uint64_t& x) {
    if (!to_uint64(cur(), x))
      return fail(pos_, "not an integer in 0..2^64-1");
    return next();
  }

  std::vector<etf::term>& xs_;
  uint8_t op_;
  size_t pos_ = 1;
  error err_;
};

// Checks beyond field types, as erts_net_message makes them: what is wrong
// and at which tuple position (empty: nothing).
struct violation {
  std::string_view why;
  uint8_t element = 0;
};

violation extra_check(const unlink_id& x) {
  if (x.id == 0)
    return {"UNLINK_ID with Id 0", 2};
  return {};
}

bool is_proper_list(const etf::term& x) {
  auto xs = x.get_if<etf::list>();
  return xs != nullptr && xs->proper();
}

// erts_parse_spawn_opts fails hard (invalid message) only when the option
// list is not a proper list; unknown options get a `badopt` reply instead.
template <class T>
violation check_spawn_opts(const T& x) {
  if (!is_proper_list(x.opts))
    return {"options are not a proper list", 6};
  return {};
}

violation extra_check(const spawn_request& x) {
  return check_spawn_opts(x);
}

violation extra_check(const spawn_request_tt& x) {
  return check_spawn_opts(x);
}

template <class T>
violation extra_check(const T&) {
  return {};
}

template <class T>
result<control_message> read_as(std::vector<etf::term>& xs, uint8_t op) {
  T msg;
  field_reader f{xs, op};
  if (!inspect(f, msg))
    return unexpected{f.err()};
  if (auto v = extra_check(msg); !v.why.empty())
    return unexpected{error{errc::invalid_message, v.why, op, v.element}};
  return control_message{std::move(msg)};
}

/// Appends the fields of a message to a tuple under construction.
class term_builder {
public:
  explicit term_builder(std::vector<etf::term>& xs) : xs_(xs) {
    // nop
  }

  template <class... Ts>
  void operator()(const Ts&... fields) {
    (add(fields), ...);
  }

private:
  void add(const etf::term& x) {
    xs_.push_back(x);
  }

  void add(const etf::pid& x) {
    xs_.emplace_back(x);
  }

  void add(const etf::atom& x) {
    xs_.emplace_back(x);
  }

  void add(const etf::reference& x) {
    xs_.emplace_back(x);
  }

  void add(const pid_or_name& x) {
    std::visit([this](const auto& val) { xs_.emplace_back(val); }, x);
  }

  void add(const mfa& x) {
    xs_.push_back(etf::make_tuple(x.module, x.function, x.arity));
  }

  void add(const spawn_flags& x) {
    xs_.emplace_back(static_cast<int64_t>(x.bits));
  }

  void add(uint64_t x) {
    xs_.push_back(etf::term::from_uint64(x));
  }

  std::vector<etf::term>& xs_;
};

} // namespace

operation op_of(const control_message& x) noexcept {
  return std::visit([](const auto& msg) { return msg.op; }, x);
}

result<control_message> from_term(etf::term ctl, const control_policy& policy) {
  auto tup = ctl.get_if<etf::tuple>();
  if (tup == nullptr || tup->size() < 1)
    return unexpected{error{errc::invalid_message, "not a non-empty tuple"}};
  int64_t op = 0;
  if (!is_small(tup->elements[0], op))
    return unexpected{
      error{errc::invalid_message, "operation is not a small integer"}};
  if (op < 1 || op > 255 || !known_operation(static_cast<uint8_t>(op)))
    return unexpected{error{errc::invalid_message, "unknown operation"}};
  auto code = static_cast<uint8_t>(op);
  auto& xs = tup->elements;
  switch (static_cast<operation>(code)) {
    case operation::link: return read_as<link>(xs, code);
    case operation::send: return read_as<send>(xs, code);
    case operation::exit: return read_as<exit>(xs, code);
    case operation::unlink:
      if (!policy.accept_unlink)
        return unexpected{error{errc::invalid_message,
                                "UNLINK is obsolete (use UNLINK_ID)", code}};
      return read_as<unlink>(xs, code);
    case operation::node_link:
      if (!policy.accept_node_link)
        return unexpected{
          error{errc::invalid_message, "NODE_LINK is obsolete", code}};
      return read_as<node_link>(xs, code);
    case operation::reg_send: return read_as<reg_send>(xs, code);
    case operation::group_leader: return read_as<group_leader>(xs, code);
    case operation::exit2: return read_as<exit2>(xs, code);
    case operation::send_tt: return read_as<send_tt>(xs, code);
    case operation::exit_tt: return read_as<exit_tt>(xs, code);
    case operation::reg_send_tt: return read_as<reg_send_tt>(xs, code);
    case operation::exit2_tt: return read_as<exit2_tt>(xs, code);
    case operation::monitor_p: return read_as<monitor_p>(xs, code);
    case operation::demonitor_p: return read_as<demonitor_p>(xs, code);
    case operation::monitor_p_exit: return read_as<monitor_p_exit>(xs, code);
    case operation::send_sender: return read_as<send_sender>(xs, code);
    case operation::send_sender_tt: return read_as<send_sender_tt>(xs, code);
    case operation::payload_exit: return read_as<payload_exit>(xs, code);
    case operation::payload_exit_tt: return read_as<payload_exit_tt>(xs, code);
    case operation::payload_exit2: return read_as<payload_exit2>(xs, code);
    case operation::payload_exit2_tt:
      return read_as<payload_exit2_tt>(xs, code);
    case operation::payload_monitor_p_exit:
      return read_as<payload_monitor_p_exit>(xs, code);
    case operation::spawn_request: return read_as<spawn_request>(xs, code);
    case operation::spawn_request_tt:
      return read_as<spawn_request_tt>(xs, code);
    case operation::spawn_reply: return read_as<spawn_reply>(xs, code);
    case operation::spawn_reply_tt: return read_as<spawn_reply_tt>(xs, code);
    case operation::alias_send: return read_as<alias_send>(xs, code);
    case operation::alias_send_tt: return read_as<alias_send_tt>(xs, code);
    case operation::unlink_id: return read_as<unlink_id>(xs, code);
    case operation::unlink_id_ack: return read_as<unlink_id_ack>(xs, code);
  }
  return unexpected{error{errc::invalid_message, "unknown operation"}};
}

etf::term to_term(const control_message& x) {
  std::vector<etf::term> xs;
  std::visit(
    [&xs](const auto& msg) {
      using msg_type = std::decay_t<decltype(msg)>;
      xs.reserve(7);
      xs.emplace_back(static_cast<int64_t>(msg_type::op));
      term_builder f{xs};
      // The inspectors take mutable references (as CAF's do); building only
      // reads.
      inspect(f, const_cast<msg_type&>(msg));
    },
    x);
  return etf::term{etf::tuple{std::move(xs)}};
}

} // namespace cafe::distribution
