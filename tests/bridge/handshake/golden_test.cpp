// Replays bytes captured from a real OTP 25.2.3 node (fixtures/otp_*.txt,
// written by fixtures/capture.escript) through both state machines. Our
// challenges, creation and flags are fixed in the capture, so what our
// machines write must equal what the capture script wrote, byte for byte;
// OTP's random parts are checked structurally and by digest.

#include "cafe/handshake/acceptor.hpp"
#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/initiator.hpp"
#include "cafe/handshake/messages.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>
#include <stdexcept>

using namespace cafe::handshake;
namespace flag = cafe::distribution::flag;
using cafe::distribution::flags_t;
using cafe::test::from_hex;
using cafe::test::to_hex;

namespace {

struct line {
  std::string kind; // send, recv, recv_raw, eof, open
  std::vector<uint8_t> bytes;
};

struct capture {
  std::map<std::string, std::string> meta;
  std::vector<line> lines;

  const std::string& get(const std::string& key) const {
    auto i = meta.find(key);
    if (i == meta.end())
      throw std::runtime_error("fixture lacks " + key);
    return i->second;
  }

  uint64_t num(const std::string& key) const {
    return std::stoull(get(key));
  }

  // The n-th line of `kind`.
  const std::vector<uint8_t>& nth(const std::string& kind, size_t n) const {
    for (const auto& x : lines)
      if (x.kind == kind && n-- == 0)
        return x.bytes;
    throw std::runtime_error("fixture lacks " + kind);
  }

  bool closed() const {
    return !lines.empty() && lines.back().kind == "eof";
  }
};

capture load(const std::string& file) {
  auto path = cafe::test::source_dir() / "tests/bridge/handshake/fixtures"
              / file;
  std::istringstream in{cafe::test::read_file(path)};
  capture result;
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] == '#')
      continue;
    auto sp = text.find(' ');
    auto key = text.substr(0, sp);
    auto rest = sp == std::string::npos ? "" : text.substr(sp + 1);
    if (key == "send" || key == "recv" || key == "recv_raw")
      result.lines.push_back({key, from_hex(rest)});
    else if (key == "eof" || key == "open")
      result.lines.push_back({key, {}});
    else
      result.meta[key] = rest;
  }
  return result;
}

std::span<const uint8_t> payload(const std::vector<uint8_t>& frame) {
  return std::span{frame}.subspan(2);
}

// Our side of a capture: its name, creation, flags, cookie and challenge.
config our_config(const capture& cap, std::vector<uint32_t> randoms = {}) {
  config cfg;
  cfg.node = cap.get("our_node");
  cfg.creation = static_cast<uint32_t>(cap.num("our_creation"));
  cfg.cookie = cap.get("cookie");
  // The capture offered these flags (PUBLISHED included); offered_flags
  // adds PUBLISHED again.
  cfg.flags = cap.num("our_flags");
  if (randoms.empty())
    randoms.push_back(static_cast<uint32_t>(cap.num("our_challenge")));
  cfg.random = [randoms, i = size_t{0}]() mutable -> std::optional<uint32_t> {
    if (i >= randoms.size())
      return std::nullopt;
    return randoms[i++];
  };
  return cfg;
}

std::string host_of(const std::string& node) {
  return node.substr(node.find('@') + 1);
}

// What every OTP 25 send_name or challenge must carry.
void check_otp_flags(flags_t fs) {
  EXPECT_EQ(fs & flag::mandatory_25, flag::mandatory_25);
  EXPECT_NE(fs & flag::handshake_23, 0u);
  EXPECT_NE(fs & flag::mandatory_25_digest, 0u);
  EXPECT_NE(fs & flag::published, 0u); // otp_peer is a visible node
  EXPECT_EQ(fs & flag::name_me, 0u);
}

} // namespace

