// Node-name rules (dist_util, net_kernel, inet_tcp_dist), status texts and
// the MD5 digest.

#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/node_name.hpp"
#include "cafe/handshake/status.hpp"
#include "cafe/test/hex.hpp"

#include <gtest/gtest.h>

using namespace cafe::handshake;
using cafe::test::to_hex;

TEST(handshake_names, peer_names_follow_is_node_name) {
  auto parts = split_node_name("otp_peer@vm");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->alive, "otp_peer");
  EXPECT_EQ(parts->host, "vm");
  // dist_util only needs one '@' with text on both sides.
  EXPECT_TRUE(is_node_name("a b@weird host"));
  EXPECT_TRUE(is_node_name("x@127.0.0.1"));
  for (auto bad : {"nohost", "@host", "name@", "a@b@c", "", "@"})
    EXPECT_FALSE(is_node_name(bad)) << bad;
  EXPECT_TRUE(is_node_name("a@" + std::string(253, 'h')));
  EXPECT_FALSE(is_node_name("a@" + std::string(254, 'h')));
}

TEST(handshake_names, own_names_follow_erl) {
  using enum name_domain;
  EXPECT_TRUE(validate_node_name("cafe@vm", shortnames).has_value());
  EXPECT_TRUE(validate_node_name("Ca-fe_9@vm", shortnames).has_value());
  EXPECT_TRUE(
    validate_node_name("cafe@host.example.org", longnames).has_value());
  EXPECT_TRUE(validate_node_name("cafe@127.0.0.1", longnames).has_value());
  EXPECT_TRUE(validate_node_name("cafe@::1", longnames).has_value());
  // net_kernel's valid_name_head: [0-9A-Za-z_-]+ only.
  for (auto bad : {"ca.fe@vm", "ca fe@vm", "caf\xc3\xa9@vm", "ca+fe@vm"}) {
    auto res = validate_node_name(bad, shortnames);
    ASSERT_FALSE(res.has_value()) << bad;
    EXPECT_EQ(res.error().reason, errc::bad_node_name);
  }
  // inet_tcp_dist's splitnode: "System (NOT) running to use fully qualified
  // hostnames".
  EXPECT_FALSE(validate_node_name("cafe@host.example.org", shortnames));
  EXPECT_FALSE(validate_node_name("cafe@127.0.0.1", shortnames));
  EXPECT_FALSE(validate_node_name("cafe@vm", longnames));
  EXPECT_FALSE(validate_node_name("cafe@h st", shortnames));
  EXPECT_FALSE(validate_node_name("cafe", shortnames));
  EXPECT_EQ(domain_of("vm"), name_domain::shortnames);
  EXPECT_EQ(domain_of("127.0.0.11"), name_domain::longnames);
}

TEST(handshake_names, statuses) {
  for (auto st : {status::ok, status::ok_simultaneous, status::nok,
                  status::not_allowed, status::alive})
    EXPECT_EQ(parse_status(to_string(st)), st);
  EXPECT_FALSE(parse_status("named:"));
  EXPECT_FALSE(parse_status("OK"));
  EXPECT_FALSE(parse_status("ok "));
}

TEST(handshake_names, simultaneous_connects_go_to_the_greater_name) {
  // Captured from OTP (fixtures/otp_nok.txt, otp_ok_simultaneous.txt):
  // otp_peer@vm answered nok to cafe_lo@vm and ok_simultaneous to
  // zzz_hi@vm while dialing each of them.
  EXPECT_EQ(simultaneous_status("otp_peer@vm", "cafe_lo@vm"), status::nok);
  EXPECT_EQ(simultaneous_status("otp_peer@vm", "zzz_hi@vm"),
            status::ok_simultaneous);
  // Bytes compare unsigned.
  EXPECT_EQ(simultaneous_status("a\xe4@h", "a\x7f@h"), status::nok);
}

TEST(handshake_names, digest_matches_otp) {
  // fixtures/otp_*.txt: OTP acked our challenge 3735928559 with this
  // digest under the cookie "cafe_golden_cookie".
  auto sum = gen_digest(3735928559u, "cafe_golden_cookie");
  EXPECT_EQ(to_hex(sum), "1a0058915fc7311b242fd6af7bc969da");
  // Decimal without padding: 0 is "0".
  EXPECT_EQ(to_hex(gen_digest(0, "")), "cfcd208495d565ef66e7dff9f98764da");
  EXPECT_TRUE(digest_equal(sum, sum));
  auto other = sum;
  other[15] ^= 1;
  EXPECT_FALSE(digest_equal(sum, other));
}
