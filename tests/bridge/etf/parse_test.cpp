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

// -- quoted text as erl_scan reads it (erl_scan:scan_escape/2) ----------------

namespace {

/// The term `text` parses to; a failure (and a marker atom) if it does not.
term must_parse(std::string_view text) {
  auto res = parse(text);
  if (!res) {
    ADD_FAILURE() << text << ": " << res.error().reason << " at "
                  << res.error().offset;
    return term{atom{"$parse_failed"}};
  }
  return *res;
}

term atom_of(std::string_view text) {
  return term{atom{text}};
}

term bin(std::string_view bytes) {
  return term{binary{bytes}};
}

term bits(std::string_view bytes, uint8_t tail_bits) {
  return term{bitstring{std::string{bytes}, tail_bits}};
}

term chars(std::initializer_list<int64_t> xs) {
  std::vector<term> elements;
  for (auto x : xs)
    elements.emplace_back(x);
  return term{list{std::move(elements)}};
}

} // namespace

TEST(parse, octal_escapes_take_one_to_three_digits) {
  // The brief's bug: '\14' is not 14 but octal 014, and '\016' is 0x0E.
  EXPECT_EQ(must_parse("'\\016'"), atom_of("\x0e"));
  EXPECT_EQ(must_parse("'\\16'"), atom_of("\x0e"));
  EXPECT_EQ(must_parse("'\\14'"), atom_of("\x0c"));
  EXPECT_EQ(must_parse("'\\0'"), atom_of(std::string_view{"\0", 1}));
  EXPECT_EQ(must_parse("'\\1'"), atom_of("\x01"));
  EXPECT_EQ(must_parse("'\\12'"), atom_of("\n"));
  EXPECT_EQ(must_parse("'\\123'"), atom_of("S"));
  // At most three digits; 8 and 9 are not octal.
  EXPECT_EQ(must_parse("'\\1234'"), atom_of("S4"));
  EXPECT_EQ(must_parse("'\\18'"), atom_of("\x01"
                                          "8"));
  EXPECT_EQ(must_parse("'\\8'"), atom_of("8"));
  // Up to \777 (U+01FF) in atoms and strings.
  EXPECT_EQ(must_parse("'\\777'"), atom_of("\xc7\xbf"));
  EXPECT_EQ(must_parse("\"\\101\\102\""), make_charlist("AB"));
  EXPECT_EQ(must_parse("<<\"\\016\\377\">>"), bin("\x0e\xff"));
}

TEST(parse, hex_escapes_take_two_digits_or_braces) {
  EXPECT_EQ(must_parse("'\\x41'"), atom_of("A"));
  EXPECT_EQ(must_parse("'\\x0e'"), atom_of("\x0e"));
  EXPECT_EQ(must_parse("'\\xfF'"), atom_of("\xc3\xbf"));
  EXPECT_EQ(must_parse("'\\x414'"), atom_of("A4"));
  EXPECT_EQ(must_parse("'\\x{41}'"), atom_of("A"));
  EXPECT_EQ(must_parse("'\\x{0000041}'"), atom_of("A"));
  EXPECT_EQ(must_parse("'\\x{3BB}'"), atom_of("\xce\xbb"));
  EXPECT_EQ(must_parse("'\\x{1f600}'"), atom_of("\xf0\x9f\x98\x80"));
  EXPECT_EQ(must_parse("\"\\x{3bb}\""), chars({0x3bb}));
  EXPECT_EQ(reprint("'\\x4'"), "error: \\x needs two hex digits or {...} at 1");
  EXPECT_EQ(reprint("'\\xg0'"),
            "error: \\x needs two hex digits or {...} at 1");
  EXPECT_EQ(reprint("'\\x{}'"),
            "error: \\x{...} needs hex digits and a closing '}' at 1");
  EXPECT_EQ(reprint("'\\x{41'"),
            "error: \\x{...} needs hex digits and a closing '}' at 1");
  EXPECT_EQ(reprint("'\\x{110000}'"),
            "error: \\x{...} is not a Unicode character at 1");
  EXPECT_EQ(reprint("'\\x{d800}'"),
            "error: \\x{...} is not a Unicode character at 1");
  EXPECT_EQ(reprint("'\\x{ffffffffffffffffffff}'"),
            "error: \\x{...} is not a Unicode character at 1");
}

