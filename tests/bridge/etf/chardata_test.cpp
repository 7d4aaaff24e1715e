// etf::chardata_to_utf8 reads text as unicode:characters_to_binary/1 does.

#include "cafe/etf/chardata.hpp"
#include "cafe/etf/parse.hpp"

#include <gtest/gtest.h>

using namespace cafe;

namespace {

std::optional<std::string> text_of(std::string_view erlang_term) {
  auto x = etf::parse(erlang_term);
  EXPECT_TRUE(x) << erlang_term;
  return x ? etf::chardata_to_utf8(*x) : std::nullopt;
}

TEST(chardata, reads_binaries_code_points_and_deep_lists) {
  EXPECT_EQ(text_of("<<\"abc\">>"), "abc");
  EXPECT_EQ(text_of("\"abc\""), "abc");
  EXPECT_EQ(text_of("[]"), "");
  EXPECT_EQ(text_of("[97, [<<\"b\">>, [99]], <<>>]"), "abc");
  // Code points become UTF-8: é, €, 😀.
  EXPECT_EQ(text_of("[233, 8364, 128512]"),
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  // An improper tail may be a binary, as io_lib builds them.
  EXPECT_EQ(text_of("[97 | <<\"b\">>]"), "ab");
}

TEST(chardata, refuses_what_is_not_text) {
  EXPECT_EQ(text_of("atom"), std::nullopt);
  EXPECT_EQ(text_of("[97, x]"), std::nullopt);
  EXPECT_EQ(text_of("[-1]"), std::nullopt);
  EXPECT_EQ(text_of("[1114112]"), std::nullopt);
  EXPECT_EQ(text_of("[55296]"), std::nullopt); // a surrogate
  EXPECT_EQ(text_of("[97 | 98]"), std::nullopt);
  EXPECT_EQ(text_of("{<<\"a\">>}"), std::nullopt);
}

TEST(chardata, caps_nesting_a_peer_can_make_it_follow) {
  etf::term deep{etf::binary{"x"}};
  for (int i = 0; i < 1000; ++i)
    deep = etf::term{etf::list{{deep}}};
  EXPECT_EQ(etf::chardata_to_utf8(deep), "x");
  deep = etf::term{etf::list{{deep}}};
  EXPECT_EQ(etf::chardata_to_utf8(deep), std::nullopt);
}

} // namespace
