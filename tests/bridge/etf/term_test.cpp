#include "cafe/etf/compare.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/term.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace cafe::etf;

TEST(term, default_is_nil) {
  term x;
  EXPECT_TRUE(x.is_nil());
  EXPECT_EQ(x.kind(), kind::list);
  EXPECT_EQ(to_string(x), "[]");
}

TEST(term, integers_have_one_representation) {
  big_integer small;
  small.magnitude = {0x2A, 0, 0}; // 42 with high zero bytes
  EXPECT_EQ(term{small}, term{42});
  EXPECT_TRUE(term{small}.is<int64_t>());
  auto big = term::from_uint64(UINT64_MAX);
  ASSERT_TRUE(big.is<big_integer>());
  EXPECT_EQ(big.get<big_integer>().to_string(), "18446744073709551615");
  EXPECT_EQ(to_string(term{INT64_MIN}), "-9223372036854775808");
}

TEST(term, exact_equality_distinguishes_int_and_float) {
  EXPECT_NE(term{1}, term{1.0});
  EXPECT_EQ(term{true}, term{atom{"true"}});
}

TEST(term, improper_list_tail_is_normalized) {
  // [1 | [2 | x]] is [1, 2 | x]; [1 | []] is [1].
  list inner{{term{2}}, term{"x"_atom}};
  list outer{{term{1}}, term{inner}};
  EXPECT_EQ(outer.size(), 2u);
  ASSERT_FALSE(outer.proper());
  EXPECT_EQ(*outer.tail, term{"x"_atom});
  list proper{{term{1}}, term{}};
  EXPECT_TRUE(proper.proper());
  EXPECT_EQ(to_string(term{outer}), "[1,2|x]");
}

TEST(term, map_equality_ignores_order) {
  map a{{{term{"a"_atom}, term{1}}, {term{"b"_atom}, term{2}}}};
  map b{{{term{"b"_atom}, term{2}}, {term{"a"_atom}, term{1}}}};
  EXPECT_EQ(term{a}, term{b});
  std::vector<std::pair<term, term>> big_a, big_b;
  for (int i = 0; i < 40; ++i) {
    big_a.emplace_back(term{i}, term{i * 2});
    big_b.emplace_back(term{39 - i}, term{(39 - i) * 2});
  }
  EXPECT_EQ(term{map{big_a}}, term{map{big_b}});
  big_b[0].second = term{-1};
  EXPECT_NE(term{map{big_a}}, term{map{big_b}});
}

TEST(term, make_map_sorts_small_maps_in_key_order) {
  // The BEAM keeps small maps sorted, integers before floats.
  auto m = make_map({{term{1.0}, term{"a"_atom}}, {term{2}, term{"b"_atom}}});
  EXPECT_EQ(to_string(m), "#{2 => b,1.0 => a}");
}

TEST(term, atoms_are_interned_and_validated) {
  EXPECT_EQ(atom{"hello"}, "hello"_atom);
  EXPECT_EQ(atom{"hello"}.id(), "hello"_atom.id());
  EXPECT_FALSE(atom::make(std::string(256, 'a')));
  EXPECT_TRUE(atom::make(std::string(255, 'a')));
  EXPECT_FALSE(atom::make("\xC3")); // truncated UTF-8
  EXPECT_FALSE(atom::make("\xED\xA0\x80")); // surrogate
  auto latin = atom::make_latin1("h\xE9llo");
  ASSERT_TRUE(latin);
  EXPECT_EQ(latin->text(), "h\xC3\xA9llo");
  EXPECT_THROW(atom{"\xFF"}, std::invalid_argument);
}

TEST(term, atom_table_limit_is_enforced) {
  auto old = atom::table_limit();
  atom::table_limit(atom::table_size());
  auto res = atom::make("an_atom_nobody_made_before_4711");
  atom::table_limit(old);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), errc::atom_table_full);
}

TEST(term, match_binds_and_compares) {
  auto msg = make_tuple("chat"_atom, "bob"_bin, "hi"_bin);
  std::string user, text;
  EXPECT_TRUE(match(msg, "chat"_atom, &user, &text));
  EXPECT_EQ(user, "bob");
  EXPECT_EQ(text, "hi");
  EXPECT_FALSE(match(msg, "join"_atom, _, _));
  EXPECT_FALSE(match(msg, "chat"_atom, _));
  int n = 0;
  EXPECT_FALSE(match(msg, "chat"_atom, &n, _)); // a binary is no int
  EXPECT_TRUE(match(make_tuple("n"_atom, 7), "n"_atom, &n));
  EXPECT_EQ(n, 7);
  uint8_t small = 0;
  EXPECT_FALSE(match(make_tuple(300), &small));
  std::vector<int> xs;
  EXPECT_TRUE(match(make_tuple(make_list(1, 2, 3)), &xs));
  EXPECT_EQ(xs, (std::vector<int>{1, 2, 3}));
  std::string charlist;
  EXPECT_TRUE(match(make_tuple(make_charlist("abc")), &charlist));
  EXPECT_EQ(charlist, "abc");
}

