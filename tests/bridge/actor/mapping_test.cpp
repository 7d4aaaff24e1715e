// The term <-> message mapping of cafe::actor, row by row: compile-time
// to_term/from_term, type_registry's run-time conversion of whole messages
// (pids through a fake term_context), and the exit reason table.

#include "cafe/actor/convert.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/actor/term_context.hpp"
#include "cafe/actor/type_registry.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/term.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/pec.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

using namespace cafe;
using namespace cafe::actor;
using namespace cafe::etf::literals;
using namespace std::string_literals;

namespace {

using chat_atom = caf::atom_constant<caf::atom("chat")>;
using move_atom = caf::atom_constant<caf::atom("move")>;

// -- test types ---------------------------------------------------------------

/// A record: {point, X, Y}.
struct point {
  int32_t x = 0;
  int32_t y = 0;
  friend bool operator==(const point&, const point&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, point& x) {
  return f(caf::meta::type_name("point"), x.x, x.y);
}

/// A record with record, string, optional and list fields.
struct segment {
  point from;
  point to;
  std::string label;
  std::optional<int64_t> weight;
  std::vector<std::string> tags;
  friend bool operator==(const segment&, const segment&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, segment& x) {
  return f(caf::meta::type_name("segment"), x.from, x.to, x.label, x.weight,
           x.tags);
}

/// A record that can also be a CAF message element (CAF 0.17 cannot
/// serialize std::optional, so `segment` cannot be one).
struct route {
  std::string name;
  std::vector<point> stops;
  friend bool operator==(const route&, const route&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route& x) {
  return f(caf::meta::type_name("route"), x.name, x.stops);
}

/// A struct that travels as a map with atom keys. Its `inspect` only makes
/// it a CAF message type: term_fields takes precedence over the record.
struct user {
  std::string name;
  int64_t age = 0;
  friend bool operator==(const user&, const user&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user& x) {
  return f(caf::meta::type_name("user"), x.name, x.age);
}

/// A message type (hence an `inspect`) with a mapping of its own: a binary.
struct uuid {
  std::string bytes;
  friend bool operator==(const uuid&, const uuid&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, uuid& x) {
  return f(caf::meta::type_name("uuid"), x.bytes);
}

/// A message type that has a mapping but is never registered.
struct unmapped {
  int32_t value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unmapped& x) {
  return f(caf::meta::type_name("unmapped"), x.value);
}

} // namespace

template <>
struct cafe::actor::term_converter<uuid> {
  static etf::term to(const uuid& x) {
    return etf::term{etf::binary{x.bytes}};
  }
  static std::optional<uuid> from(const etf::term& x) {
    if (auto b = x.get_if<etf::binary>(); b && b->bytes.size() == 16)
      return uuid{b->bytes};
    return std::nullopt;
  }
};

template <>
struct cafe::actor::term_fields<user> {
  static constexpr auto value = std::make_tuple(std::pair{"name", &user::name},
                                                std::pair{"age", &user::age});
};

/// An Elixir struct: `%Phoenix.Socket.Broadcast{topic: ..., event: ...,
/// payload: ...}` as Phoenix Channels broadcast it.
struct socket_broadcast {
  std::string topic;
  std::string event;
  cafe::etf::term payload;
  friend bool operator==(const socket_broadcast&, const socket_broadcast&)
    = default;
};

template <>
struct cafe::actor::term_fields<socket_broadcast> {
  static constexpr const char* struct_name = "Elixir.Phoenix.Socket.Broadcast";
  static constexpr auto value
    = std::make_tuple(std::pair{"topic", &socket_broadcast::topic},
                      std::pair{"event", &socket_broadcast::event},
                      std::pair{"payload", &socket_broadcast::payload});
};

namespace {

// -- helpers ------------------------------------------------------------------

etf::term atom(std::string_view text) {
  return etf::term{etf::atom{text}};
}

etf::term bin(std::string_view text) {
  return etf::term{etf::binary{text}};
}

template <class T>
void expect_round_trip(const T& x, const etf::term& expected) {
  EXPECT_EQ(to_term(x), expected);
  auto y = from_term<T>(expected);
  ASSERT_TRUE(y.has_value()) << etf::to_string(expected);
  EXPECT_TRUE(*y == x) << etf::to_string(expected);
}

/// Stands in for the process behind a pid. A class, not a function: CAF
/// 0.17.6 spawns an argument-less function through a null shared_ptr
/// (init_fun_factory.hpp), which UBSan rejects.
class idle_actor : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    return {[](int32_t) {
      // nop
    }};
  }
};

/// Pids <-> actors without a node: each pid gets an idle actor of its own,
/// each actor a pid of its own, and both directions agree.
class fake_context : public term_context {
public:
  explicit fake_context(caf::actor_system& sys) : sys_(sys) {
    // nop
  }

  ~fake_context() override {
    for (auto& [pid, hdl] : actors_)
      caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
  }

  caf::actor actor_of(const etf::pid& x) override {
    for (auto& [pid, hdl] : actors_)
      if (pid == x)
        return hdl;
    auto hdl = sys_.spawn<idle_actor>();
    actors_.emplace_back(x, hdl);
    return hdl;
  }