TEST(parse, caret_escapes_are_control_characters) {
  EXPECT_EQ(must_parse("'\\^a'"), atom_of("\x01"));
  EXPECT_EQ(must_parse("'\\^z'"), atom_of("\x1a"));
  EXPECT_EQ(must_parse("'\\^A'"), atom_of("\x01"));
  EXPECT_EQ(must_parse("'\\^@'"), atom_of(std::string_view{"\0", 1}));
  EXPECT_EQ(must_parse("'\\^['"), atom_of("\x1b"));
  EXPECT_EQ(must_parse("'\\^?'"), atom_of("\x1f")); // $? band 31
  EXPECT_EQ(reprint("'\\^"), "error: unterminated quoted text at 3");
}

TEST(parse, letter_escapes_follow_erl_scan_escape_char) {
  EXPECT_EQ(must_parse("\"\\b\\d\\e\\f\\n\\r\\s\\t\\v\""),
            chars({8, 127, 27, 12, 10, 13, 32, 9, 11}));
  EXPECT_EQ(must_parse("'\\n\\t'"), atom_of("\n\t"));
}

TEST(parse, other_escaped_characters_stand_for_themselves) {
  EXPECT_EQ(must_parse("'\\''"), atom_of("'"));
  EXPECT_EQ(must_parse("'\\\"'"), atom_of("\""));
  EXPECT_EQ(must_parse("'\\\\'"), atom_of("\\"));
  EXPECT_EQ(must_parse("\"\\'\\\"\\\\\""), make_charlist("'\"\\"));
  EXPECT_EQ(must_parse("'\\z\\q\\ '"), atom_of("zq "));
  EXPECT_EQ(must_parse("'\\\xc3\xa9'"), atom_of("\xc3\xa9"));
  EXPECT_EQ(must_parse("'a\\\nb'"), atom_of("a\nb"));
  EXPECT_EQ(reprint("'\\"), "error: unterminated quoted text at 2");
}

TEST(parse, quoted_text_is_utf8_and_may_hold_raw_controls) {
  EXPECT_EQ(must_parse("'a\tb\nc\x0e'"), atom_of("a\tb\nc\x0e"));
  EXPECT_EQ(must_parse("'\xce\xbb'"), atom_of("\xce\xbb"));
  EXPECT_EQ(must_parse("\"\xc3\xa9\xce\xbb\""), chars({0xe9, 0x3bb}));
  EXPECT_EQ(must_parse("'\xef\xbf\xbf'"), atom_of("\xef\xbf\xbf"));
  EXPECT_EQ(reprint("'\xff'"), "error: invalid UTF-8 at 1");
  EXPECT_EQ(reprint("'\xc0\x80'"), "error: invalid UTF-8 at 1"); // overlong
  EXPECT_EQ(reprint("'\xed\xa0\x80'"), "error: invalid UTF-8 at 1");
  EXPECT_EQ(reprint("\"\xe9\""), "error: invalid UTF-8 at 1");
}

TEST(parse, bare_atoms_follow_erl_scan) {
  EXPECT_EQ(must_parse("\xc3\xa9t\xc3\xa9"), atom_of("\xc3\xa9t\xc3\xa9"));
  EXPECT_EQ(must_parse("\xc3\x9f"
                       "a"),
            atom_of("\xc3\x9f"
                    "a"));
  EXPECT_EQ(must_parse("a\xc3\x80z@_9"), atom_of("a\xc3\x80z@_9"));
  EXPECT_EQ(must_parse("[a\xc3\xbf]"), make_list(atom_of("a\xc3\xbf")));
  // Uppercase first is a variable; × and ÷ end a name.
  EXPECT_EQ(reprint("\xc3\x89t\xc3\xa9"),
            "error: unexpected character '\xc3\x89' at 0");
  EXPECT_EQ(reprint("a\xc3\xb7"), "error: unexpected text after the term at 1");
  EXPECT_EQ(reprint("{a\xc3\x97}"), "error: expected ',' or '}' at 2");
  EXPECT_EQ(reprint("\xce\xbb"), "error: unexpected character '\xce\xbb' at 0");
  EXPECT_EQ(reprint("\xff"), "error: unexpected character '\xff' at 0");
}

TEST(parse, adjacent_strings_concatenate) {
  EXPECT_EQ(must_parse("\"a\" \"b\""), make_charlist("ab"));
  EXPECT_EQ(must_parse("[\"a\"\n  \"b\", \"c\"]"),
            make_list(make_charlist("ab"), make_charlist("c")));
  EXPECT_EQ(must_parse("<<\"a\" \"b\", 99>>"), bin("abc"));
  EXPECT_EQ(reprint("'a' 'b'"), "error: unexpected text after the term at 4");
}

