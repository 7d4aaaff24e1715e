#include "cafe/etf/atom.hpp"
#include "rooms/chat_message.hpp"
#include "rooms/history.hpp"
#include "rooms/names.hpp"
#include "rooms/rate_limit.hpp"
#include "rooms/term_json.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace cafe;
using namespace cafe::chat::rooms;

TEST(names, rooms_are_safe_in_topics_urls_and_labels) {
  EXPECT_TRUE(valid_room_name("lobby"));
  EXPECT_TRUE(valid_room_name("dev-ops_2"));
  EXPECT_FALSE(valid_room_name(""));
  EXPECT_FALSE(valid_room_name(std::string(33, 'a')));
  EXPECT_TRUE(valid_room_name(std::string(32, 'a')));
  for (auto bad : {"a b", "a:b", "<script>", "a/b", "caf\xc3\xa9"})
    EXPECT_FALSE(valid_room_name(bad)) << bad;
  EXPECT_EQ(room_of_topic("room:lobby"), std::string_view{"lobby"});
  EXPECT_FALSE(room_of_topic("room:"));
  EXPECT_FALSE(room_of_topic("rooms:lobby"));
  EXPECT_FALSE(room_of_topic("phoenix"));
  EXPECT_EQ(topic_of_room("x"), "room:x");
}

TEST(names, nicknames_are_trimmed_and_checked) {
  EXPECT_EQ(check_nickname("  ann  ").nickname, "ann");
  EXPECT_EQ(check_nickname("J\xc3\xbcrgen M.").nickname, "J\xc3\xbcrgen M.");
  EXPECT_EQ(check_nickname("   ").reason, "nickname required");
  EXPECT_EQ(check_nickname(std::string(25, 'a')).reason, "nickname too long");
  EXPECT_TRUE(check_nickname(std::string(24, 'a')).nickname);
  for (auto bad : {"<script>", "a\nb", "a\x01",
                   "\xe2\x80\xae"
                   "evil",
                   "\xff\xfe"})
    EXPECT_FALSE(check_nickname(bad).nickname) << bad;
}

TEST(names, bodies_are_checked) {
  EXPECT_EQ(check_body("", 10), "empty");
  EXPECT_EQ(check_body(" \n ", 10), "empty");
  EXPECT_EQ(check_body("12345678901", 10), "too long");
  EXPECT_EQ(check_body("\xc0\xaf", 10), "invalid utf-8");
  EXPECT_FALSE(check_body("<b>hi</b>", 10));
}

TEST(chat_message, times_are_iso8601_utc_both_ways) {
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(1796672701123), "2026-12-07T19:45:01.123Z");
  EXPECT_EQ(parse_iso8601("2026-12-07T19:45:01.123Z"), 1796672701123);
  EXPECT_EQ(parse_iso8601("2026-12-07T19:45:01Z"), 1796672701000);
  EXPECT_EQ(parse_iso8601("2026-12-07T19:45:01.5+00:00"), 1796672701500);
  for (auto bad : {"", "2026-12-07", "2026-13-07T00:00:00Z",
                   "2026-12-07T19:45:01.123+01:00", "2026-12-07T19:45:01."})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}

TEST(chat_message, payloads_round_trip_through_terms) {
  chat_message m{"n/1/x", "ann", "<script>alert(1)</script>", 1796672701123,
                 "chat1@127.0.0.1"};
  EXPECT_EQ(from_term(to_term(m), 0), m);
  auto json = to_json(m);
  EXPECT_EQ(json.at("at").as_string(), "2026-12-07T19:45:01.123Z");
  EXPECT_EQ(json.at("body").as_string(), m.body);
}