  etf::pid pid_of(const caf::strong_actor_ptr& x) override {
    for (auto& [pid, hdl] : actors_)
      if (caf::actor_cast<caf::strong_actor_ptr>(hdl) == x)
        return pid;
    etf::pid result{etf::atom{"cafe@test"}, next_id_++, 0, 1};
    actors_.emplace_back(result, caf::actor_cast<caf::actor>(x));
    return result;
  }

  size_t size() const noexcept {
    return actors_.size();
  }

private:
  caf::actor_system& sys_;
  std::vector<std::pair<etf::pid, caf::actor>> actors_;
  uint32_t next_id_ = 100;
};

caf::actor_system_config& small_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", size_t{1});
  return cfg;
}

class registry_test : public ::testing::Test {
protected:
  registry_test() : sys(small_config(cfg)), ctx(sys) {
    // nop
  }

  etf::pid make_pid(uint32_t id) {
    return etf::pid{etf::atom{"erl@vm"}, id, 0, 3};
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  fake_context ctx;
  type_registry types;
};

} // namespace

// -- scalars ------------------------------------------------------------------

TEST(convert, bool_is_an_atom) {
  expect_round_trip(true, atom("true"));
  expect_round_trip(false, atom("false"));
  EXPECT_EQ(from_term<bool>(etf::term{1}), std::nullopt);
  EXPECT_EQ(from_term<bool>(atom("yes")), std::nullopt);
}

template <class T>
class convert_integer : public ::testing::Test {};

using integer_types
  = ::testing::Types<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                     uint32_t, uint64_t, long long, unsigned long long>;

TYPED_TEST_SUITE(convert_integer, integer_types);

TYPED_TEST(convert_integer, limits_round_trip) {
  using limits = std::numeric_limits<TypeParam>;
  for (auto x : {limits::min(), TypeParam{0}, TypeParam{1}, limits::max()}) {
    auto t = to_term(x);
    EXPECT_TRUE(t.is_integer());
    auto y = from_term<TypeParam>(t);
    ASSERT_TRUE(y.has_value()) << etf::to_string(t);
    EXPECT_EQ(*y, x);
  }
}

TYPED_TEST(convert_integer, rejects_values_out_of_range) {
  using limits = std::numeric_limits<TypeParam>;
  if constexpr (sizeof(TypeParam) < 8) {
    EXPECT_EQ(from_term<TypeParam>(etf::term{int64_t{limits::max()} + 1}),
              std::nullopt);
    EXPECT_EQ(from_term<TypeParam>(etf::term{int64_t{limits::min()} - 1}),
              std::nullopt);
  } else if constexpr (std::is_signed_v<TypeParam>) {
    EXPECT_EQ(from_term<TypeParam>(etf::term::from_uint64(
                uint64_t{std::numeric_limits<int64_t>::max()} + 1)),
              std::nullopt);
  } else {
    EXPECT_EQ(from_term<TypeParam>(etf::term{-1}), std::nullopt);
    etf::big_integer too_big{false, {0, 0, 0, 0, 0, 0, 0, 0, 1}}; // 2^64
    EXPECT_EQ(from_term<TypeParam>(etf::term{too_big}), std::nullopt);
    etf::big_integer negative{true, {1, 0, 0, 0, 0, 0, 0, 0x80}}; // -2^63-1
    EXPECT_EQ(from_term<TypeParam>(etf::term{negative}), std::nullopt);
  }
  EXPECT_EQ(from_term<TypeParam>(etf::term{1.0}), std::nullopt);
  EXPECT_EQ(from_term<TypeParam>(atom("one")), std::nullopt);
  EXPECT_EQ(from_term<TypeParam>(bin("1")), std::nullopt);
}

TEST(convert, integer_range_examples) {
  EXPECT_EQ(from_term<int8_t>(etf::term{300}), std::nullopt);
  EXPECT_EQ(from_term<int8_t>(etf::term{-128}), int8_t{-128});
  EXPECT_EQ(from_term<uint8_t>(etf::term{255}), uint8_t{255});
  EXPECT_EQ(from_term<uint8_t>(etf::term{-1}), std::nullopt);
  EXPECT_EQ(from_term<uint32_t>(etf::term{int64_t{1} << 32}), std::nullopt);
  EXPECT_EQ(from_term<int32_t>(etf::term{int64_t{1} << 31}), std::nullopt);
}

TEST(convert, uint64_max_is_a_big_integer) {
  auto t = to_term(std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(t.is<etf::big_integer>());
  EXPECT_EQ(t.get<etf::big_integer>().to_string(), "18446744073709551615");
  EXPECT_EQ(from_term<uint64_t>(t), std::numeric_limits<uint64_t>::max());
  // INT64_MAX + 1 is the smallest big integer.
  auto u = to_term(uint64_t{1} << 63);
  ASSERT_TRUE(u.is<etf::big_integer>());
  EXPECT_EQ(from_term<uint64_t>(u), uint64_t{1} << 63);
  // Below it, an ordinary integer.
  EXPECT_EQ(to_term(uint64_t{42}), etf::term{42});
  // No other type accepts a big integer.
  EXPECT_EQ(from_term<int64_t>(t), std::nullopt);
  EXPECT_EQ(from_term<uint32_t>(t), std::nullopt);
  EXPECT_EQ(from_term<double>(t), std::nullopt);
}

TEST(convert, double_and_integer_accepted_as_double) {
  expect_round_trip(1.5, etf::term{1.5});
  expect_round_trip(-0.25f, etf::term{-0.25});
  EXPECT_TRUE(to_term(2.0).is<double>());
  EXPECT_EQ(from_term<double>(etf::term{3}), 3.0);
  EXPECT_EQ(from_term<float>(etf::term{-7}), -7.0f);
  EXPECT_EQ(from_term<double>(atom("pi")), std::nullopt);
  // A float holds what a double holds only within its range.
  EXPECT_EQ(from_term<float>(etf::term{1e300}), std::nullopt);
  EXPECT_EQ(from_term<float>(etf::term{-1e300}), std::nullopt);
  EXPECT_EQ(from_term<float>(etf::term{1e30}), 1e30f);
  EXPECT_EQ(from_term<double>(etf::term{1e300}), 1e300);
  EXPECT_EQ(from_term<double>(bin("1.0")), std::nullopt);
}

TEST(convert, string_is_a_binary) {
  expect_round_trip("hello"s, bin("hello"));
  expect_round_trip(""s, bin(""));
  // Any bytes, not only text.
  std::string raw{"\0\xff\x80z", 4};
  expect_round_trip(raw, etf::term{etf::binary{raw}});
  EXPECT_TRUE(to_term("x"s).is<etf::binary>());
}

TEST(convert, charlist_accepted_as_string) {
  EXPECT_EQ(from_term<std::string>(etf::make_charlist("abc")), "abc"s);
  EXPECT_EQ(from_term<std::string>(etf::term{}), ""s); // "" is []
  // Code points, as Erlang's "é€😀" is, become UTF-8.
  EXPECT_EQ(from_term<std::string>(etf::make_list(72, 105, 255)),
            "Hi\xc3\xbf"s);
  EXPECT_EQ(from_term<std::string>(etf::make_list(0xe9, 0x20ac, 0x1f600)),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"s);
  EXPECT_EQ(from_term<std::string>(etf::make_list(72, 0x110000)), std::nullopt);
  EXPECT_EQ(from_term<std::string>(etf::make_list(72, 0xd800)), std::nullopt);
  EXPECT_EQ(from_term<std::string>(etf::make_list(72, -1)), std::nullopt);
  EXPECT_EQ(from_term<std::string>(etf::make_list(72, atom("a"))),
            std::nullopt);
  etf::list improper{{etf::term{72}}, etf::term{105}};
  EXPECT_EQ(from_term<std::string>(etf::term{improper}), std::nullopt);
  EXPECT_EQ(from_term<std::string>(atom("abc")), std::nullopt);
  EXPECT_EQ(from_term<std::string>(etf::term{1}), std::nullopt);
}

TEST(convert, caf_atoms_are_erlang_atoms) {
  expect_round_trip(caf::atom("ok"), atom("ok"));
  expect_round_trip(caf::atom("abcdefghij"), atom("abcdefghij")); // 10 chars
  expect_round_trip(caf::atom("Foo_Bar9"), atom("Foo_Bar9"));
  EXPECT_EQ(to_term(chat_atom::value), atom("chat"));
  EXPECT_TRUE(from_term<chat_atom>(atom("chat")).has_value());
  EXPECT_FALSE(from_term<chat_atom>(atom("chit")).has_value());
  EXPECT_FALSE(from_term<chat_atom>(bin("chat")).has_value());
  EXPECT_EQ(from_term<caf::atom_value>(bin("ok")), std::nullopt);
}

TEST(convert, erlang_atoms_caf_cannot_hold_stay_etf_atoms) {
  for (auto text :
       {"a@vm", "Elixir.Foo", "abcdefghijk", "a:b", "a-b", "caf\xc3\xa9", ""}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(to_caf_atom(etf::atom{text}), std::nullopt);
    EXPECT_EQ(from_term<caf::atom_value>(atom(text)), std::nullopt);
    expect_round_trip(etf::atom{text}, atom(text));
  }
  EXPECT_EQ(to_caf_atom(etf::atom{"abcdefghij"}), caf::atom("abcdefghij"));
  EXPECT_EQ(to_erlang_atom(caf::atom("nodeup")), etf::atom{"nodeup"});
}

// -- containers ---------------------------------------------------------------

TEST(convert, optional_is_undefined_or_the_value) {
  expect_round_trip(std::optional<int32_t>{}, atom("undefined"));
  expect_round_trip(std::optional<int32_t>{5}, etf::term{5});
  expect_round_trip(std::optional<std::string>{"x"}, bin("x"));
  auto from_nil = from_term<std::optional<int32_t>>(atom("nil"));
  ASSERT_TRUE(from_nil.has_value());
  EXPECT_FALSE(from_nil->has_value());
  // The wrong type is no value at all, not "none".
  EXPECT_EQ(from_term<std::optional<int32_t>>(bin("5")), std::nullopt);
  EXPECT_EQ(from_term<std::optional<int32_t>>(atom("none")), std::nullopt);
}

TEST(convert, vector_is_a_proper_list) {
  expect_round_trip(std::vector<int32_t>{1, 2, 3}, etf::make_list(1, 2, 3));
  expect_round_trip(std::vector<int32_t>{}, etf::term{});
  expect_round_trip(std::vector<std::string>{"a", "b"},
                    etf::make_list(bin("a"), bin("b")));
  expect_round_trip(std::vector<bool>{true, false},
                    etf::make_list(atom("true"), atom("false")));
  expect_round_trip(std::vector<std::vector<int64_t>>{{1}, {}},
                    etf::make_list(etf::make_list(1), etf::term{}));
  // A charlist is a list of integers.
  EXPECT_EQ(from_term<std::vector<int32_t>>(etf::make_charlist("ab")),
            (std::vector<int32_t>{97, 98}));
  etf::list improper{{etf::term{1}}, etf::term{2}};
  EXPECT_EQ(from_term<std::vector<int32_t>>(etf::term{improper}), std::nullopt);
  EXPECT_EQ(from_term<std::vector<int32_t>>(etf::make_list(1, atom("a"))),
            std::nullopt);
  EXPECT_EQ(from_term<std::vector<int32_t>>(etf::make_tuple(1, 2)),
            std::nullopt);
}

TEST(convert, map_is_a_map) {
  std::map<std::string, int32_t> xs{{"a", 1}, {"b", 2}};
  expect_round_trip(
    xs, etf::make_map({{bin("a"), etf::term{1}}, {bin("b"), etf::term{2}}}));
  expect_round_trip(std::map<std::string, int32_t>{}, etf::term{etf::map{}});
  std::map<caf::atom_value, std::vector<int32_t>> ys{{caf::atom("x"), {1}},
                                                     {caf::atom("y"), {}}};
  expect_round_trip(ys, etf::make_map({{atom("x"), etf::make_list(1)},
                                       {atom("y"), etf::term{}}}));
  EXPECT_EQ((from_term<std::map<std::string, int32_t>>(
              etf::make_map({{bin("a"), atom("one")}}))),
            std::nullopt);
  EXPECT_EQ((from_term<std::map<std::string, int32_t>>(
              etf::make_map({{atom("a"), etf::term{1}}}))),
            std::nullopt);
  EXPECT_EQ((from_term<std::map<std::string, int32_t>>(etf::term{})),
            std::nullopt);
}

TEST(convert, unordered_map_is_a_map) {
  std::unordered_map<std::string, int64_t> xs{{"a", 1}, {"b", -2}};
  expect_round_trip(
    xs, etf::make_map({{bin("b"), etf::term{-2}}, {bin("a"), etf::term{1}}}));
  EXPECT_EQ(
    (from_term<std::unordered_map<std::string, int64_t>>(etf::make_list(1))),
    std::nullopt);
}

TEST(convert, tuple_is_a_tuple_of_the_same_arity) {
  std::tuple<int32_t, std::string, bool> x{1, "a", true};
  expect_round_trip(x, etf::make_tuple(1, bin("a"), atom("true")));
  expect_round_trip(std::tuple<>{}, etf::term{etf::tuple{}});
  using t3 = std::tuple<int32_t, std::string, bool>;
  EXPECT_EQ(from_term<t3>(etf::make_tuple(1, bin("a"))), std::nullopt);
  EXPECT_EQ(from_term<t3>(etf::make_tuple(1, bin("a"), atom("true"), 2)),
            std::nullopt);
  EXPECT_EQ(from_term<t3>(etf::make_tuple(1, bin("a"), 2)), std::nullopt);
  EXPECT_EQ(from_term<t3>(etf::make_list(1, bin("a"), atom("true"))),
            std::nullopt);
}

TEST(convert, pair_is_a_two_tuple) {
  expect_round_trip(std::pair<std::string, int32_t>{"k", 7},
                    etf::make_tuple(bin("k"), 7));
  using p = std::pair<std::string, int32_t>;
  EXPECT_EQ(from_term<p>(etf::make_tuple(bin("k"), 7, 8)), std::nullopt);
  EXPECT_EQ(from_term<p>(etf::make_tuple(bin("k"))), std::nullopt);
  EXPECT_EQ(from_term<p>(etf::make_tuple(7, bin("k"))), std::nullopt);
}

// -- structs ------------------------------------------------------------------

TEST(convert, inspect_struct_is_a_record) {
  expect_round_trip(point{1, -2}, etf::make_tuple(atom("point"), 1, -2));
  segment s{{0, 0}, {3, 4}, "diag", 5, {"a"}};
  expect_round_trip(
    s, etf::make_tuple(atom("segment"), etf::make_tuple(atom("point"), 0, 0),
                       etf::make_tuple(atom("point"), 3, 4), bin("diag"), 5,
                       etf::make_list(bin("a"))));
  segment t{{0, 0}, {1, 1}, "", std::nullopt, {}};
  expect_round_trip(
    t, etf::make_tuple(atom("segment"), etf::make_tuple(atom("point"), 0, 0),
                       etf::make_tuple(atom("point"), 1, 1), bin(""),
                       atom("undefined"), etf::term{}));
  // Records nest in containers.
  expect_round_trip(std::vector<point>{{1, 2}},
                    etf::make_list(etf::make_tuple(atom("point"), 1, 2)));
}

TEST(convert, record_with_wrong_tag_or_arity_is_rejected) {
  EXPECT_EQ(from_term<point>(etf::make_tuple(atom("pt"), 1, 2)), std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_tuple(bin("point"), 1, 2)),
            std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_tuple(atom("point"), 1)), std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_tuple(atom("point"), 1, 2, 3)),
            std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_tuple(atom("point"))), std::nullopt);
  EXPECT_EQ(from_term<point>(etf::term{etf::tuple{}}), std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_tuple(atom("point"), 1, 1.5)),
            std::nullopt);
  EXPECT_EQ(
    from_term<point>(etf::make_tuple(atom("point"), 1, int64_t{1} << 40)),
    std::nullopt);
  EXPECT_EQ(from_term<point>(etf::make_list(atom("point"), 1, 2)),
            std::nullopt);
}

