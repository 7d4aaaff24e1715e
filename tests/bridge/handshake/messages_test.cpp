// Handshake message codecs and the 2-byte frame reader. Byte strings marked
// "OTP" come from fixtures/otp_*.txt (a real OTP 25.2.3 node).

#include "cafe/handshake/frame_reader.hpp"
#include "cafe/handshake/messages.hpp"
#include "cafe/test/hex.hpp"

#include <gtest/gtest.h>

using namespace cafe::handshake;
using cafe::test::from_hex;
using cafe::test::to_hex;

namespace {

template <class T>
std::vector<uint8_t> framed(const T& x) {
  std::vector<uint8_t> out;
  encode(x, out);
  return out;
}

std::span<const uint8_t> payload(const std::vector<uint8_t>& frame) {
  return std::span{frame}.subspan(2);
}

// Every split of `bytes` into two reads yields the same frames.
void check_frames_every_split(const std::vector<uint8_t>& bytes,
                              size_t frames) {
  for (size_t k = 0; k <= bytes.size(); ++k) {
    frame_reader rd;
    std::vector<std::vector<uint8_t>> got;
    auto drain = [&] {
      for (;;) {
        auto next = rd.next();
        ASSERT_TRUE(next.has_value());
        if (!*next)
          return;
        got.emplace_back((*next)->begin(), (*next)->end());
      }
    };
    rd.append(std::span{bytes}.first(k));
    drain();
    rd.append(std::span{bytes}.subspan(k));
    drain();
    EXPECT_EQ(got.size(), frames) << "split at " << k;
    EXPECT_EQ(rd.buffered(), 0u);
  }
}

} // namespace

TEST(handshake_messages, send_name_from_otp) {
  // OTP: otp_peer@vm dialing us.
  auto frame = from_hex("001a4e0000000d07df7fbd6b025eb4000b6f74705f7065657240"
                        "766d");
  auto msg = decode_send_name(payload(frame));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->flags, 0xd07df7fbdu);
  EXPECT_EQ(msg->creation, 0x6b025eb4u);
  EXPECT_EQ(msg->name, "otp_peer@vm");
  EXPECT_EQ(framed(*msg), frame);
  check_frames_every_split(frame, 1);
  for (size_t k = 0; k < payload(frame).size(); ++k)
    EXPECT_FALSE(decode_send_name(payload(frame).first(k)).has_value()) << k;
  // Bytes after the name "must be accepted and ignored".
  auto longer = std::vector<uint8_t>(payload(frame).begin(),
                                     payload(frame).end());
  longer.push_back(0x42);
  EXPECT_EQ(decode_send_name(longer)->name, "otp_peer@vm");
}

TEST(handshake_messages, challenge_from_otp) {
  auto frame = from_hex("001e4e0000000d07df7fbd8a6d33f36b025eb4000b6f74705f70"
                        "65657240766d");
  auto msg = decode_challenge(payload(frame));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->flags, 0xd07df7fbdu);
  EXPECT_EQ(msg->challenge, 0x8a6d33f3u);
  EXPECT_EQ(msg->creation, 0x6b025eb4u);
  EXPECT_EQ(msg->name, "otp_peer@vm");
  EXPECT_EQ(framed(*msg), frame);
  check_frames_every_split(frame, 1);
  for (size_t k = 0; k < payload(frame).size(); ++k)
    EXPECT_FALSE(decode_challenge(payload(frame).first(k)).has_value()) << k;
  // A name length beyond the frame.
  auto bad = std::vector<uint8_t>(payload(frame).begin(), payload(frame).end());
  bad[18] = 0x0c;
  EXPECT_EQ(decode_challenge(bad).error(), errc::malformed_message);
}

