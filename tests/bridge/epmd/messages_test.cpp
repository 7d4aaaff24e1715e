// EPMD request and reply codecs: byte layouts from erl_epmd.erl and
// epmd_srv.c, replies captured from the real epmd, every split point.

#include "cafe/epmd/replies.hpp"
#include "cafe/epmd/reply_reader.hpp"
#include "cafe/epmd/requests.hpp"
#include "cafe/epmd/tags.hpp"
#include "cafe/test/hex.hpp"

#include <gtest/gtest.h>
#include <string>

using namespace cafe::epmd;
using cafe::test::from_hex;
using cafe::test::to_hex;

namespace {

std::vector<uint8_t> bytes_of(std::string_view str) {
  return {str.begin(), str.end()};
}

// Feeds `bytes` in two parts split at every position; the reply must
// appear exactly when the last byte arrives (or at `finish` for replies
// that end with the connection).
template <class Reply>
void check_every_split(const std::vector<uint8_t>& bytes, const Reply& want,
                       bool ends_with_close) {
  for (size_t k = 0; k <= bytes.size(); ++k) {
    SCOPED_TRACE("split at " + std::to_string(k));
    reply_reader<Reply> rd;
    auto first = rd.feed(std::span{bytes}.first(k));
    ASSERT_TRUE(first.has_value()) << to_string(first.error());
    if (k < bytes.size() || ends_with_close) {
      EXPECT_FALSE(first->has_value());
    }
    auto second = rd.feed(std::span{bytes}.subspan(k));
    ASSERT_TRUE(second.has_value()) << to_string(second.error());
    if (ends_with_close) {
      EXPECT_FALSE(second->has_value());
      auto last = rd.finish();
      ASSERT_TRUE(last.has_value()) << to_string(last.error());
      ASSERT_TRUE(last->has_value());
      EXPECT_EQ(**last, want);
    } else if (k < bytes.size()) {
      ASSERT_TRUE(second->has_value());
      EXPECT_EQ(**second, want);
    } else {
      // Everything came with the first part.
      ASSERT_TRUE(first->has_value());
      EXPECT_EQ(**first, want);
    }
  }
}

// Every proper prefix of a fixed-size reply is `truncated` at close.
template <class Reply>
void check_truncations(const std::vector<uint8_t>& bytes) {
  for (size_t k = 0; k < bytes.size(); ++k) {
    auto res = decode_reply<Reply>(std::span{bytes}.first(k), true);
    ASSERT_FALSE(res.has_value()) << "prefix " << k;
  }
}

} // namespace

