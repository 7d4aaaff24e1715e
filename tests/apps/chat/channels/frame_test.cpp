// apps.chat.channels.frame: the V1/V2 serializers against the exact frames
// of PHOENIX.md §2-§3, UTF-8 and size limits, every truncated prefix, and a
// seeded random-input run (CAFE_TEST_SEED, default 1; CAFE_FUZZ_INPUTS,
// default 100000) that must never crash and must round-trip what decodes.

#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"
#include "channels/frame.hpp"
#include "channels/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <random>
#include <span>

using namespace cafe::chat::channels;
using cafe::test::env_uint;
using cafe::test::reproduce;
using cafe::test::test_seed;
using cafe::test::to_hex;

namespace {

std::string hex(std::string_view s) {
  return to_hex(
    std::span{reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

/// Decodes from an exactly sized heap copy, so ASan sees any over-read.
cafe::expected<message, frame_errc> decode_copy(version v,
                                                std::string_view text) {
  auto buf = std::make_unique<char[]>(text.size() + 1);
  std::copy(text.begin(), text.end(), buf.get());
  return decode(v, std::string_view{buf.get(), text.size()});
}

message msg(std::optional<std::string> jr, std::optional<std::string> ref,
            std::string topic, std::string event, std::string_view payload) {
  return message{std::move(jr), std::move(ref), std::move(topic),
                 std::move(event), boost::json::parse(payload)};
}

void expect_same(const message& x, const message& y) {
  EXPECT_EQ(x.join_ref, y.join_ref);
  EXPECT_EQ(x.ref, y.ref);
  EXPECT_EQ(x.topic, y.topic);
  EXPECT_EQ(x.event, y.event);
  EXPECT_EQ(x.payload, y.payload);
}

/// Every frame PHOENIX.md §1.4, §2.1 and §3 spells out, V2, as written
/// there (without spaces), with the message it stands for.
struct golden {
  std::string text;
  message m;
};

std::vector<golden> v2_golden() {
  return {
    {R"([null,"1","phoenix","heartbeat",{}])",
     msg(std::nullopt, "1", "phoenix", "heartbeat", "{}")},
    {R"([null,"1","phoenix","phx_reply",{"status":"ok","response":{}}])",
     msg(std::nullopt, "1", "phoenix", "phx_reply",
         R"({"status":"ok","response":{}})")},
    {R"(["5","5","room:lobby","phx_join",{"nick":"ann"}])",
     msg("5", "5", "room:lobby", "phx_join", R"({"nick":"ann"})")},
    {R"(["5","5","room:lobby","phx_reply",{"status":"ok","response":{}}])",
     msg("5", "5", "room:lobby", "phx_reply",
         R"({"status":"ok","response":{}})")},
    {R"(["5","5","room:lobby","phx_reply",{"status":"error","response":{"reason":"unauthorized"}}])",
     msg("5", "5", "room:lobby", "phx_reply",
         R"({"status":"error","response":{"reason":"unauthorized"}})")},
    {R"([null,"5","nope","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}])",
     msg(std::nullopt, "5", "nope", "phx_reply",
         R"({"status":"error","response":{"reason":"unmatched topic"}})")},
    {R"(["5","7","room:lobby","new_msg",{"body":"hi"}])",
     msg("5", "7", "room:lobby", "new_msg", R"({"body":"hi"})")},
    {R"(["5","7","room:lobby","phx_reply",{"status":"ok","response":{"id":42}}])",
     msg("5", "7", "room:lobby", "phx_reply",
         R"({"status":"ok","response":{"id":42}})")},
    {R"(["5",null,"room:lobby","new_msg",{"body":"hi","user":"ann"}])",
     msg("5", std::nullopt, "room:lobby", "new_msg",
         R"({"body":"hi","user":"ann"})")},
    {R"([null,null,"room:lobby","new_msg",{"body":"hi","user":"ann"}])",
     msg(std::nullopt, std::nullopt, "room:lobby", "new_msg",
         R"({"body":"hi","user":"ann"})")},
    {R"(["5","9","room:lobby","phx_leave",{}])",
     msg("5", "9", "room:lobby", "phx_leave", "{}")},
    {R"(["5","9","room:lobby","phx_reply",{"status":"ok","response":{}}])",
     msg("5", "9", "room:lobby", "phx_reply",
         R"({"status":"ok","response":{}})")},
    {R"(["5","5","room:lobby","phx_close",{}])",
     msg("5", "5", "room:lobby", "phx_close", "{}")},
    {R"(["5","5","room:lobby","phx_error",{"reason":"channel_crash"}])",
     msg("5", "5", "room:lobby", "phx_error", R"({"reason":"channel_crash"})")},
    {R"(["5","6","room:lobby","presence_diff",{"joins":{"ann":{"metas":[{"phx_ref":"F5x"}]}},"leaves":{}}])",
     msg("5", "6", "room:lobby", "presence_diff",
         R"({"joins":{"ann":{"metas":[{"phx_ref":"F5x"}]}},"leaves":{}})")},
    {"[\"1\",\"2\",\"room:caf\xC3\xA9\",\"new_msg\",{\"body\":"
     "\"\xF0\x9F\x98\x80 "
     "\\\"q\\\" \\\\ \\n\"}]",
     msg("1", "2", "room:caf\xC3\xA9", "new_msg",
         "{\"body\":\"\xF0\x9F\x98\x80 \\\"q\\\" \\\\ \\n\"}")},
  };
}

TEST(frame, v2_golden_frames_decode_and_encode_exactly) {
  for (auto& g : v2_golden()) {
    SCOPED_TRACE(g.text);
    auto m = decode_copy(version::v2, g.text);
    ASSERT_TRUE(m) << to_string(m.error());
    expect_same(*m, g.m);
    EXPECT_EQ(encode(version::v2, g.m), g.text);
  }
}

TEST(frame, v2_ignores_elements_after_the_fifth) {
  auto m = decode(version::v2, R"(["1","2","t","e",{},"extra",[1]])");
  ASSERT_TRUE(m);
  expect_same(*m, msg("1", "2", "t", "e", "{}"));
}

TEST(frame, v2_keeps_numeric_refs_as_decimal_text) {
  auto m = decode(version::v2, R"([5, 18446744073709551615, "t", "e", {}])");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->join_ref, "5");
  EXPECT_EQ(m->ref, "18446744073709551615");
  m = decode(version::v2, R"([-3, 0, "t", "e", {}])");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->join_ref, "-3");
  EXPECT_EQ(m->ref, "0");
}

