// apps.chat.channels.session: the channel state machine of one socket
// against a recording callee: every frame it writes is compared with the
// exact text PHOENIX.md §2-§3 gives for Phoenix's server, and every call on
// the callee with the expected order.

#include "channels/session.hpp"
#include "recording_callee.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace cafe::chat::channels;
using cafe::chat::channels::test::recording_callee;
using calls = std::vector<std::string>;

namespace {

boost::json::object obj(std::string_view json) {
  return boost::json::parse(json).as_object();
}

struct fixture : ::testing::Test {
  recording_callee app;
  session s{app, version::v2};

  /// Joins `topic` with join_ref `jr` and answers ok.
  void joined(const std::string& topic, const std::string& jr) {
    s.on_text("[\"" + jr + "\",\"" + jr + "\",\"" + topic
              + "\",\"phx_join\",{}]");
    s.join_reply(topic, jr, true, {});
    app.take();
  }
};

TEST_F(fixture, heartbeat_is_answered_at_once) {
  s.on_text(R"([null,"1","phoenix","heartbeat",{}])");
  EXPECT_EQ(app.take(), calls{R"(send [null,"1","phoenix","phx_reply",)"
                              R"({"status":"ok","response":{}}])"});
}

TEST(session_v1, heartbeat_reply_is_an_object_without_join_ref) {
  recording_callee app;
  session s{app, version::v1};
  s.on_text(R"({"topic":"phoenix","event":"heartbeat","payload":{},)"
            R"("ref":"1","join_ref":"9"})");
  EXPECT_EQ(app.take(), calls{R"(send {"topic":"phoenix","event":"phx_reply",)"
                              R"("payload":{"status":"ok","response":{}},)"
                              R"("ref":"1"})"});
}

TEST_F(fixture, join_ok) {
  s.on_text(R"(["5","5","room:lobby","phx_join",{"nick":"ann"}])");
  EXPECT_EQ(app.take(), calls{R"(join room:lobby 5 {"nick":"ann"})"});
  EXPECT_EQ(s.joined("room:lobby"), std::nullopt); // not before the answer
  EXPECT_EQ(s.channel_count(), 1u);
  s.join_reply("room:lobby", "5", true, {});
  EXPECT_EQ(app.take(), calls{R"(send ["5","5","room:lobby","phx_reply",)"
                              R"({"status":"ok","response":{}}])"});
  EXPECT_EQ(s.joined("room:lobby"), "5");
}

TEST_F(fixture, join_error) {
  s.on_text(R"(["5","5","room:lobby","phx_join",{}])");
  app.take();
  s.join_reply("room:lobby", "5", false, obj(R"({"reason":"unauthorized"})"));
  EXPECT_EQ(app.take(), calls{R"(send ["5","5","room:lobby","phx_reply",)"
                              R"({"status":"error","response":)"
                              R"({"reason":"unauthorized"}}])"});
  EXPECT_EQ(s.channel_count(), 0u);
}

TEST_F(fixture, join_answered_inside_join) {
  app.on_join = [this](const std::string& topic, const std::string& jr) {
    s.join_reply(topic, jr, true, obj(R"({"hello":1})"));
  };
  s.on_text(R"([7,7,"room:a","phx_join",{}])");
  EXPECT_EQ(app.take(), (calls{"join room:a 7 {}",
                               R"(send ["7","7","room:a","phx_reply",)"
                               R"({"status":"ok","response":{"hello":1}}])"}));
}

TEST_F(fixture, join_ref_defaults_to_ref_and_reply_echoes_the_ref) {
  s.on_text(R"([null,"3","room:a","phx_join",{}])");
  s.join_reply("room:a", "3", true, {});
  s.on_text(R"(["8","9","room:b","phx_join",{}])");
  s.join_reply("room:b", "8", true, {});
  EXPECT_EQ(app.take(), (calls{"join room:a 3 {}",
                               R"(send ["3","3","room:a","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               "join room:b 8 {}",
                               R"(send ["8","9","room:b","phx_reply",)"
                               R"({"status":"ok","response":{}}])"}));
}

TEST_F(fixture, unmatched_topic_join) {
  s.on_text(R"(["5","5","nope","phx_join",{}])");
  EXPECT_EQ(app.take(), calls{R"(send [null,"5","nope","phx_reply",)"
                              R"({"status":"error","response":)"
                              R"({"reason":"unmatched topic"}}])"});
  EXPECT_EQ(s.channel_count(), 0u);
}

TEST(session_limits, too_many_channels) {
  recording_callee app;
  session s{app, version::v2, 2};
  s.on_text(R"(["1","1","room:a","phx_join",{}])");
  s.on_text(R"(["2","2","room:b","phx_join",{}])");
  app.take();
  s.on_text(R"(["3","3","room:c","phx_join",{}])");
  EXPECT_EQ(app.take(), calls{R"(send ["3","3","room:c","phx_reply",)"
                              R"({"status":"error","response":)"
                              R"({"reason":"too many channels joined"}}])"});
  // A rejoin of a topic already counted is not a new channel.
  s.join_reply("room:b", "2", true, {});
  app.take();
  s.on_text(R"(["4","4","room:b","phx_join",{}])");
  EXPECT_EQ(app.take(), (calls{"leave room:b 2", "join room:b 4 {}"}));
  EXPECT_EQ(s.channel_count(), 2u);
}

TEST_F(fixture, duplicate_join_closes_the_old_channel_after_the_new_reply) {
  joined("room:lobby", "1");
  s.on_text(R"(["3","3","room:lobby","phx_join",{"again":true}])");
  EXPECT_EQ(app.take(), (calls{"leave room:lobby 1",
                               R"(join room:lobby 3 {"again":true})"}));
  EXPECT_EQ(s.joined("room:lobby"), std::nullopt);
  s.join_reply("room:lobby", "3", true, {});
  EXPECT_EQ(app.take(),
            (calls{R"(send ["3","3","room:lobby","phx_reply",)"
                   R"({"status":"ok","response":{}}])",
                   R"(send ["1","1","room:lobby","phx_close",{}])"}));
  EXPECT_EQ(s.joined("room:lobby"), "3");
}

// Phoenix's socket process answers a join before it reads the next frame,
// so every join gets its reply: the second join waits for the first one's
// answer, then replaces the channel it made.
TEST_F(fixture, duplicate_join_while_the_first_is_pending) {
  s.on_text(R"(["1","1","room:lobby","phx_join",{}])");
  s.on_text(R"(["3","3","room:lobby","phx_join",{}])");
  EXPECT_EQ(app.take(), calls{"join room:lobby 1 {}"});
  s.join_reply("room:lobby", "1", true, {});
  EXPECT_EQ(app.take(), (calls{R"(send ["1","1","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               "leave room:lobby 1", "join room:lobby 3 {}"}));
  s.join_reply("room:lobby", "3", true, {});
  EXPECT_EQ(app.take(),
            (calls{R"(send ["3","3","room:lobby","phx_reply",)"
                   R"({"status":"ok","response":{}}])",
                   R"(send ["1","1","room:lobby","phx_close",{}])"}));
}

// A join the client gave up (it left while the join was unanswered) is
// not answered, and an `ok` for it is handed back.
TEST_F(fixture, late_answer_to_a_join_the_client_left) {
  s.on_text(R"(["1","1","room:lobby","phx_join",{}])");
  s.on_text(R"(["1","2","room:lobby","phx_leave",{}])");
  app.take();
  s.join_reply("room:lobby", "1", true, {});
  EXPECT_EQ(app.take(), calls{"leave room:lobby 1"});
}

TEST_F(fixture, events_on_a_joined_channel) {
  joined("room:lobby", "5");
  app.on_in = [this](const std::string& topic, const std::string& jr,
                     const std::optional<std::string>& ref) {
    s.reply(topic, jr, ref, "ok", obj(R"({"id":42})"));
  };
  s.on_text(R"(["5","7","room:lobby","new_msg",{"body":"hi"}])");
  // null join_ref is accepted ("the protocol does not require it").
  s.on_text(R"([null,"8","room:lobby","new_msg",{"body":"yo"}])");
  EXPECT_EQ(app.take(), (calls{R"(in room:lobby 5 7 new_msg {"body":"hi"})",
                               R"(send ["5","7","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{"id":42}}])",
                               R"(in room:lobby 5 8 new_msg {"body":"yo"})",
                               R"(send ["5","8","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{"id":42}}])"}));
}