TEST(convert, term_fields_struct_is_a_map_with_atom_keys) {
  auto expected
    = etf::make_map({{atom("name"), bin("bob")}, {atom("age"), etf::term{42}}});
  expect_round_trip(user{"bob", 42}, expected);
  // Keys in any order; extra keys (e.g. Elixir's __struct__) are ignored.
  auto elixir = etf::make_map({{atom("__struct__"), atom("Elixir.User")},
                               {atom("age"), etf::term{7}},
                               {atom("name"), bin("al")}});
  EXPECT_EQ(from_term<user>(elixir), (user{"al", 7}));
}

TEST(convert, term_fields_with_a_struct_name_is_an_elixir_struct) {
  auto payload = etf::make_map({{bin("body"), bin("hi")}});
  auto expected = etf::make_map(
    {{atom("__struct__"), atom("Elixir.Phoenix.Socket.Broadcast")},
     {atom("topic"), bin("room:lobby")},
     {atom("event"), bin("new_msg")},
     {atom("payload"), payload}});
  expect_round_trip(socket_broadcast{"room:lobby", "new_msg", payload},
                    expected);
  // Another struct, or a plain map, with the same fields is not this one.
  auto other = etf::make_map({{atom("__struct__"), atom("Elixir.Other")},
                              {atom("topic"), bin("t")},
                              {atom("event"), bin("e")},
                              {atom("payload"), payload}});
  EXPECT_EQ(from_term<socket_broadcast>(other), std::nullopt);
  auto plain = etf::make_map({{atom("topic"), bin("t")},
                              {atom("event"), bin("e")},
                              {atom("payload"), payload}});
  EXPECT_EQ(from_term<socket_broadcast>(plain), std::nullopt);
}

