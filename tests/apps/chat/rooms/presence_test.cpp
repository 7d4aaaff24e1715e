#include "cafe/etf/atom.hpp"
#include "rooms/presence_table.hpp"
#include "rooms/sync_wire.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace cafe;
using namespace cafe::chat::rooms;

namespace {

presence_entry entry(std::string room, std::string user, std::string ref) {
  return {std::move(room), std::move(user), std::move(ref), "", 1700000000};
}

} // namespace

TEST(presence_table, local_joins_and_leaves_come_back_as_diffs) {
  presence_table t{"a@h"};
  auto d = t.track(entry("lobby", "ann", "r1"));
  ASSERT_EQ(d.size(), 1u);
  ASSERT_EQ(d["lobby"].joins.size(), 1u);
  EXPECT_EQ(d["lobby"].joins[0].node, "a@h");
  EXPECT_TRUE(t.track(entry("lobby", "ann", "r1")).empty());
  t.track(entry("lobby", "ann", "r2"));
  EXPECT_EQ(t.users_per_room()["lobby"], 1u);
  auto left = t.untrack("r1");
  EXPECT_EQ(left["lobby"].leaves.size(), 1u);
  EXPECT_TRUE(t.untrack("nope").empty());
  EXPECT_EQ(t.local().size(), 1u);
}

TEST(presence_table, a_peer_set_is_replaced_wholesale_and_dropped) {
  presence_table t{"a@h"};
  auto d = t.replace("b@h",
                     {entry("lobby", "bob", "b1"), entry("dev", "bob", "b2")});
  EXPECT_EQ(d["lobby"].joins.size(), 1u);
  EXPECT_EQ(d["dev"].joins.size(), 1u);
  // The same set again changes nothing; a new set gives joins and leaves.
  EXPECT_TRUE(
    t.replace("b@h", {entry("lobby", "bob", "b1"), entry("dev", "bob", "b2")})
      .empty());
  d = t.replace("b@h", {entry("lobby", "bob", "b1"), entry("dev", "cy", "b3")});
  EXPECT_EQ(d["dev"].joins.size(), 1u);
  EXPECT_EQ(d["dev"].leaves.size(), 1u);
  EXPECT_EQ(d["dev"].leaves[0].phx_ref, "b2");
  EXPECT_FALSE(d.contains("lobby"));
  EXPECT_EQ(d["dev"].joins[0].node, "b@h");
  // The same set in another order, with a duplicate, changes nothing.
  EXPECT_TRUE(
    t.replace("b@h", {entry("dev", "cy", "b3"), entry("lobby", "bob", "b1"),
                      entry("dev", "cy", "b3")})
      .empty());
  EXPECT_EQ(t.in_room("lobby").size(), 1u);
  // Nobody replaces this node's own set.
  EXPECT_TRUE(t.replace("a@h", {entry("x", "y", "z")}).empty());
  d = t.drop("b@h");
  EXPECT_EQ(d["lobby"].leaves.size(), 1u);
  EXPECT_EQ(d["dev"].leaves.size(), 1u);
  EXPECT_TRUE(t.in_room("lobby").empty());
}

TEST(presence_table, a_peer_delta_adds_and_removes_entries) {
  presence_table t{"a@h"};
  t.replace("b@h", {entry("lobby", "bob", "b1")});
  auto d = t.apply("b@h",
                   {entry("lobby", "cy", "b2"), entry("dev", "di", "b3")},
                   {"b1", "unknown"});
  EXPECT_EQ(d["lobby"].joins.size(), 1u);
  EXPECT_EQ(d["lobby"].joins[0].node, "b@h");
  ASSERT_EQ(d["lobby"].leaves.size(), 1u);
  EXPECT_EQ(d["lobby"].leaves[0].phx_ref, "b1");
  EXPECT_EQ(d["dev"].joins.size(), 1u);
  EXPECT_EQ(t.in_room("lobby").size(), 1u);
  // Known joins change nothing; this node's own set is not a peer's.
  EXPECT_TRUE(t.apply("b@h", {entry("lobby", "cy", "b2")}, {}).empty());
  EXPECT_TRUE(t.apply("a@h", {entry("x", "y", "z")}, {}).empty());
  // The next heartbeat's full set agrees: nothing changes.
  EXPECT_TRUE(
    t.replace("b@h", {entry("lobby", "cy", "b2"), entry("dev", "di", "b3")})
      .empty());
}

