#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"

#include <gtest/gtest.h>

using namespace cafe::etf;

namespace {

std::string reprint(std::string_view text) {
  auto res = parse(text);
  if (!res)
    return "error: " + res.error().reason + " at "
           + std::to_string(res.error().offset);
  return to_string(*res);
}

} // namespace

TEST(parse, reads_erlang_syntax) {
  EXPECT_EQ(reprint("{chat, <<\"bob\">>, <<\"hi\">>}."),
            "{chat,<<\"bob\">>,<<\"hi\">>}");
  EXPECT_EQ(reprint("[1, -2, 3.5 | tail]"), "[1,-2,3.5|tail]");
  EXPECT_EQ(reprint("[[1] | x]"), "[[1]|x]");
  EXPECT_EQ(reprint("#{b => 1, a => [\"s\"]}"), "#{a => [\"s\"],b => 1}");
  EXPECT_EQ(reprint("'Quoted atom'"), "'Quoted atom'");
  EXPECT_EQ(reprint("<<1, 2, \"ab\">>"), "<<1,2,97,98>>");
  EXPECT_EQ(reprint("123456789012345678901234567890"),
            "123456789012345678901234567890");
  EXPECT_EQ(reprint("[]"), "[]");
  EXPECT_EQ(reprint("{}"), "{}");
  EXPECT_EQ(reprint("#{}"), "#{}");
  EXPECT_EQ(reprint("\"a\\nb\""), "\"a\\nb\"");
}

TEST(parse, big_and_small_integers_are_normalized) {
  auto small = parse("-42");
  ASSERT_TRUE(small);
  EXPECT_EQ(*small, term{-42});
  auto big = parse("18446744073709551616");
  ASSERT_TRUE(big);
  EXPECT_TRUE(big->is<big_integer>());
}

TEST(parse, reports_errors_with_offsets) {
  EXPECT_EQ(reprint("{a, b"), "error: expected ',' or '}' at 5");
  EXPECT_EQ(reprint("{a} x"), "error: unexpected text after the term at 4");
  EXPECT_EQ(reprint("<0.1.2>"), "error: expected '<<' at 0");
  EXPECT_EQ(reprint("#{a => 1, a => 2}"), "error: duplicate map key at 16");
  EXPECT_EQ(reprint("[| x]"), "error: unexpected character '|' at 1");
  EXPECT_EQ(reprint(std::string(1000, '[')), "error: nesting too deep at 513");
}