TEST(parse, binary_segments_as_erlang_writes_them) {
  // A string is one byte per character; /utf8 encodes it.
  EXPECT_EQ(must_parse("<<\"\xc3\xa9\">>"), bin("\xe9"));
  EXPECT_EQ(must_parse("<<\"\xc3\xa9\"/utf8>>"), bin("\xc3\xa9"));
  EXPECT_EQ(must_parse("<<\"\xce\xbb\" / utf8>>"), bin("\xce\xbb"));
  EXPECT_EQ(must_parse("<<955/utf8, 1>>"), bin("\xce\xbb\x01"));
  EXPECT_EQ(must_parse("<<\"\\x{3bb}\"/utf8>>"), bin("\xce\xbb"));
  // Sized integers; a bitstring when the bits do not fill the last byte.
  EXPECT_EQ(must_parse("<<1:3>>"), bits("\x20", 3));
  EXPECT_EQ(must_parse("<<97,98,3:2>>"), bits("ab\xc0", 2));
  EXPECT_EQ(must_parse("<<1:3,2:5>>"), bin("\x22"));
  EXPECT_EQ(must_parse("<<1:16>>"), bin(std::string_view{"\0\x01", 2}));
  EXPECT_EQ(must_parse("<<255 : 8>>"), bin("\xff"));
  // What Erlang would truncate, cafe refuses.
  EXPECT_EQ(reprint("<<\"\xce\xbb\">>"),
            "error: a character above 255 in a binary string (add /utf8) at 2");
  EXPECT_EQ(reprint("<<256>>"),
            "error: a binary segment value must fit its size (8 bits unless "
            "given) at 2");
  EXPECT_EQ(reprint("<<8:3>>"),
            "error: a binary segment value must fit its size (8 bits unless "
            "given) at 2");
  EXPECT_EQ(reprint("<<-1>>"),
            "error: a binary segment value must fit its size (8 bits unless "
            "given) at 2");
  EXPECT_EQ(reprint("<<1:0>>"),
            "error: a segment size must be 1 to 64 bits at 4");
  EXPECT_EQ(reprint("<<1:65>>"),
            "error: a segment size must be 1 to 64 bits at 4");
  EXPECT_EQ(reprint("<<1:>>"), "error: expected a segment size at 4");
  EXPECT_EQ(reprint("<<\"a\":8>>"),
            "error: a string segment takes no size at 5");
  EXPECT_EQ(reprint("<<1/float>>"),
            "error: unsupported segment type (only /utf8) at 4");
  EXPECT_EQ(reprint("<<65:8/utf8>>"),
            "error: a /utf8 segment must be a Unicode character, unsized at 2");
  EXPECT_EQ(reprint("<<1.5>>"),
            "error: a binary segment must be an integer or a string at 2");
}

// Verbatim output of erl (OTP 25), io_lib:format("~w") and ("~p"), made
// UTF-8 by unicode:characters_to_binary/1.
TEST(parse, reads_what_erl_prints) {
  auto expected = make_list(atom_of("\xc3\xa9"
                                    "a"),
                            atom_of("\xce\xbb"),
                            atom_of("a\xc2\x85"
                                    "b"),
                            atom_of("a\x01"
                                    "b\x7f"
                                    "c\x1b"
                                    "c"),
                            bin("\xe9"), bin("\xce\xbb"), bits("\x20", 3),
                            bits("ab\xc0", 2), chars({97, 233, 133}));
  EXPECT_EQ(must_parse("[\xc3\xa9"
                       "a,'\\x{3BB}','a\\205b','a\\001b\\dc\\ec',"
                       "<<233>>,<<206,187>>,<<1:3>>,<<97,98,3:2>>,"
                       "[97,233,133]]"),
            expected);
  EXPECT_EQ(must_parse("[\xc3\xa9"
                       "a,'\\x{3BB}','a\\205b','a\\001b\\dc\\ec',"
                       "<<\"\xc3\xa9\">>,<<\"\xc3\x8e\xc2\xbb\">>,\n"
                       " <<1:3>>,\n <<97,98,3:2>>,\n [97,233,133]]"),
            expected);
  // ~tp
  EXPECT_EQ(must_parse("[\xc3\xa9"
                       "a,'\xce\xbb',<<\"\xc3\xa9\">>,<<206,187>>,"
                       "<<\"\xc3\xa9\"/utf8>>,[955]]"),
            make_list(atom_of("\xc3\xa9"
                              "a"),
                      atom_of("\xce\xbb"), bin("\xe9"), bin("\xce\xbb"),
                      bin("\xc3\xa9"), chars({955})));
}