TEST(convert, term_fields_struct_with_missing_or_wrong_key_is_rejected) {
  EXPECT_EQ(from_term<user>(etf::make_map({{atom("name"), bin("bob")}})),
            std::nullopt);
  EXPECT_EQ(from_term<user>(etf::make_map({{atom("age"), etf::term{1}}})),
            std::nullopt);
  // Binary keys are not atom keys.
  EXPECT_EQ(from_term<user>(etf::make_map(
              {{bin("name"), bin("bob")}, {bin("age"), etf::term{42}}})),
            std::nullopt);
  EXPECT_EQ(from_term<user>(etf::make_map(
              {{atom("name"), bin("bob")}, {atom("age"), bin("42")}})),
            std::nullopt);
  EXPECT_EQ(from_term<user>(etf::make_tuple(bin("bob"), 42)), std::nullopt);
}

// -- type_registry: Erlang -> CAF ---------------------------------------------

TEST_F(registry_test, chat_tuple_becomes_atom_and_strings) {
  auto x = etf::make_tuple(atom("chat"), bin("lobby"), bin("bob"), bin("hi"));
  auto msg = types.to_message(x, ctx);
  ASSERT_TRUE((msg.match_elements<caf::atom_value, std::string, std::string,
                                  std::string>()))
    << caf::to_string(msg);
  EXPECT_TRUE(
    (msg.match_elements<chat_atom, std::string, std::string, std::string>()));
  EXPECT_EQ(msg.get_as<caf::atom_value>(0), caf::atom("chat"));
  EXPECT_EQ(msg.get_as<std::string>(1), "lobby");
  EXPECT_EQ(msg.get_as<std::string>(2), "bob");
  EXPECT_EQ(msg.get_as<std::string>(3), "hi");
}