TEST_F(fixture, event_on_a_topic_not_joined) {
  s.on_text(R"(["5","7","room:lobby","new_msg",{"body":"hi"}])");
  EXPECT_EQ(app.take(), calls{R"(send [null,"7","room:lobby","phx_reply",)"
                              R"({"status":"error","response":)"
                              R"({"reason":"unmatched topic"}}])"});
}

TEST_F(fixture, stale_join_ref_is_ignored_without_reply) {
  joined("room:lobby", "5");
  s.on_text(R"(["4","7","room:lobby","new_msg",{"body":"hi"}])");
  s.on_text(R"(["4","8","room:lobby","phx_leave",{}])");
  // The heartbeat's reply is the next call: nothing came before it.
  s.on_text(R"([null,"9","phoenix","heartbeat",{}])");
  auto got = app.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with(R"(send [null,"9","phoenix")")) << got[0];
  EXPECT_EQ(s.joined("room:lobby"), "5");
}

TEST_F(fixture, leave_replies_then_closes) {
  joined("room:lobby", "5");
  s.on_text(R"(["5","9","room:lobby","phx_leave",{}])");
  EXPECT_EQ(app.take(), (calls{R"(send ["5","9","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               R"(send ["5","5","room:lobby","phx_close",{}])",
                               "leave room:lobby 5"}));
  EXPECT_EQ(s.channel_count(), 0u);
  // Leaving again: a topic not joined is answered ok.
  s.on_text(R"(["5","10","room:lobby","phx_leave",{}])");
  EXPECT_EQ(app.take(), calls{R"(send ["5","10","room:lobby","phx_reply",)"
                              R"({"status":"ok","response":{}}])"});
}