TEST(frame, v2_payload_may_be_any_json_value) {
  // Shapes are the session's business (phx_join needs an object).
  for (auto p : {"[]", "1", "\"s\"", "null", "true"}) {
    auto m = decode(version::v2, std::string{R"(["1","2","t","e",)"} + p + "]");
    ASSERT_TRUE(m) << p;
    EXPECT_EQ(m->payload, boost::json::parse(p));
  }
}

TEST(frame, v2_bad_shapes) {
  for (auto text : {
         R"({"topic":"t"})",
         R"("frame")",
         R"(42)",
         R"([])",
         R"(["1","2","t","e"])",
         R"(["1","2",3,"e",{}])",
         R"(["1","2","t",null,{}])",
         R"(["1","2",null,"e",{}])",
         R"([1.5,"2","t","e",{}])",
         R"(["1",true,"t","e",{}])",
         R"(["1",{},"t","e",{}])",
         R"([["1"],"2","t","e",{}])",
       }) {
    auto m = decode(version::v2, text);
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error(), frame_errc::bad_shape) << text;
  }
}

TEST(frame, malformed_json) {
  for (auto text : {
         "",
         " ",
         "[",
         R"(["1","2","t","e",{}]])",
         R"(["1","2","t","e",{}] x)",
         R"(["1","2","t","e",{},])",
         R"(['1','2','t','e',{}])",
         R"(["1","2","t","e",{}] // c)",
         R"(["1","2","t","e",{"a":NaN}])",
         "[\"1\",\"2\",\"t\x01\",\"e\",{}]",
       }) {
    auto m = decode(version::v2, text);
    ASSERT_FALSE(m) << hex(text);
    EXPECT_EQ(m.error(), frame_errc::malformed_json) << hex(text);
  }
}

// Boost.JSON checks UTF-8 inside strings by default (parse_options::
// allow_invalid_utf8 = false); this proves the decoder relies on it safely.
TEST(frame, invalid_utf8_is_malformed) {
  for (std::string bad : std::initializer_list<std::string>{
         "\xFF",
         "\xC0\xAF", // overlong '/'
         "\xE0\x80\xAF", // overlong
         "\xED\xA0\x80", // UTF-16 surrogate
         "\xF4\x90\x80\x80", // above U+10FFFF
         "\xC3", // truncated
         "\x80", // lone continuation
       }) {
    for (auto text : {"[\"1\",\"2\",\"room:" + bad + "\",\"e\",{}]",
                      "[\"1\",\"2\",\"t\",\"e\",{\"body\":\"" + bad + "\"}]",
                      "[\"1\",\"2\",\"t\",\"e\",{\"" + bad + "\":1}]"}) {
      auto m = decode(version::v2, text);
      ASSERT_FALSE(m) << hex(text);
      EXPECT_EQ(m.error(), frame_errc::malformed_json) << hex(text);
    }
  }
}