TEST_F(registry_test, default_mapping_of_each_kind) {
  auto big = etf::term::from_uint64(std::numeric_limits<uint64_t>::max());
  auto x = etf::make_tuple(atom("true"), atom("ok"), atom("a@vm"), 42, 1.5,
                           bin("b"), etf::make_list(1, 2), etf::make_map({}),
                           big, etf::make_tuple(1, 2), etf::term{});
  auto msg = types.to_message(x, ctx);
  ASSERT_TRUE((msg.match_elements<bool, caf::atom_value, etf::atom, int64_t,
                                  double, std::string, etf::term, etf::term,
                                  etf::term, etf::term, etf::term>()))
    << caf::to_string(msg);
  EXPECT_TRUE(msg.get_as<bool>(0));
  EXPECT_EQ(msg.get_as<caf::atom_value>(1), caf::atom("ok"));
  EXPECT_EQ(msg.get_as<etf::atom>(2), etf::atom{"a@vm"});
  EXPECT_EQ(msg.get_as<int64_t>(3), 42);
  EXPECT_EQ(msg.get_as<double>(4), 1.5);
  EXPECT_EQ(msg.get_as<std::string>(5), "b");
  EXPECT_EQ(msg.get_as<etf::term>(6), etf::make_list(1, 2));
  EXPECT_EQ(msg.get_as<etf::term>(8), big);
  EXPECT_EQ(msg.get_as<etf::term>(9), etf::make_tuple(1, 2));
}