TEST_F(fixture, leave_with_null_join_ref) {
  joined("room:lobby", "5");
  s.on_text(R"([null,"9","room:lobby","phx_leave",{}])");
  EXPECT_EQ(app.take(), (calls{R"(send ["5","9","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               R"(send ["5","5","room:lobby","phx_close",{}])",
                               "leave room:lobby 5"}));
}

TEST_F(fixture, leave_while_the_join_is_pending) {
  // The client's join timed out: it sends phx_leave with that join_ref.
  s.on_text(R"(["5","5","room:lobby","phx_join",{}])");
  app.take();
  s.on_text(R"(["5","6","room:lobby","phx_leave",{}])");
  EXPECT_EQ(app.take(), (calls{R"(send ["5","6","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               "leave room:lobby 5"}));
  s.join_reply("room:lobby", "5", true, {});
  EXPECT_EQ(app.take(), calls{"leave room:lobby 5"});
  s.join_reply("room:lobby", "5", false, {});
  EXPECT_EQ(app.take(), calls{}); // a refused join needs no leave
}

TEST_F(fixture, events_wait_for_the_join_reply) {
  s.on_text(R"(["5","5","room:lobby","phx_join",{}])");
  s.on_text(R"(["5","6","room:lobby","new_msg",{"n":1}])");
  s.on_text(R"([null,"7","room:lobby","new_msg",{"n":2}])");
  s.on_text(R"(["4","8","room:lobby","new_msg",{"n":0}])"); // stale
  EXPECT_EQ(app.take(), calls{"join room:lobby 5 {}"});
  s.join_reply("room:lobby", "5", true, {});
  EXPECT_EQ(app.take(), (calls{R"(send ["5","5","room:lobby","phx_reply",)"
                               R"({"status":"ok","response":{}}])",
                               R"(in room:lobby 5 6 new_msg {"n":1})",
                               R"(in room:lobby 5 7 new_msg {"n":2})"}));
}

TEST_F(fixture, events_behind_a_refused_join_meet_no_channel) {
  s.on_text(R"(["5","5","room:lobby","phx_join",{}])");
  s.on_text(R"(["5","6","room:lobby","new_msg",{}])");
  app.take();
  s.join_reply("room:lobby", "5", false, obj(R"({"reason":"no"})"));
  EXPECT_EQ(app.take(),
            (calls{R"(send ["5","5","room:lobby","phx_reply",)"
                   R"({"status":"error","response":{"reason":"no"}}])",
                   R"(send [null,"6","room:lobby","phx_reply",)"
                   R"({"status":"error","response":)"
                   R"({"reason":"unmatched topic"}}])"}));
}

TEST_F(fixture, too_many_frames_before_the_join_reply) {
  s.on_text(R"(["5","5","room:lobby","phx_join",{}])");
  for (size_t i = 0; i < session::max_pending_per_channel; ++i)
    s.on_text(R"(["5","6","room:lobby","new_msg",{}])");
  EXPECT_EQ(app.take(), calls{"join room:lobby 5 {}"});
  s.on_text(R"(["5","6","room:lobby","new_msg",{}])");
  auto got = app.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with("close 1008 ")) << got[0];
}