TEST(handshake_messages, reply_and_ack_have_exact_sizes) {
  // OTP: challenge_reply and challenge_ack.
  auto reply = from_hex("001572ec20316f1a0058915fc7311b242fd6af7bc969da");
  auto r = decode_challenge_reply(payload(reply));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->challenge, 0xec20316fu);
  EXPECT_EQ(to_hex(r->sum), "1a0058915fc7311b242fd6af7bc969da");
  EXPECT_EQ(framed(*r), reply);
  auto ack = from_hex("0011611a0058915fc7311b242fd6af7bc969da");
  auto a = decode_challenge_ack(payload(ack));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(framed(*a), ack);
  for (auto* frame : {&reply, &ack}) {
    check_frames_every_split(*frame, 1);
    auto p = payload(*frame);
    std::vector<uint8_t> longer(p.begin(), p.end());
    longer.push_back(0);
    for (size_t k = 0; k < p.size(); ++k) {
      EXPECT_FALSE(decode_challenge_reply(p.first(k)).has_value());
      EXPECT_FALSE(decode_challenge_ack(p.first(k)).has_value());
    }
    EXPECT_EQ(decode_challenge_reply(longer).has_value(), false);
    EXPECT_EQ(decode_challenge_ack(longer).has_value(), false);
  }
  EXPECT_EQ(decode_challenge_ack(payload(reply)).error(),
            errc::unexpected_message);
}

TEST(handshake_messages, status) {
  auto frame = from_hex("0010736f6b5f73696d756c74616e656f7573"); // OTP
  auto msg = decode_status(payload(frame));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->text, "ok_simultaneous");
  EXPECT_EQ(framed(*msg), frame);
  EXPECT_EQ(to_hex(framed(status_msg{"true"})), "00057374727565");
  check_frames_every_split(frame, 1);
  EXPECT_EQ(decode_status(from_hex("61")).error(), errc::unexpected_message);
}

TEST(handshake_messages, old_send_name_and_complement) {
  // The form OTP 23/24 send without epmd: 'n', version 5, low flag half,
  // name without length.
  auto frame = from_hex("00126e000507df3fbd636166655f6f6c6440766d");
  auto msg = decode_old_send_name(payload(frame));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->version, 5);
  EXPECT_EQ(msg->flags, 0x07df3fbdu);
  EXPECT_EQ(msg->name, "cafe_old@vm");
  EXPECT_EQ(framed(*msg), frame);
  for (size_t k = 0; k < 7; ++k)
    EXPECT_FALSE(decode_old_send_name(payload(frame).first(k)).has_value());
  auto c = framed(complement_msg{0xd, 0x12345678});
  EXPECT_EQ(to_hex(c), "0009"
                       "63"
                       "0000000d"
                       "12345678");
  auto back = decode_complement(payload(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, (complement_msg{0xd, 0x12345678}));
  check_frames_every_split(c, 1);
  for (size_t k = 0; k < payload(c).size(); ++k)
    EXPECT_FALSE(decode_complement(payload(c).first(k)).has_value());
}

TEST(handshake_messages, frame_reader_splits_and_hands_back_the_rest) {
  // OTP's ack followed by the first 4-byte distribution frame, as one read.
  auto bytes = from_hex("0011611a0058915fc7311b242fd6af7bc969da"
                        "0000000570"
                        "83440000");
  frame_reader rd;
  rd.append(bytes);
  auto ack = rd.next();
  ASSERT_TRUE(ack && *ack);
  EXPECT_EQ((*ack)->size(), 17u);
  EXPECT_EQ(to_hex(rd.take_rest()), "000000057083440000");
  EXPECT_EQ(rd.buffered(), 0u);
  // Coalesced frames in every split.
  std::vector<uint8_t> three;
  for (auto text : {"ok", "alive", "true"})
    encode(status_msg{text}, three);
  check_frames_every_split(three, 3);
  // A zero-length frame never carries a handshake message.
  frame_reader zero;
  zero.append(from_hex("0000"));
  EXPECT_EQ(zero.next().error(), errc::bad_frame);
  // The largest frame a 2-byte length announces.
  frame_reader big;
  std::vector<uint8_t> max(2 + max_frame_size, 0x73);
  max[0] = 0xFF;
  max[1] = 0xFF;
  big.append(max);
  auto f = big.next();
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->size(), max_frame_size);
}