TEST_F(registry_test, non_tuple_is_a_message_of_one_element) {
  auto a = types.to_message(atom("ping"), ctx);
  ASSERT_TRUE(a.match_elements<caf::atom_value>());
  EXPECT_EQ(a.get_as<caf::atom_value>(0), caf::atom("ping"));
  auto b = types.to_message(bin("text"), ctx);
  ASSERT_TRUE(b.match_elements<std::string>());
  EXPECT_EQ(b.get_as<std::string>(0), "text");
  auto c = types.to_message(etf::make_list(1), ctx);
  ASSERT_TRUE(c.match_elements<etf::term>());
  EXPECT_EQ(c.get_as<etf::term>(0), etf::make_list(1));
  // {} has no elements to spread: it stays one term.
  auto d = types.to_message(etf::term{etf::tuple{}}, ctx);
  ASSERT_TRUE(d.match_elements<etf::term>());
  EXPECT_EQ(d.get_as<etf::term>(0), etf::term{etf::tuple{}});
}

TEST_F(registry_test, registered_record_arrives_as_its_type) {
  types.add<point>().add<route>();
  auto top = types.to_message(etf::make_tuple(atom("point"), 3, 4), ctx);
  ASSERT_TRUE(top.match_elements<point>()) << caf::to_string(top);
  EXPECT_EQ(top.get_as<point>(0), (point{3, 4}));
  auto nested = types.to_message(
    etf::make_tuple(atom("move"), etf::make_tuple(atom("point"), 5, 6), 7),
    ctx);
  ASSERT_TRUE((nested.match_elements<move_atom, point, int64_t>()))
    << caf::to_string(nested);
  EXPECT_EQ(nested.get_as<point>(1), (point{5, 6}));
  auto r = types.to_message(
    etf::make_tuple(atom("route"), bin("r1"),
                    etf::make_list(etf::make_tuple(atom("point"), 0, 0),
                                   etf::make_tuple(atom("point"), 1, 0))),
    ctx);
  ASSERT_TRUE(r.match_elements<route>()) << caf::to_string(r);
  EXPECT_EQ(r.get_as<route>(0), (route{"r1", {{0, 0}, {1, 0}}}));
}

TEST_F(registry_test, tuple_that_does_not_fit_a_record_stays_plain) {
  types.add<point>();
  // Right tag, wrong field type or arity: elements by the default mapping.
  auto a = types.to_message(etf::make_tuple(atom("point"), 1, bin("x")), ctx);
  EXPECT_TRUE((a.match_elements<caf::atom_value, int64_t, std::string>()))
    << caf::to_string(a);
  auto b = types.to_message(etf::make_tuple(atom("point"), 1, 2, 3), ctx);
  EXPECT_TRUE((b.match_elements<caf::atom_value, int64_t, int64_t, int64_t>()));
  auto c = types.to_message(
    etf::make_tuple(atom("move"), etf::make_tuple(atom("point"), 1)), ctx);
  EXPECT_TRUE((c.match_elements<caf::atom_value, etf::term>()));
  // Without add<point>(), a point is just a tuple.
  type_registry plain;
  auto d = plain.to_message(etf::make_tuple(atom("point"), 1, 2), ctx);
  EXPECT_TRUE((d.match_elements<caf::atom_value, int64_t, int64_t>()));
}

TEST_F(registry_test, pids_become_distinct_actors_and_back) {
  auto p1 = make_pid(1);
  auto p2 = make_pid(2);
  auto msg = types.to_message(etf::make_tuple(atom("join"), etf::term{p1},
                                              etf::term{p2}, etf::term{p1}),
                              ctx);
  ASSERT_TRUE(
    (msg.match_elements<caf::atom_value, caf::actor, caf::actor, caf::actor>()))
    << caf::to_string(msg);
  auto& a1 = msg.get_as<caf::actor>(1);
  auto& a2 = msg.get_as<caf::actor>(2);
  auto& a3 = msg.get_as<caf::actor>(3);
  EXPECT_TRUE(a1);
  EXPECT_TRUE(a2);
  EXPECT_NE(a1, a2);
  EXPECT_EQ(a1, a3);
  EXPECT_EQ(ctx.size(), 2u);
  auto back = types.to_term(msg, ctx);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, etf::make_tuple(atom("join"), etf::term{p1}, etf::term{p2},
                                   etf::term{p1}));
  // A lone pid is a message of one actor.
  auto lone = types.to_message(etf::term{p2}, ctx);
  ASSERT_TRUE(lone.match_elements<caf::actor>());
  EXPECT_EQ(lone.get_as<caf::actor>(0), a2);
}

TEST_F(registry_test, local_actors_get_pids) {
  auto hdl = ctx.actor_of(make_pid(9));
  auto other = sys.spawn<idle_actor>();
  auto x = types.to_term(caf::make_message(hdl, other), ctx);
  ASSERT_TRUE(x) << x.error();
  auto& t = x->get<etf::tuple>();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0], etf::term{make_pid(9)});
  ASSERT_TRUE(t[1].is<etf::pid>());
  EXPECT_NE(t[1], t[0]);
  // The same actor keeps its pid, as a handle, a pointer or an address.
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(other);
  EXPECT_EQ(types.to_term(caf::make_message(ptr), ctx).value(), t[1]);
  EXPECT_EQ(types.to_term(caf::make_message(other.address()), ctx).value(),
            t[1]);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  // Invalid handles have no pid.
  auto invalid = types.to_term(caf::make_message(caf::actor{}), ctx);
  ASSERT_FALSE(invalid);
  EXPECT_FALSE(invalid.error().empty());
}