TEST(presence_table, payloads_have_the_phoenix_presence_shape) {
  std::vector<presence_entry> entries{{"lobby", "ann", "r1", "a@h", 17},
                                      {"lobby", "ann", "r2", "b@h", 18}};
  // Built in a resource of its own, as a room answers a join.
  auto sp
    = boost::json::make_shared_resource<boost::json::monotonic_resource>();
  auto state = presence_table::state_json(entries, sp);
  EXPECT_EQ(state.storage(), sp);
  EXPECT_EQ(
    boost::json::serialize(state),
    R"({"ann":{"metas":[{"phx_ref":"r1","node":"a@h","online_at":"17"},)"
    R"({"phx_ref":"r2","node":"b@h","online_at":"18"}]}})");
  room_diff diff;
  diff.leaves.push_back({"lobby", "bob", "r3", "a@h", 19});
  EXPECT_EQ(boost::json::serialize(presence_table::diff_json(diff)),
            R"({"joins":{},"leaves":{"bob":{"metas":[{"phx_ref":"r3",)"
            R"("node":"a@h","online_at":"19"}]}}})");
}

TEST(sync_wire, messages_round_trip) {
  heartbeat hb{"a@h", 7, {"lobby", "dev"}, {{"lobby", "ann", "r1", "a@h", 17}}};
  auto back = decode_sync(encode(hb), 0);
  ASSERT_TRUE(back);
  auto& got = std::get<heartbeat>(*back);
  EXPECT_EQ(got.node, "a@h");
  EXPECT_EQ(got.incarnation, 7);
  EXPECT_EQ(got.rooms, hb.rooms);
  EXPECT_EQ(got.presences, hb.presences);
  presence_delta delta{"a@h", {{"dev", "cy", "r2", "a@h", 18}}, {"r1"}};
  auto d = decode_sync(encode(delta), 0);
  ASSERT_TRUE(d);
  auto& got_delta = std::get<presence_delta>(*d);
  EXPECT_EQ(got_delta.node, "a@h");
  EXPECT_EQ(got_delta.joins, delta.joins);
  EXPECT_EQ(got_delta.leaves, delta.leaves);
  auto req = decode_sync(encode(history_request{"lobby", "b@h"}), 0);
  ASSERT_TRUE(req);
  EXPECT_EQ(std::get<history_request>(*req).reply_to, "b@h");
  chat_message m{"id1", "ann", "hi", 5, "a@h"};
  auto ans = decode_sync(encode(history_answer{"lobby", {m}}), 0);
  ASSERT_TRUE(ans);
  EXPECT_EQ(std::get<history_answer>(*ans).messages.at(0), m);
}

TEST(sync_wire, anything_else_is_refused) {
  for (auto& x :
       {etf::term{etf::atom{"cafe_chat"}},
        etf::make_tuple(etf::atom{"cafe_chat"}, etf::atom{"what"}, 1, 2),
        etf::make_tuple(etf::atom{"other"}, etf::atom{"heartbeat"},
                        etf::atom{"a@h"}, 1, etf::list{}, etf::list{}),
        etf::make_tuple(etf::atom{"cafe_chat"}, etf::atom{"heartbeat"},
                        etf::atom{"a@h"}, 1, etf::list{}, etf::make_list(1)),
        etf::make_tuple(etf::atom{"cafe_chat"}, etf::atom{"presence_delta"},
                        etf::atom{"a@h"}, etf::list{}, etf::make_list(1)),
        etf::make_tuple(etf::atom{"cafe_chat"}, etf::atom{"presence_delta"},
                        etf::atom{"a@h"}, etf::make_list(1), etf::list{})})
    EXPECT_FALSE(decode_sync(x, 0));
}