TEST(frame, escaped_lone_surrogates_are_malformed) {
  // Boost.JSON 1.81 refuses \uD800 without its pair, so a frame can never
  // smuggle a lone surrogate into a topic that we then encode as WTF-8.
  for (auto text : {R"(["1","2","\ud800","e",{}])",
                    R"(["1","2","t","e",{"b":"\udc00x"}])"}) {
    EXPECT_FALSE(decode(version::v2, text)) << text;
  }
  auto m = decode(version::v2, R"(["1","2","\ud83d\ude00","e",{}])");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topic, "\xF0\x9F\x98\x80");
}

TEST(frame, size_and_depth_limits) {
  std::string open(max_json_depth - 1, '[');
  std::string close(max_json_depth - 1, ']');
  // The frame's array is level one: max_json_depth levels in all pass.
  auto ok = decode(version::v2, R"(["1","2","t","e",)" + open + close + "]");
  ASSERT_TRUE(ok);
  auto deep = decode(version::v2,
                     R"(["1","2","t","e",[)" + open + close + "]]");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error(), frame_errc::too_large);
  std::string prefix = R"(["1","2","t","e",{"body":")";
  std::string suffix = "\"}]";
  std::string body(max_frame_bytes - prefix.size() - suffix.size(), 'x');
  EXPECT_TRUE(decode(version::v2, prefix + body + suffix));
  auto big = decode(version::v2, prefix + body + "x" + suffix);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), frame_errc::too_large);
}

TEST(frame, v1_objects) {
  auto m = decode(
    version::v1,
    R"({"topic":"room:lobby","event":"phx_join","payload":{"a":1},"ref":"1"})");
  ASSERT_TRUE(m);
  expect_same(*m,
              msg(std::nullopt, "1", "room:lobby", "phx_join", R"({"a":1})"));
  m = decode(
    version::v1,
    R"({"join_ref":"3","ref":4,"topic":"t","event":"e","payload":[]})");
  ASSERT_TRUE(m);
  expect_same(*m, msg("3", "4", "t", "e", "[]"));
  // V1 output never carries join_ref.
  EXPECT_EQ(encode(version::v1, msg("5", "1", "phoenix", "phx_reply",
                                    R"({"status":"ok","response":{}})")),
            R"({"topic":"phoenix","event":"phx_reply",)"
            R"("payload":{"status":"ok","response":{}},"ref":"1"})");
  EXPECT_EQ(encode(version::v1,
                   msg(std::nullopt, std::nullopt, "t", "e", "{}")),
            R"({"topic":"t","event":"e","payload":{},"ref":null})");
  for (auto text : {
         R"(["1","2","t","e",{}])",
         R"({"event":"e","payload":{},"ref":"1"})",
         R"({"topic":"t","payload":{},"ref":"1"})",
         R"({"topic":"t","event":"e","ref":"1"})",
         R"({"topic":"t","event":"e","payload":{}})",
         R"({"topic":1,"event":"e","payload":{},"ref":"1"})",
         R"({"topic":"t","event":"e","payload":{},"ref":"1","join_ref":[]})",
       }) {
    auto bad = decode(version::v1, text);
    ASSERT_FALSE(bad) << text;
    EXPECT_EQ(bad.error(), frame_errc::bad_shape) << text;
  }
}