// -- type_registry: CAF -> Erlang ---------------------------------------------

TEST_F(registry_test, type_with_inspect_and_own_converter_is_no_record) {
  // uuid has an `inspect` (to be a message type) but maps to a binary.
  types.add<uuid>();
  std::string raw(16, '\x01');
  EXPECT_EQ(types.to_term(caf::make_message(uuid{raw}), ctx).value(),
            etf::term{etf::binary{raw}});
  auto msg = types.to_message(etf::term{etf::binary{raw}}, ctx);
  EXPECT_TRUE(msg.match_elements<std::string>());
}

TEST_F(registry_test, one_element_is_the_element_several_a_tuple) {
  EXPECT_EQ(types.to_term(caf::make_message(caf::atom("ping")), ctx).value(),
            atom("ping"));
  EXPECT_EQ(types.to_term(caf::make_message("hi"s), ctx).value(), bin("hi"));
  EXPECT_EQ(types.to_term(caf::make_message(int32_t{7}), ctx).value(),
            etf::term{7});
  auto chat = caf::make_message(chat_atom::value, "lobby"s, "bob"s, "hi"s);
  EXPECT_EQ(types.to_term(chat, ctx).value(),
            etf::make_tuple(atom("chat"), bin("lobby"), bin("bob"), bin("hi")));
  auto mixed = caf::make_message(true, int8_t{-1}, uint16_t{2}, uint64_t{3},
                                 2.5, 1.5f, etf::atom{"a@vm"});
  EXPECT_EQ(types.to_term(mixed, ctx).value(),
            etf::make_tuple(atom("true"), -1, 2, 3, 2.5, 1.5, atom("a@vm")));
  EXPECT_FALSE(types.to_term(caf::message{}, ctx));
}

TEST_F(registry_test, element_by_index) {
  auto msg = caf::make_message(caf::atom("a"), "b"s);
  EXPECT_EQ(types.to_term(msg, 0, ctx).value(), atom("a"));
  EXPECT_EQ(types.to_term(msg, 1, ctx).value(), bin("b"));
}

TEST_F(registry_test, built_in_containers_and_registered_types) {
  auto lists = caf::make_message(std::vector<std::string>{"a"},
                                 std::vector<int64_t>{1, 2},
                                 std::map<std::string, std::string>{{"k", "v"}},
                                 std::map<std::string, int64_t>{{"n", 1}});
  EXPECT_EQ(types.to_term(lists, ctx).value(),
            etf::make_tuple(etf::make_list(bin("a")), etf::make_list(1, 2),
                            etf::make_map({{bin("k"), bin("v")}}),
                            etf::make_map({{bin("n"), etf::term{1}}})));
  types.add<point>().add<user>();
  auto mine = caf::make_message(point{1, 2}, user{"al", 3});
  EXPECT_EQ(types.to_term(mine, ctx).value(),
            etf::make_tuple(etf::make_tuple(atom("point"), 1, 2),
                            etf::make_map({{atom("name"), bin("al")},
                                           {atom("age"), etf::term{3}}})));
}

TEST_F(registry_test, terms_round_trip_through_messages) {
  types.add<point>();
  auto big = etf::term::from_uint64(std::numeric_limits<uint64_t>::max());
  for (auto& x :
       {etf::make_tuple(atom("chat"), bin("lobby"), bin("bob"), bin("hi")),
        etf::make_tuple(atom("Elixir.Chat"), etf::term{make_pid(4)}, big),
        etf::make_tuple(atom("move"), etf::make_tuple(atom("point"), 1, 2)),
        etf::make_tuple(atom("point"), 1, 2), atom("false"), etf::term{1.25},
        etf::make_map({{atom("a"), etf::make_list(1, 2)}}), etf::term{}}) {
    SCOPED_TRACE(etf::to_string(x));
    auto back = types.to_term(types.to_message(x, ctx), ctx);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, x);
  }
}

TEST_F(registry_test, unregistered_type_is_an_error_with_a_reason) {
  auto x = types.to_term(caf::make_message(unmapped{5}), ctx);
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().find("no Erlang mapping"), std::string::npos)
    << x.error();
  EXPECT_NE(x.error().find("unmapped"), std::string::npos) << x.error();
  // In a tuple too: the whole message has no term.
  auto y = types.to_term(caf::make_message(caf::atom("ok"), unmapped{5}), ctx);
  ASSERT_FALSE(y);
  EXPECT_FALSE(y.error().empty());
  // Registering it gives it one.
  types.add<unmapped>();
  EXPECT_EQ(types.to_term(caf::make_message(unmapped{5}), ctx).value(),
            etf::make_tuple(atom("unmapped"), 5));
}

TEST_F(registry_test, error_element_is_an_exit_term) {
  auto shutdown = caf::make_error(caf::exit_reason::user_shutdown);
  EXPECT_EQ(types.to_term(caf::make_message(shutdown), ctx).value(),
            atom("shutdown"));
  auto timeout = caf::make_error(caf::sec::request_timeout);
  EXPECT_EQ(
    types.to_term(caf::make_message(caf::atom("error"), timeout), ctx).value(),
    etf::make_tuple(atom("error"),
                    etf::make_tuple(atom("system"), atom("request_timeout"))));
  auto reason = etf::make_tuple(atom("badarg"), etf::make_list(1));
  EXPECT_EQ(types.to_term(caf::make_message(to_error(reason)), ctx).value(),
            reason);
  EXPECT_EQ(types.to_term(caf::make_message(caf::error{}), ctx).value(),
            atom("normal"));
}