TEST(handshake_golden, acceptor_completes_with_otp_initiator) {
  auto cap = load("otp_initiates.txt");
  // OTP's send_name: structure only, its creation is random.
  auto name = decode_send_name(payload(cap.nth("recv", 0)));
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->name, cap.get("otp_node"));
  EXPECT_NE(name->creation, 0u);
  check_otp_flags(name->flags);

  acceptor acc{our_config(cap)};
  auto pr = acc.feed(cap.nth("recv", 0));
  auto* ask = std::get_if<decide_status>(&pr.ev);
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->peer_node, cap.get("otp_node"));
  pr = acc.decide(status::ok);
  // "sok" and our challenge, exactly as the capture script sent them.
  auto want = cap.nth("send", 0);
  want.insert(want.end(), cap.nth("send", 1).begin(), cap.nth("send", 1).end());
  EXPECT_EQ(to_hex(pr.output), to_hex(want));
  // OTP's reply: its digest proves the cookie; we ack like the script.
  pr = acc.feed(cap.nth("recv", 1));
  auto* ok = std::get_if<done>(&pr.ev);
  ASSERT_NE(ok, nullptr) << std::get<failure>(pr.ev).detail;
  EXPECT_EQ(to_hex(pr.output), to_hex(cap.nth("send", 2)));
  EXPECT_EQ(ok->peer_node, cap.get("otp_node"));
  EXPECT_EQ(ok->peer_creation, name->creation);
  EXPECT_EQ(ok->peer_flags,
            cafe::distribution::expand_mandatory_25(name->flags));
  EXPECT_EQ(ok->flags, (cap.num("our_flags") | flag::published) & name->flags);
  EXPECT_TRUE(ok->leftover.empty());
  // After the ack OTP switched to 4-byte frames (and kept the connection).
  const auto& raw = cap.nth("recv_raw", 0);
  ASSERT_GE(raw.size(), 5u);
  size_t pos = 0;
  while (pos + 4 <= raw.size()) {
    size_t len = (size_t{raw[pos]} << 24) | (size_t{raw[pos + 1]} << 16)
                 | (size_t{raw[pos + 2]} << 8) | raw[pos + 3];
    ASSERT_LE(pos + 4 + len, raw.size());
    if (len > 0) {
      EXPECT_EQ(raw[pos + 4], 131); // version magic of a dist header
    }
    pos += 4 + len;
  }
  EXPECT_EQ(pos, raw.size());
}

TEST(handshake_golden, initiator_completes_with_otp_acceptor) {
  auto cap = load("otp_accepts.txt");
  // OTP's challenge: its own name, a random challenge and creation.
  auto ch = decode_challenge(payload(cap.nth("recv", 1)));
  ASSERT_TRUE(ch.has_value());
  EXPECT_EQ(ch->name, cap.get("otp_node"));
  EXPECT_NE(ch->creation, 0u);
  check_otp_flags(ch->flags);
  // OTP's ack, at the start of the raw stream, digests our challenge.
  const auto& raw = cap.nth("recv_raw", 0);
  ASSERT_GE(raw.size(), 19u);
  auto ack = decode_challenge_ack(std::span{raw}.subspan(2, 17));
  ASSERT_TRUE(ack.has_value());
  EXPECT_TRUE(
    digest_equal(gen_digest(static_cast<uint32_t>(cap.num("our_challenge")),
                            cap.get("cookie")),
                 ack->sum));

  // OTP's whole output (status, challenge, ack and the distribution frames
  // that followed the ack in the same read), split at every position.
  std::vector<uint8_t> stream = cap.nth("recv", 0);
  stream.insert(stream.end(), cap.nth("recv", 1).begin(),
                cap.nth("recv", 1).end());
  stream.insert(stream.end(), raw.begin(), raw.end());
  std::vector<uint8_t> ours = cap.nth("send", 0);
  ours.insert(ours.end(), cap.nth("send", 1).begin(), cap.nth("send", 1).end());
  auto ack_end = cap.nth("recv", 0).size() + cap.nth("recv", 1).size() + 19;
  for (size_t k = 0; k <= stream.size(); ++k) {
    initiator ini{our_config(cap), cap.get("otp_node")};
    auto out = ini.start().output;
    auto p1 = ini.feed(std::span{stream}.first(k));
    out.insert(out.end(), p1.output.begin(), p1.output.end());
    std::vector<uint8_t> leftover;
    std::optional<done> fin;
    if (auto* ok = std::get_if<done>(&p1.ev)) {
      fin = *ok;
      leftover = ok->leftover;
      leftover.insert(leftover.end(), stream.begin() + static_cast<long>(k),
                      stream.end());
    } else {
      auto p2 = ini.feed(std::span{stream}.subspan(k));
      out.insert(out.end(), p2.output.begin(), p2.output.end());
      if (auto* ok2 = std::get_if<done>(&p2.ev)) {
        fin = *ok2;
        leftover = ok2->leftover;
      }
    }
    ASSERT_TRUE(fin) << "split at " << k;
    // send_name and challenge_reply, byte for byte.
    EXPECT_EQ(to_hex(out), to_hex(ours)) << "split at " << k;
    EXPECT_EQ(fin->peer_node, cap.get("otp_node"));
    EXPECT_EQ(fin->peer_creation, ch->creation);
    EXPECT_EQ(to_hex(leftover), to_hex(std::span{stream}.subspan(ack_end)))
      << "split at " << k;
  }
}