TEST(frame, every_truncated_prefix_fails) {
  std::vector<std::pair<version, std::string>> inputs;
  for (auto& g : v2_golden())
    inputs.emplace_back(version::v2, g.text);
  for (auto& g : v2_golden())
    inputs.emplace_back(version::v1, encode(version::v1, g.m));
  size_t checked = 0;
  for (auto& [v, text] : inputs) {
    ASSERT_TRUE(decode_copy(v, text)) << text;
    for (size_t n = 0; n < text.size(); ++n) {
      auto m = decode_copy(v, std::string_view{text}.substr(0, n));
      ASSERT_FALSE(m) << "prefix " << n << " of " << text;
      EXPECT_EQ(m.error(), frame_errc::malformed_json);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(frame, parse_version_as_phoenix) {
  EXPECT_EQ(parse_version(std::nullopt), version::v1);
  EXPECT_EQ(parse_version("1.0.0"), version::v1);
  EXPECT_EQ(parse_version("1.0.9"), version::v1);
  EXPECT_EQ(parse_version("2.0.0"), version::v2);
  EXPECT_EQ(parse_version("2.0.1-rc.1"), version::v2);
  EXPECT_EQ(parse_version("2.0.0+build.5"), version::v2);
  for (auto bad : {"", "2", "2.0", "2.1.0", "3.0.0", "0.9.0", "02.0.0",
                   "2.0.0-rc", "2.0.0-", "2.0.0+", "v2.0.0", "2.0.0.0", "2..0",
                   "1.1.0", "2.0.x", "99999999999.0.0"})
    EXPECT_EQ(parse_version(std::string_view{bad}), std::nullopt) << bad;
}

TEST(frame, utf8_validator_table) {
  for (std::string ok : std::initializer_list<std::string>{
         "", "abc", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
         "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
         std::string("a\0b", 3)})
    EXPECT_TRUE(valid_utf8(ok)) << hex(ok);
  for (std::string bad : std::initializer_list<std::string>{
         "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xC2", "\xC2\x41",
         "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xE1\x80",
         "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
         "\xF0\x90\x80", "a\xE1\x80\x41"})
    EXPECT_FALSE(valid_utf8(bad)) << hex(bad);
}

/// Random bytes biased towards UTF-8's interesting lead and continuation
/// bytes; the validator must agree with Boost.JSON's own check of the same
/// bytes inside a JSON string.
TEST(frame, utf8_validator_agrees_with_boost_json) {
  auto seed = test_seed(1);
  std::mt19937_64 rng{seed};
  const uint8_t interesting[] = {0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2,
                                 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
                                 0xFF, 0x9F, 0xA0, 0x8F, 0x90};
  size_t valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 7, '\0');
    for (auto& c : s)
      c = static_cast<char>(interesting[rng() % std::size(interesting)]);
    boost::json::error_code ec;
    boost::json::parse("\"" + s + "\"", ec);
    bool mine = valid_utf8(s);
    ASSERT_EQ(mine, !ec) << "input " << hex(s) << "; "
                         << reproduce("apps.chat.channels.frame", seed);
    valid += mine;
  }
  EXPECT_GT(valid, 1000u);
}

/// Mutations of golden frames (flip, insert, delete, splice) and random
/// bytes: never a crash; what decodes re-encodes to a frame that decodes
/// to the same message.
TEST(frame, random_inputs_decode_or_fail_cleanly) {
  auto seed = test_seed(1);
  auto count = env_uint("CAFE_FUZZ_INPUTS", 100000);
  std::mt19937_64 rng{seed};
  auto goldens = v2_golden();
  const char tokens[] = "[]{}\",:\\0123456789.eE+-nulltruefalse \xC3\xA9\xFF";
  size_t decoded = 0;
  for (uint64_t i = 0; i < count; ++i) {
    auto v = rng() % 4 == 0 ? version::v1 : version::v2;
    auto& g = goldens[rng() % goldens.size()];
    std::string text = v == version::v2 ? g.text : encode(v, g.m);
    auto edits = 1 + rng() % 4;
    for (uint64_t e = 0; e < edits; ++e) {
      auto pos = text.empty() ? 0 : rng() % text.size();
      switch (rng() % 5) {
        case 0:
          if (!text.empty())
            text[pos] = static_cast<char>(rng());
          break;
        case 1:
          text.insert(pos, 1, tokens[rng() % (sizeof(tokens) - 1)]);
          break;
        case 2:
          if (!text.empty())
            text.erase(pos, 1 + rng() % 4);
          break;
        case 3: {
          auto& other = goldens[rng() % goldens.size()].text;
          auto from = rng() % other.size();
          text.insert(pos, other.substr(from, rng() % 12));
          break;
        }
        default:
          text.assign(rng() % 40, '\0');
          for (auto& c : text)
            c = static_cast<char>(rng());
      }
    }
    auto m = decode_copy(v, text);
    if (!m)
      continue;
    ++decoded;
    auto again = encode(v, *m);
    auto back = decode(v, again);
    ASSERT_TRUE(back) << "re-encoded frame does not decode: " << again
                      << "\n  input " << hex(text) << "\n  "
                      << reproduce("apps.chat.channels.frame", seed);
    if (v == version::v1)
      m->join_ref.reset(); // V1 output drops it by design
    EXPECT_EQ(back->join_ref, m->join_ref);
    EXPECT_EQ(back->ref, m->ref);
    EXPECT_EQ(back->topic, m->topic);
    EXPECT_EQ(back->event, m->event);
    ASSERT_EQ(back->payload, m->payload)
      << "input " << hex(text) << "\n  "
      << reproduce("apps.chat.channels.frame", seed);
  }
  // Mutations keep enough frames valid that the round trip is exercised.
  EXPECT_GT(decoded, count / 50);
}

} // namespace