TEST(chat_message, elixir_payloads_with_atom_keys_get_a_stable_id) {
  auto payload = etf::make_map({{etf::atom{"body"}, etf::binary{"hi"}},
                                {etf::atom{"user"}, etf::binary{"ex"}}});
  auto a = from_term(payload, 1000);
  auto b = from_term(payload, 1000);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "hi");
  EXPECT_EQ(a->user, "ex");
  EXPECT_EQ(a->at_ms, 1000);
  EXPECT_EQ(a->id, b->id);
  EXPECT_FALSE(
    from_term(etf::make_map({{etf::atom{"user"}, etf::binary{"x"}}}), 0));
  EXPECT_FALSE(from_term(etf::binary{"body"}, 0));
}

namespace {

/// A message with only an id and a time that matter.
chat_message msg(std::string id, int64_t at) {
  return chat_message{std::move(id), "u", "b", at, "n"};
}

} // namespace

TEST(history, keeps_the_last_n_in_time_order_once_each) {
  history h{3};
  EXPECT_TRUE(h.add(msg("b", 20)));
  EXPECT_TRUE(h.add(msg("a", 10)));
  EXPECT_FALSE(h.add(msg("a", 10)));
  EXPECT_TRUE(h.add(msg("d", 40)));
  EXPECT_TRUE(h.add(msg("c", 30)));
  ASSERT_EQ(h.messages().size(), 3u);
  EXPECT_EQ(h.messages()[0].id, "b");
  EXPECT_EQ(h.messages()[1].id, "c");
  EXPECT_EQ(h.messages()[2].id, "d");
  // Older than everything in a full history: not taken.
  EXPECT_FALSE(h.add(msg("z", 5)));
  EXPECT_FALSE(h.contains("a"));
  h.merge({msg("e", 50), msg("c", 30)});
  EXPECT_EQ(h.messages().back().id, "e");
  EXPECT_EQ(h.messages().size(), 3u);
}

TEST(history, keeps_arrival_order_within_a_millisecond) {
  history h{10};
  // A reply from another node, sent after "z" was seen, in the same ms.
  EXPECT_TRUE(h.add(msg("z", 10)));
  EXPECT_TRUE(h.add(msg("a", 10)));
  EXPECT_TRUE(h.add(msg("m", 5)));
  h.merge({msg("b", 10), msg("y", 10)});
  std::vector<std::string> ids;
  for (auto& m : h.messages())
    ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"m", "z", "a", "b", "y"}));
}

TEST(rate_limit, refills_at_its_rate) {
  rate_limit limit{2, 3};
  auto t = rate_limit::clock::time_point{};
  EXPECT_TRUE(limit.try_take(t));
  EXPECT_TRUE(limit.try_take(t));
  EXPECT_TRUE(limit.try_take(t));
  EXPECT_FALSE(limit.try_take(t));
  EXPECT_FALSE(limit.try_take(t + std::chrono::milliseconds{400}));
  EXPECT_TRUE(limit.try_take(t + std::chrono::milliseconds{600}));
  EXPECT_FALSE(limit.try_take(t + std::chrono::milliseconds{600}));
}

TEST(term_json, encodes_as_jason_does) {
  auto x = etf::make_map(
    {{etf::atom{"a"}, etf::atom{"nil"}},
     {etf::binary{"b"}, etf::make_list(1, 2.5, etf::atom{"true"})},
     {etf::atom{"c"}, etf::atom{"word"}}});
  auto j = json_of(x);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j,
            boost::json::parse(R"({"a":null,"b":[1,2.5,true],"c":"word"})"));
  EXPECT_FALSE(json_of(etf::make_tuple(1, 2)));
  EXPECT_FALSE(json_of(etf::binary{"\xff"}));
  EXPECT_FALSE(json_of(
    etf::make_map({{etf::atom{"__struct__"}, etf::atom{"Elixir.Foo"}}})));
  auto back = term_of(boost::json::parse(R"({"k":["v",null,1]})"));
  EXPECT_EQ(back, etf::make_map(
                    {{etf::binary{"k"},
                      etf::make_list(etf::binary{"v"}, etf::atom{"nil"}, 1)}}));
}
