// The embedded epmd: session framing and registry rules, checked against
// what epmd_srv.c does (and, in live_test.cpp, against the real epmd).

#include "cafe/epmd/registry.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/epmd/requests.hpp"
#include "cafe/epmd/session.hpp"
#include "cafe/epmd/tags.hpp"
#include "cafe/test/hex.hpp"

#include <gtest/gtest.h>

using namespace cafe::epmd;
using cafe::test::from_hex;
using cafe::test::to_hex;

namespace {

constexpr int64_t t0 = 1795316850;

std::vector<uint8_t> req_bytes(const request& req) {
  auto bytes = to_bytes(req);
  EXPECT_TRUE(bytes.has_value());
  return *bytes;
}

alive2_req alive(std::string name, uint16_t port, uint16_t high = 6,
                 uint16_t low = 6) {
  alive2_req req;
  req.node.name = std::move(name);
  req.node.port = port;
  req.node.highest_version = high;
  req.node.lowest_version = low;
  return req;
}

struct fixture : ::testing::Test {
  registry reg{registry::config{14369, false, 1000}};
  connection_id next_id = 1;

  // One request on a fresh connection, in one piece.
  session_output ask(const request& req, bool local = true, int64_t now = t0) {
    session s{next_id++, local};
    return s.feed(reg, req_bytes(req), now);
  }

  // Registers on a session the caller keeps.
  session_output join(session& s, const alive2_req& req, int64_t now = t0) {
    return s.feed(reg, req_bytes(req), now);
  }
};

} // namespace

TEST_F(fixture, registration_gets_epmd_creation) {
  session s{next_id++, true};
  auto out = join(s, alive("foo", 5555));
  EXPECT_FALSE(out.close);
  EXPECT_FALSE(out.error);
  // A new name's counter is the clock plus one (epmd: time(), then bump).
  EXPECT_EQ(to_hex(out.reply), "7600"
                               "6b025c73");
  ASSERT_EQ(out.changes.size(), 1u);
  EXPECT_EQ(std::get<registered>(out.changes[0]),
            (registered{"foo", 5555, uint32_t(t0 + 1), s.id()}));
  EXPECT_TRUE(s.holds_registration());
}

TEST_F(fixture, old_versions_get_small_creations) {
  session s{next_id++, true};
  auto out = join(s, alive("old", 5558, 5, 5));
  // (t0 + 1) % 3 + 1 == 2, in the 16-bit ALIVE2_RESP.
  EXPECT_EQ(to_hex(out.reply), "7900"
                               "0002");
}

TEST_F(fixture, duplicate_name_is_refused_with_creation_99) {
  session a{next_id++, true};
  join(a, alive("foo", 5555));
  auto out = ask(alive("foo", 5557));
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.error, errc::name_in_use);
  EXPECT_EQ(to_hex(out.reply), "7601"
                               "00000063");
  EXPECT_TRUE(out.changes.empty());
}

TEST_F(fixture, invalid_names_get_an_error_reply_not_silence) {
  session s{next_id++, true};
  // Invalid UTF-8 passes the request checks but not node_reg2.
  auto body = from_hex("780001"
                       "4d00"
                       "0006"
                       "0006"
                       "0002"
                       "c328"
                       "0000");
  std::vector<uint8_t> bytes{0, static_cast<uint8_t>(body.size())};
  bytes.insert(bytes.end(), body.begin(), body.end());
  auto out = s.feed(reg, bytes, t0);
  EXPECT_EQ(out.error, errc::bad_name);
  EXPECT_EQ(to_hex(out.reply), "7601"
                               "00000063");
}

TEST_F(fixture, close_unregisters_and_reregistration_bumps) {
  session s{next_id++, true};
  join(s, alive("foo", 5555));
  auto change = s.closed(reg);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(std::get<unregistered>(*change), (unregistered{"foo", s.id()}));
  EXPECT_EQ(reg.find("foo"), nullptr);
  EXPECT_FALSE(s.closed(reg).has_value());
  // The remembered counter goes up by one, whatever the clock says.
  session again{next_id++, true};
  auto out = join(again, alive("foo", 5555), t0 + 1000);
  EXPECT_EQ(to_hex(out.reply), "7600"
                               "6b025c74");
}