TEST(handshake_golden, initiator_answers_alive_like_the_capture) {
  auto cap = load("otp_alive.txt");
  EXPECT_EQ(cap.get("old_connection"), "closed"); // OTP dropped the old one
  initiator ini{our_config(cap), cap.get("otp_node")};
  EXPECT_EQ(to_hex(ini.start().output), to_hex(cap.nth("send", 0)));
  auto pr = ini.feed(cap.nth("recv", 0)); // "salive"
  ASSERT_TRUE(std::holds_alternative<decide_alive>(pr.ev));
  pr = ini.answer_alive(true);
  EXPECT_EQ(to_hex(pr.output), to_hex(cap.nth("send", 1))); // "strue"
  pr = ini.feed(cap.nth("recv", 1));
  EXPECT_EQ(to_hex(pr.output), to_hex(cap.nth("send", 2)));
  pr = ini.feed(cap.nth("recv", 2));
  EXPECT_TRUE(std::holds_alternative<done>(pr.ev));
}

TEST(handshake_golden, simultaneous_connect_statuses) {
  auto nok = load("otp_nok.txt");
  // OTP kept its own attempt to the smaller name and refused ours.
  EXPECT_EQ(nok.get("otp_own_attempt"), "open");
  EXPECT_TRUE(nok.closed());
  EXPECT_EQ(simultaneous_status(nok.get("otp_node"), nok.get("our_node")),
            status::nok);
  initiator lo{our_config(nok), nok.get("otp_node")};
  EXPECT_EQ(to_hex(lo.start().output), to_hex(nok.nth("send", 0)));
  auto pr = lo.feed(nok.nth("recv", 0));
  ASSERT_TRUE(std::holds_alternative<failure>(pr.ev));
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::nok);

  auto sim = load("otp_ok_simultaneous.txt");
  // OTP dropped its own attempt to the greater name and took ours.
  EXPECT_EQ(sim.get("otp_own_attempt"), "closed");
  EXPECT_EQ(simultaneous_status(sim.get("otp_node"), sim.get("our_node")),
            status::ok_simultaneous);
  initiator hi{our_config(sim), sim.get("otp_node")};
  hi.start();
  EXPECT_TRUE(
    std::holds_alternative<std::monostate>(hi.feed(sim.nth("recv", 0)).ev));
  pr = hi.feed(sim.nth("recv", 1));
  EXPECT_EQ(to_hex(pr.output), to_hex(sim.nth("send", 1)));
  EXPECT_TRUE(std::holds_alternative<done>(hi.feed(sim.nth("recv", 2)).ev));
}

TEST(handshake_golden, acceptor_refuses_what_otp_refuses) {
  // Missing flags: OTP answered not_allowed and closed; so do we, with the
  // same bytes.
  auto poor = load("otp_missing_flags.txt");
  EXPECT_TRUE(poor.closed());
  acceptor a1{our_config(poor)};
  auto pr = a1.feed(poor.nth("send", 0));
  EXPECT_EQ(to_hex(pr.output), to_hex(poor.nth("recv", 0)));
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::missing_flags);

  // A name without '@': OTP closed without a status (PROTOCOL.md §2.2
  // suggests not_allowed; OTP 25.2.3 sends nothing); so do we.
  auto bad = load("otp_bad_name.txt");
  EXPECT_TRUE(bad.closed());
  EXPECT_EQ(bad.lines.size(), 2u); // our send_name, then eof
  auto cfg = our_config(bad);
  cfg.node = "cafe_acc@" + host_of(bad.get("otp_node")); // ours is valid
  acceptor a2{cfg};
  pr = a2.feed(bad.nth("send", 0));
  EXPECT_TRUE(pr.output.empty());
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::bad_node_name);

  // A wrong cookie: OTP closed without an ack; so do we. Our acceptor uses
  // OTP's challenge from the capture so that only the cookie differs.
  auto cookie = load("otp_bad_cookie.txt");
  EXPECT_TRUE(cookie.closed());
  auto otp_challenge = decode_challenge(payload(cookie.nth("recv", 1)));
  ASSERT_TRUE(otp_challenge.has_value());
  acceptor a3{our_config(cookie, {otp_challenge->challenge})};
  ASSERT_TRUE(
    std::holds_alternative<decide_status>(a3.feed(cookie.nth("send", 0)).ev));
  a3.decide(status::ok);
  pr = a3.feed(cookie.nth("send", 1));
  EXPECT_TRUE(pr.output.empty());
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::bad_digest);
}

TEST(handshake_golden, old_send_name_differs_from_otp_25_2) {
  // OTP 25.0-25.2 drop the old 'n' send_name without a word (fixed in
  // 25.3); cafe accepts it like 25.3 and asks for the status.
  auto old = load("otp_old_send_name.txt");
  EXPECT_TRUE(old.closed());
  EXPECT_EQ(old.lines.size(), 2u);
  acceptor acc{our_config(old)};
  auto pr = acc.feed(old.nth("send", 0));
  auto* ask = std::get_if<decide_status>(&pr.ev);
  ASSERT_NE(ask, nullptr);
  EXPECT_TRUE(ask->old_send_name);
  EXPECT_EQ(ask->peer_node, old.get("our_node"));
}