TEST(epmd_requests, alive2_matches_erl_epmd_layout) {
  // erl_epmd:do_register_node: [Len, $x, Port, $M, 0, High, Low, Nlen,
  // Name, Elen=0, Extra=""].
  alive2_req req;
  req.node.port = 0x15b3;
  req.node.name = "foo";
  auto bytes = to_bytes(req);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(to_hex(*bytes), "0010"
                            "78"
                            "15b3"
                            "4d"
                            "00"
                            "0006"
                            "0006"
                            "0003"
                            "666f6f"
                            "0000");
  auto back = decode_request(std::span{*bytes}.subspan(2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(std::get<alive2_req>(*back), req);
}

TEST(epmd_requests, small_requests) {
  EXPECT_EQ(to_hex(*to_bytes(port_please2_req{"foo"})), "00047a666f6f");
  EXPECT_EQ(to_hex(*to_bytes(names_req{})), "00016e");
  EXPECT_EQ(to_hex(*to_bytes(dump_req{})), "000164");
  EXPECT_EQ(to_hex(*to_bytes(kill_req{})), "00016b");
  EXPECT_EQ(to_hex(*to_bytes(stop_req{"foo"})), "000473666f6f");
}

TEST(epmd_requests, round_trip_all) {
  alive2_req alive;
  alive.node = node_info{4242, node_type::hidden, 0,      6,
                         5,    "n\xc3\xa4me",     "extra"};
  std::vector<request> all{alive,       port_please2_req{"x"},
                           names_req{}, dump_req{},
                           kill_req{},  stop_req{"y"}};
  for (const auto& req : all) {
    auto bytes = to_bytes(req);
    ASSERT_TRUE(bytes.has_value());
    ASSERT_EQ(bytes->size() - 2, size_t{(*bytes)[0]} << 8 | (*bytes)[1]);
    auto back = decode_request(std::span{*bytes}.subspan(2));
    ASSERT_TRUE(back.has_value()) << to_string(back.error());
    EXPECT_EQ(*back, req);
  }
}

TEST(epmd_requests, encoder_refuses_names_epmd_rejects) {
  alive2_req req;
  EXPECT_EQ(to_bytes(req).error(), errc::bad_name); // empty
  req.node.name = std::string(256, 'a');
  EXPECT_EQ(to_bytes(req).error(), errc::bad_name); // 256 characters
  req.node.name = std::string(255, 'a');
  EXPECT_TRUE(to_bytes(req).has_value());
  // 255 characters of 4-byte UTF-8 are still fine (1020 bytes).
  std::string wide;
  for (int i = 0; i < 255; ++i)
    wide += "\xf0\x9f\x98\x80";
  req.node.name = wide;
  EXPECT_TRUE(to_bytes(req).has_value());
  req.node.name = "a\xff";
  EXPECT_EQ(to_bytes(req).error(), errc::bad_name); // not UTF-8
  req.node.name = std::string("a\0b", 3);
  EXPECT_EQ(to_bytes(req).error(), errc::bad_name);
  req.node.name = "ok";
  req.node.extra = std::string(1021, 'e');
  EXPECT_EQ(to_bytes(req).error(), errc::bad_name);
  EXPECT_EQ(to_bytes(port_please2_req{""}).error(), errc::bad_name);
  EXPECT_EQ(to_bytes(stop_req{"\xed\xa0\x80"}).error(), errc::bad_name);
}

TEST(epmd_requests, decoder_follows_epmd_checks) {
  // ALIVE2 needs more than 13 bytes and consistent lengths.
  auto alive = *to_bytes(alive2_req{node_info{1, 77, 0, 6, 6, "abc", "ex"}});
  auto body = std::span{alive}.subspan(2);
  for (size_t k = 1; k < body.size(); ++k)
    EXPECT_FALSE(decode_request(body.first(k)).has_value()) << k;
  // A NUL inside the name makes epmd drop the request.
  auto nul = from_hex("7800014d0000060006000361006200"
                      "00");
  EXPECT_EQ(decode_request(nul).error(), errc::malformed);
  // Bytes after the extra field are tolerated, as epmd does.
  auto longer = std::vector<uint8_t>(body.begin(), body.end());
  longer.push_back(0xAA);
  EXPECT_TRUE(decode_request(longer).has_value());
  // PORT2: one trailing NUL is stripped (very old clients send it).
  auto port = decode_request(from_hex("7a666f6f00"));
  ASSERT_TRUE(port.has_value());
  EXPECT_EQ(std::get<port_please2_req>(*port).name, "foo");
  EXPECT_EQ(decode_request(from_hex("7a")).error(), errc::malformed);
  EXPECT_EQ(decode_request(from_hex("7a00")).error(), errc::malformed);
  EXPECT_EQ(decode_request(from_hex("7a610062")).error(), errc::malformed);
  EXPECT_EQ(decode_request(from_hex("7aff")).error(), errc::malformed);
  // STOP reads a C string.
  auto stop = decode_request(from_hex("73666f6f00626172"));
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(std::get<stop_req>(*stop).name, "foo");
  EXPECT_EQ(decode_request(from_hex("73")).error(), errc::malformed);
  // NAMES/DUMP/KILL ignore what follows the tag.
  EXPECT_TRUE(decode_request(from_hex("6e0102")).has_value());
  EXPECT_EQ(decode_request(from_hex("41")).error(), errc::unknown_request);
  EXPECT_EQ(decode_request({}).error(), errc::bad_length);
}

// Replies below are byte strings the real epmd (OTP 25.2.3) sent on port
// 14369 (0x3821) while registering foo (5555), bar (5556) and a version-5
// node old (5558).

TEST(epmd_replies, alive2_x_resp) {
  auto bytes = from_hex("76006b025c73");
  check_every_split(bytes, alive2_resp{0, 0x6b025c73, true}, false);
  check_truncations<alive2_resp>(bytes);
  std::vector<uint8_t> out;
  encode(alive2_resp{0, 0x6b025c73, true}, out);
  EXPECT_EQ(out, bytes);
  // A duplicate name: result 1, creation 99.
  auto dup = from_hex("760100000063");
  auto res = decode_reply<alive2_resp>(dup, false);
  ASSERT_TRUE(res && *res);
  EXPECT_EQ((*res)->result, 1);
  EXPECT_EQ((*res)->creation, failed_creation);
  EXPECT_EQ(creation_of(**res).error(), errc::registration_failed);
}

TEST(epmd_replies, alive2_resp_for_old_versions) {
  auto bytes = from_hex("79000002");
  check_every_split(bytes, alive2_resp{0, 2, false}, false);
  check_truncations<alive2_resp>(bytes);
  std::vector<uint8_t> out;
  encode(alive2_resp{0, 2, false}, out);
  EXPECT_EQ(out, bytes);
}

TEST(epmd_replies, alive2_rejects_garbage) {
  EXPECT_EQ(decode_reply<alive2_resp>(from_hex("77"), false).error(),
            errc::unexpected_reply);
  // epmd never writes on a registration connection after its reply.
  EXPECT_EQ(
    decode_reply<alive2_resp>(from_hex("76006b025c7300"), false).error(),
    errc::trailing_bytes);
}

TEST(epmd_replies, port2_resp) {
  auto bytes = from_hex("770015b34d00000600060003666f6f0000");
  port2_resp want;
  want.node = node_info{5555, 77, 0, 6, 6, "foo", ""};
  check_every_split(bytes, want, false);
  check_truncations<port2_resp>(bytes);
  std::vector<uint8_t> out;
  encode(want, out);
  EXPECT_EQ(out, bytes);
  EXPECT_EQ(node_of(want)->port, 5555);
  // Not found: two bytes.
  auto none = from_hex("7701");
  check_every_split(none, port2_resp{1, {}}, false);
  EXPECT_EQ(node_of(port2_resp{1, {}}).error(), errc::not_found);
  EXPECT_EQ(decode_reply<port2_resp>(from_hex("770100"), false).error(),
            errc::trailing_bytes);
  // With extra data.
  port2_resp extra;
  extra.node = node_info{1, 72, 0, 6, 5, "n", "xyz"};
  out.clear();
  encode(extra, out);
  check_every_split(out, extra, false);
}

TEST(epmd_replies, names_resp) {
  auto bytes = bytes_of(std::string("\x00\x00\x38\x21", 4)
                        + "name old at port 5558\n"
                          "name bar at port 5556\n"
                          "name foo at port 5555\n");
  names_resp want{14369, {{"old", 5558}, {"bar", 5556}, {"foo", 5555}}};
  check_every_split(bytes, want, true);
  std::vector<uint8_t> out;
  encode(want, out);
  EXPECT_EQ(out, bytes);
  // erl_epmd skips lines it cannot parse and an unterminated last line.
  auto odd = bytes_of(std::string("\x00\x00\x11\x11", 4)
                      + "name a at port 1\n"
                        "garbage\n"
                        "name b at port x\n"
                        "name c at port 3");
  auto res = decode_reply<names_resp>(odd, true);
  ASSERT_TRUE(res && *res);
  EXPECT_EQ((*res)->nodes, (std::vector<name_entry>{{"a", 1}}));
  EXPECT_EQ(decode_reply<names_resp>(from_hex("000011"), true).error(),
            errc::truncated);
  // Nothing but the port: no nodes.
  res = decode_reply<names_resp>(from_hex("00001111"), true);
  ASSERT_TRUE(res && *res);
  EXPECT_TRUE((*res)->nodes.empty());
}

TEST(epmd_replies, dump_resp) {
  // Each record ends with the NUL that epmd's snprintf wrote.
  auto bytes = bytes_of(std::string("\x00\x00\x38\x21", 4)
                        + "active name     <foo> at port 5555, fd = 5\n");
  bytes.push_back('\0');
  dump_resp want{14369, {"active name     <foo> at port 5555, fd = 5\n"}};
  check_every_split(bytes, want, true);
  std::vector<uint8_t> out;
  encode(want, out);
  EXPECT_EQ(out, bytes);
}

TEST(epmd_replies, kill_and_stop) {
  check_every_split(bytes_of("OK"), kill_resp{true}, false);
  check_every_split(bytes_of("NO"), kill_resp{false}, false);
  EXPECT_EQ(decode_reply<kill_resp>({}, true).error(), errc::refused);
  EXPECT_EQ(decode_reply<kill_resp>(bytes_of("XY"), true).error(),
            errc::unexpected_reply);
  check_every_split(bytes_of("STOPPED"), stop_resp{true}, true);
  // What real epmd sends for an unknown name.
  check_every_split(bytes_of("NOEXISTSTOPPED"), stop_resp{false}, true);
  EXPECT_EQ(decode_reply<stop_resp>({}, true).error(), errc::refused);
  EXPECT_EQ(decode_reply<stop_resp>(bytes_of("STOP"), true).error(),
            errc::truncated);
  std::vector<uint8_t> out;
  encode(stop_resp{false}, out);
  EXPECT_EQ(out, bytes_of("NOEXISTSTOPPED"));
}

TEST(epmd_replies, listing_size_is_capped) {
  reply_reader<names_resp> rd;
  std::vector<uint8_t> chunk(max_listing_size / 2 + 1, 'x');
  EXPECT_TRUE(rd.feed(chunk).has_value());
  EXPECT_EQ(rd.feed(chunk).error(), errc::too_large);
}