// -- exit reasons -------------------------------------------------------------

TEST(exit_reasons, normal) {
  EXPECT_FALSE(to_error(atom("normal")));
  EXPECT_FALSE(to_error(atom("normal"), true));
  EXPECT_EQ(to_exit_term(caf::error{}), atom("normal"));
  EXPECT_EQ(to_exit_term(caf::make_error(caf::exit_reason::normal)),
            atom("normal"));
  EXPECT_EQ(to_exit_term(caf::error{}, true), atom("normal"));
}

TEST(exit_reasons, shutdown) {
  auto err = to_error(atom("shutdown"));
  EXPECT_EQ(err, caf::make_error(caf::exit_reason::user_shutdown));
  EXPECT_EQ(to_error(atom("shutdown"), true), err);
  EXPECT_EQ(to_exit_term(caf::make_error(caf::exit_reason::user_shutdown)),
            atom("shutdown"));
  EXPECT_EQ(to_exit_term(caf::make_error(caf::exit_reason::user_shutdown),
                         true),
            atom("shutdown"));
}

TEST(exit_reasons, kill_sent_by_exit_2_is_untrappable) {
  auto err = to_error(atom("kill"), false);
  EXPECT_EQ(err, caf::make_error(caf::exit_reason::kill));
  EXPECT_EQ(erlang_term_of(err), nullptr);
  // As a signal to send, CAF's kill is Erlang's kill.
  EXPECT_EQ(to_exit_term(caf::make_error(caf::exit_reason::kill), true),
            atom("kill"));
}

TEST(exit_reasons, kill_through_a_link_is_an_ordinary_reason) {
  auto err = to_error(atom("kill"), true);
  EXPECT_NE(err, caf::make_error(caf::exit_reason::kill));
  EXPECT_EQ(err.category(), erlang_category);
  EXPECT_EQ(err.code(), erlang_exit);
  ASSERT_NE(erlang_term_of(err), nullptr);
  EXPECT_EQ(*erlang_term_of(err), atom("kill"));
  EXPECT_EQ(to_exit_term(err), atom("kill"));
  EXPECT_EQ(to_exit_term(err, true), atom("kill"));
}

TEST(exit_reasons, killed_is_the_reason_of_a_killed_actor) {
  EXPECT_EQ(to_exit_term(caf::make_error(caf::exit_reason::kill)),
            atom("killed"));
  // `killed` from Erlang is an ordinary reason and comes back unchanged.
  auto err = to_error(atom("killed"));
  EXPECT_NE(err, caf::make_error(caf::exit_reason::kill));
  EXPECT_EQ(to_exit_term(err), atom("killed"));
  EXPECT_EQ(to_exit_term(err, true), atom("killed"));
}

TEST(exit_reasons, any_other_term_round_trips) {
  for (auto& x :
       {etf::make_tuple(atom("shutdown"), atom("x")),
        etf::make_tuple(atom("shutdown"), bin("because")), atom("noproc"),
        atom("a@vm"), etf::term{42}, bin("oops"),
        etf::make_tuple(atom("badarg"), etf::make_list(etf::make_tuple(
                                          atom("m"), atom("f"), 1)))}) {
    SCOPED_TRACE(etf::to_string(x));
    for (bool linked : {false, true}) {
      auto err = to_error(x, linked);
      ASSERT_TRUE(err);
      EXPECT_EQ(err.category(), erlang_category);
      ASSERT_NE(erlang_term_of(err), nullptr);
      EXPECT_EQ(*erlang_term_of(err), x);
      EXPECT_EQ(to_exit_term(err), x);
      EXPECT_EQ(to_exit_term(err, true), x);
      // Copies carry the term too.
      caf::error copy = err;
      EXPECT_EQ(to_exit_term(copy), x);
    }
  }
}

TEST(exit_reasons, other_caf_errors_are_category_and_code) {
  EXPECT_EQ(to_exit_term(caf::make_error(caf::sec::request_timeout)),
            etf::make_tuple(atom("system"), atom("request_timeout")));
  EXPECT_EQ(to_exit_term(caf::make_error(caf::sec::unexpected_message)),
            etf::make_tuple(atom("system"), atom("unexpected_message")));
  EXPECT_EQ(to_exit_term(caf::make_error(caf::pec::unexpected_eof)),
            etf::make_tuple(atom("parser"), etf::term{static_cast<int64_t>(
                                              caf::pec::unexpected_eof)}));
  EXPECT_EQ(to_exit_term(caf::error{3, caf::atom("mine")}),
            etf::make_tuple(atom("mine"), 3));
  // Exit reasons Erlang has no name for keep CAF's name.
  EXPECT_EQ(
    to_exit_term(caf::make_error(caf::exit_reason::unhandled_exception)),
    atom("unhandled_exception"));
  // An erlang-category error without a term is just category and code.
  EXPECT_EQ(to_exit_term(caf::error{erlang_exit, erlang_category}),
            etf::make_tuple(atom("erlang"), 1));
  EXPECT_EQ(erlang_term_of(caf::make_error(caf::sec::request_timeout)),
            nullptr);
}