TEST_F(fixture, data_on_a_registration_connection_unregisters) {
  session s{next_id++, true};
  join(s, alive("foo", 5555));
  auto out = s.feed(reg, from_hex("00"), t0);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(out.error, errc::already_registered);
  ASSERT_EQ(out.changes.size(), 1u);
  EXPECT_EQ(std::get<unregistered>(out.changes[0]).name, "foo");
  EXPECT_TRUE(reg.empty());
}

TEST_F(fixture, counters_skip_0_to_3) {
  session a{next_id++, true};
  auto out = join(a, alive("a", 1), 0xFFFFFFFF);
  EXPECT_EQ(to_hex(out.reply), "7600"
                               "00000004");
  session b{next_id++, true};
  out = join(b, alive("b", 1), 1);
  EXPECT_EQ(to_hex(out.reply), "7600"
                               "00000004");
}

TEST_F(fixture, full_memory_recycles_the_oldest_counter) {
  registry small{registry::config{4369, false, 1}};
  auto add = [&](connection_id id, std::string name, int64_t now) {
    auto entry = small.register_node(id, node_info{1, 77, 0, 6, 6, name, ""},
                                     now);
    EXPECT_TRUE(entry.has_value());
    return entry ? (*entry)->counter : 0u;
  };
  EXPECT_EQ(add(100, "a", t0), t0 + 1);
  EXPECT_EQ(add(101, "b", t0 + 10), t0 + 11);
  small.unregister_connection(100); // remembered: a
  // epmd recycles only once it remembers more than the limit.
  EXPECT_EQ(add(200, "z", t0 + 500), t0 + 501);
  small.unregister_connection(101); // remembered: a, b
  // A new name takes the oldest remembered slot's counter, unbumped.
  EXPECT_EQ(add(201, "y", t0 + 900), t0 + 1);
}

TEST_F(fixture, names_listing_is_byte_compatible) {
  session a{next_id++, true}, b{next_id++, true}, c{next_id++, true};
  join(a, alive("foo", 5555));
  join(b, alive("bar", 5556));
  join(c, alive("old", 5558, 5, 5));
  auto out = ask(names_req{});
  EXPECT_TRUE(out.close);
  // Newest first, as real epmd answered the same sequence.
  auto want = std::string("\x00\x00\x38\x21", 4)
              + "name old at port 5558\n"
                "name bar at port 5556\n"
                "name foo at port 5555\n";
  EXPECT_EQ(std::string(out.reply.begin(), out.reply.end()), want);
  // Remote peers may list names too.
  EXPECT_EQ(ask(names_req{}, false).reply, out.reply);
}

TEST_F(fixture, port_please) {
  session a{next_id++, true};
  join(a, alive("foo", 5555));
  auto out = ask(port_please2_req{"foo"}, false);
  EXPECT_TRUE(out.close);
  EXPECT_EQ(to_hex(out.reply), "770015b34d00000600060003666f6f0000");
  out = ask(port_please2_req{"nope"});
  EXPECT_EQ(to_hex(out.reply), "7701");
}

TEST_F(fixture, remote_peers_cannot_register_or_administer) {
  for (const request& req : {request{alive("foo", 1)}, request{dump_req{}},
                             request{kill_req{}}, request{stop_req{"foo"}}}) {
    auto out = ask(req, false);
    EXPECT_TRUE(out.close);
    EXPECT_TRUE(out.reply.empty());
    EXPECT_EQ(out.error, errc::not_local);
    EXPECT_FALSE(out.stop_server);
  }
  EXPECT_TRUE(reg.empty());
}