TEST(term, prints_erlang_syntax) {
  EXPECT_EQ(to_string(make_tuple("ok"_atom, 1, 2.5, "x"_bin)),
            "{ok,1,2.5,<<\"x\">>}");
  EXPECT_EQ(to_string(term{atom{"Hello world"}}), "'Hello world'");
  EXPECT_EQ(to_string(term{atom{"end"}}), "'end'");
  EXPECT_EQ(to_string(term{atom{"it's"}}), "'it\\'s'");
  EXPECT_EQ(to_string(make_charlist("hi\n")), "\"hi\\n\"");
  EXPECT_EQ(to_string(make_list(1, 300)), "[1,300]");
  EXPECT_EQ(to_string(term{binary{std::string{"\x01\x02", 2}}}), "<<1,2>>");
  EXPECT_EQ(to_string(term{bitstring{"\xFF\xE0", 3}}), "<<255,7:3>>");
  EXPECT_EQ(to_string(term{1.0e100}), "1.0e100");
  EXPECT_EQ(to_string(term{1.0}), "1.0");
  EXPECT_EQ(to_string(make_map({{term{"a"_atom}, term{1}}})), "#{a => 1}");
  EXPECT_EQ(to_string(term{pid{"n@h"_atom, 5, 1, 3}}), "#Pid<n@h.5.1>");
}

TEST(compare, follows_erlang_term_order) {
  // number < atom < reference < fun < port < pid < tuple < map < [] < list
  // < bitstring
  std::vector<term> xs{
    term{"bin"_bin},
    make_list(1),
    term{},
    make_map({}),
    make_tuple(1),
    term{pid{"n@h"_atom, 1, 0, 1}},
    term{port{"n@h"_atom, 1, 1}},
    term{export_fun{"m"_atom, "f"_atom, 1}},
    term{reference{"n@h"_atom, 1, 3, {1, 2, 3, 0, 0}}},
    term{"a"_atom},
    term{1},
  };
  auto sorted = xs;
  std::sort(sorted.begin(), sorted.end(),
            [](auto& a, auto& b) { return compare(a, b) < 0; });
  std::reverse(xs.begin(), xs.end());
  EXPECT_EQ(sorted, xs);
}

TEST(compare, numbers_by_value_and_keys_exactly) {
  EXPECT_TRUE(compare(term{1.0}, term{2}) < 0);
  EXPECT_TRUE(compare_keys(term{1.0}, term{2}) > 0); // integers first as keys
  EXPECT_TRUE(compare(term{1}, term{1.0}) < 0);
  EXPECT_TRUE(compare(term{1.0e15}, term::from_uint64(UINT64_MAX)) < 0);
  EXPECT_TRUE(compare(term{1.0e30}, term::from_uint64(UINT64_MAX)) > 0);
  EXPECT_TRUE(compare(term{1.0e30}, term{INT64_MAX}) > 0);
  big_integer two_pow_100;
  two_pow_100.magnitude.assign(13, 0);
  two_pow_100.magnitude[12] = 0x10;
  EXPECT_TRUE(compare(term{0x1p100}, term{two_pow_100}) > 0); // int first
  EXPECT_TRUE(compare(term{0x1p99}, term{two_pow_100}) < 0);
}

TEST(compare, identifiers_in_otp_order) {
  // Observed on OTP 25: pids by serial, number, node; ports and references
  // by node, creation, then number(s).
  EXPECT_TRUE(
    compare(term{pid{"b@h"_atom, 1, 0, 1}}, term{pid{"a@h"_atom, 9, 9, 9}})
    < 0);
  EXPECT_TRUE(
    compare(term{port{"b@h"_atom, 2, 1}}, term{port{"b@h"_atom, 1, 2}}) < 0);
  EXPECT_TRUE(compare(term{reference{"b@h"_atom, 1, 4, {0, 0, 0, 0, 0}}},
                      term{reference{"b@h"_atom, 1, 3, {1, 2, 3, 0, 0}}})
              < 0);
}

TEST(compare, bitstrings_bitwise_prefix_first) {
  EXPECT_TRUE(compare(term{binary{}}, term{bitstring{std::string(1, '\0'), 1}})
              < 0);
  EXPECT_TRUE(compare(term{bitstring{std::string(1, '\0'), 1}},
                      term{binary{std::string(1, '\0')}})
              < 0);
  EXPECT_TRUE(compare(term{binary{"\x01"}}, term{bitstring{"\x20", 3}}) < 0);
}