TEST_F(fixture, pushes_and_broadcasts) {
  joined("room:lobby", "5");
  s.push("room:lobby", "new_msg", obj(R"({"body":"hi","user":"ann"})"));
  s.push("room:other", "new_msg", obj("{}")); // not joined: dropped
  EXPECT_EQ(app.take(), calls{R"(send ["5",null,"room:lobby","new_msg",)"
                              R"({"body":"hi","user":"ann"}])"});
  EXPECT_EQ(session::broadcast_frame(version::v2, "room:lobby", "new_msg",
                                     obj(R"({"body":"hi","user":"ann"})")),
            R"([null,null,"room:lobby","new_msg",{"body":"hi","user":"ann"}])");
  EXPECT_EQ(session::broadcast_frame(version::v1, "room:lobby", "new_msg",
                                     obj(R"({"body":"hi"})")),
            R"({"topic":"room:lobby","event":"new_msg",)"
            R"("payload":{"body":"hi"},"ref":null})");
}

TEST_F(fixture, replies_only_for_the_current_channel) {
  joined("room:lobby", "5");
  s.reply("room:lobby", "4", "7", "ok", {});
  s.reply("room:other", "5", "7", "ok", {});
  EXPECT_EQ(app.take(), calls{});
  s.reply("room:lobby", "5", std::nullopt, "error", obj(R"({"x":1})"));
  EXPECT_EQ(app.take(), calls{R"(send ["5",null,"room:lobby","phx_reply",)"
                              R"({"status":"error","response":{"x":1}}])"});
}

TEST_F(fixture, channel_error_and_close) {
  joined("room:a", "5");
  joined("room:b", "6");
  s.channel_error("room:a", "channel_crash");
  s.channel_close("room:b");
  s.channel_close("room:b");
  EXPECT_EQ(app.take(), (calls{R"(send ["5","5","room:a","phx_error",)"
                               R"({"reason":"channel_crash"}])",
                               R"(send ["6","6","room:b","phx_close",{}])"}));
  EXPECT_EQ(s.channel_count(), 0u);
}

TEST_F(fixture, closed_leaves_every_channel) {
  joined("room:a", "5");
  s.on_text(R"(["6","6","room:b","phx_join",{}])");
  app.take();
  s.closed();
  EXPECT_EQ(app.take(), (calls{"leave room:a 5", "leave room:b 6"}));
  s.on_text(R"([null,"9","phoenix","heartbeat",{}])");
  s.push("room:a", "x", {});
  s.closed();
  EXPECT_EQ(app.take(), calls{});
  // The join answered after the socket closed is handed back.
  s.join_reply("room:b", "6", true, {});
  EXPECT_EQ(app.take(), calls{"leave room:b 6"});
}

TEST_F(fixture, malformed_frames_close_the_connection) {
  for (std::string bad : {std::string{"not json"},
                          std::string{"[\"1\",\"1\",\"room:\xFF\",\"e\",{}]"},
                          std::string{R"({"topic":"room:a"})"},
                          std::string{R"(["1","1","room:a","phx_join",[]])"},
                          std::string{R"([null,null,"room:a","phx_join",{}])"},
                          std::string(max_frame_bytes + 1, ' ')}) {
    recording_callee app2;
    session s2{app2, version::v2};
    s2.on_text(bad);
    auto got = app2.take();
    ASSERT_EQ(got.size(), 1u) << bad.substr(0, 80);
    EXPECT_TRUE(got[0].starts_with("close 1007 ")) << got[0];
    // Nothing more is read after the close.
    s2.on_text(R"([null,"1","phoenix","heartbeat",{}])");
    s2.on_binary();
    EXPECT_EQ(app2.take(), calls{});
  }
}

TEST_F(fixture, binary_frames_close_the_connection) {
  s.on_binary();
  auto got = app.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].starts_with("close 1003 ")) << got[0];
}

TEST_F(fixture, every_truncated_prefix_closes_cleanly) {
  std::string frames[] = {
    R"(["5","5","room:lobby","phx_join",{"nick":"ann"}])",
    R"([null,"1","phoenix","heartbeat",{}])",
    R"(["5","9","room:lobby","phx_leave",{}])",
  };
  for (auto& f : frames) {
    for (size_t n = 0; n < f.size(); ++n) {
      recording_callee app2;
      session s2{app2, version::v2};
      s2.on_text(std::string_view{f}.substr(0, n));
      auto got = app2.take();
      ASSERT_EQ(got.size(), 1u) << f.substr(0, n);
      EXPECT_TRUE(got[0].starts_with("close 1007 ")) << got[0];
    }
  }
}

} // namespace