TEST_F(fixture, kill_and_stop) {
  session a{next_id++, true};
  join(a, alive("foo", 5555));
  auto out = ask(kill_req{});
  EXPECT_EQ(std::string(out.reply.begin(), out.reply.end()), "NO");
  EXPECT_FALSE(out.stop_server);
  // STOP needs -relaxed_command_check: silence otherwise.
  out = ask(stop_req{"foo"});
  EXPECT_TRUE(out.reply.empty());
  EXPECT_EQ(out.error, errc::refused);
  registry relaxed{registry::config{4369, true, 1000}};
  session r{1, true};
  r.feed(relaxed, req_bytes(alive("foo", 5555)), t0);
  session stop{2, true};
  out = stop.feed(relaxed, req_bytes(stop_req{"foo"}), t0);
  EXPECT_EQ(std::string(out.reply.begin(), out.reply.end()), "STOPPED");
  EXPECT_EQ(out.close_connection, connection_id{1});
  ASSERT_EQ(out.changes.size(), 1u);
  // The stopped node's connection then closes without a second change.
  EXPECT_FALSE(r.closed(relaxed).has_value());
  session stop2{3, true};
  out = stop2.feed(relaxed, req_bytes(stop_req{"foo"}), t0);
  EXPECT_EQ(std::string(out.reply.begin(), out.reply.end()), "NOEXISTSTOPPED");
  session kill{4, true};
  out = kill.feed(relaxed, req_bytes(kill_req{}), t0);
  EXPECT_EQ(std::string(out.reply.begin(), out.reply.end()), "OK");
  EXPECT_TRUE(out.stop_server);
}

TEST_F(fixture, dump_lists_active_and_old_names) {
  session a{next_id++, true}, b{next_id++, true};
  join(a, alive("foo", 5555));
  join(b, alive("bar", 5556));
  b.closed(reg);
  auto out = ask(dump_req{});
  auto res = decode_reply<dump_resp>(out.reply, true);
  ASSERT_TRUE(res && *res);
  EXPECT_EQ((*res)->epmd_port, 14369u);
  EXPECT_EQ((*res)->lines, (std::vector<std::string>{
                             "active name     <foo> at port 5555, fd = 1\n",
                             "old/unused name <bar>, port = 5556, fd = 2 \n"}));
}

TEST_F(fixture, every_request_survives_every_split) {
  std::vector<request> reqs{alive("foo", 5555), port_please2_req{"foo"},
                            names_req{}, dump_req{}, kill_req{}};
  for (const auto& req : reqs) {
    auto bytes = req_bytes(req);
    for (size_t k = 0; k <= bytes.size(); ++k) {
      SCOPED_TRACE(to_hex(bytes) + " split at " + std::to_string(k));
      registry r{registry::config{14369, false, 1000}};
      session s{1, true};
      auto first = s.feed(r, std::span{bytes}.first(k), t0);
      auto second = s.feed(r, std::span{bytes}.subspan(k), t0);
      // Exactly one of the two calls answers; the other asks for more.
      auto& answer = k == bytes.size() ? first : second;
      auto& quiet = k == bytes.size() ? second : first;
      EXPECT_TRUE(quiet.reply.empty());
      EXPECT_FALSE(quiet.close);
      EXPECT_FALSE(answer.reply.empty());
      EXPECT_NE(answer.error, errc::trailing_bytes);
      EXPECT_NE(answer.error, errc::malformed);
    }
  }
}

TEST_F(fixture, bad_packets_close_without_reply) {
  for (auto hex : {"0000", // empty request
                   "0bf2", // 3058 bytes: does not fit epmd's buffer
                   "00016e00", // a byte more than announced
                   "000141", // unknown request
                   "00027a00"}) { // PORT2 with an empty name
    session s{1, true};
    auto out = s.feed(reg, from_hex(hex), t0);
    EXPECT_TRUE(out.close) << hex;
    EXPECT_TRUE(out.reply.empty()) << hex;
    EXPECT_TRUE(out.error.has_value()) << hex;
  }
  // The largest packet epmd takes: 3057 bytes.
  session s{1, true};
  auto big = from_hex("0bf1");
  big.push_back(tag::names_req);
  big.resize(2 + 3057, 0);
  EXPECT_FALSE(s.feed(reg, big, t0).reply.empty());
}
