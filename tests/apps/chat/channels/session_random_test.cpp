// apps.chat.channels.session (random part): random frames from a small
// vocabulary (joins, leaves, events, heartbeats, stale and numeric refs,
// garbage) interleaved with random answers from a model application, late
// and duplicate ones included. Seeded by CAFE_TEST_SEED (default 1); runs
// CAFE_SESSION_RUNS (default 2000) sessions.
//
// The model application keeps the set of (topic, join_ref) it believes are
// members; the session must agree at every step (a member is exactly a
// joined channel), every frame written must decode, and once the socket is
// closed the application must hold no member: no join is ever leaked.

#include "cafe/test/env.hpp"
#include "channels/session.hpp"
#include "recording_callee.hpp"

#include <gtest/gtest.h>
#include <random>
#include <set>
#include <sstream>

using namespace cafe::chat::channels;
using cafe::chat::channels::test::recording_callee;
using cafe::test::env_uint;
using cafe::test::reproduce;
using cafe::test::test_seed;

namespace {

using member = std::pair<std::string, std::string>;

/// The application: joins are remembered and answered later by the driver;
/// an `ok` answer makes a member, `leave` ends one.
struct model_app : recording_callee {
  std::set<member> members;
  std::vector<member> joins; // every join ever asked, answered or not

  void join(const std::string& topic, const std::string& jr,
            const boost::json::object& params) override {
    recording_callee::join(topic, jr, params);
    joins.emplace_back(topic, jr);
  }

  void leave(const std::string& topic, const std::string& jr) override {
    recording_callee::leave(topic, jr);
    members.erase({topic, jr});
  }
};

const char* const topics[] = {"room:a", "room:b", "room:c", "nope", "phoenix"};
const char* const refs[] = {"\"1\"", "\"2\"", "\"3\"", "\"4\"", "null", "3"};
const char* const events[] = {"phx_join", "phx_join", "phx_leave", "new_msg",
                              "heartbeat"};
const char* const payloads[] = {"{}", "{\"b\":1}", "[]", "\"x\""};

template <class T, size_t N>
const T& pick(std::mt19937_64& rng, const T (&xs)[N]) {
  return xs[rng() % N];
}

std::string random_frame(std::mt19937_64& rng) {
  if (rng() % 40 == 0) {
    std::string junk(rng() % 8, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    return junk;
  }
  std::ostringstream out;
  out << '[' << pick(rng, refs) << ',' << pick(rng, refs) << ",\""
      << pick(rng, topics) << "\",\"" << pick(rng, events) << "\","
      << (rng() % 8 == 0 ? pick(rng, payloads) : "{}") << ']';
  return out.str();
}

TEST(session_random, model_and_session_agree) {
  auto seed = test_seed(1);
  auto runs = env_uint("CAFE_SESSION_RUNS", 2000);
  std::mt19937_64 rng{seed};
  size_t joined_checks = 0;
  size_t closes = 0;
  for (uint64_t run = 0; run < runs; ++run) {
    model_app app;
    session s{app, version::v2, 2};
    std::vector<std::string> steps;
    auto fail_here = [&](const std::string& what) {
      std::ostringstream msg;
      msg << what << " (run " << run << ")\n  steps:\n";
      for (auto& st : steps)
        msg << "    " << st << '\n';
      msg << "  " << reproduce("apps.chat.channels.session", seed);
      return msg.str();
    };
    bool closed_by_session = false;
    for (int step = 0; step < 60; ++step) {
      auto choice = rng() % 10;
      if (choice < 5) {
        auto f = random_frame(rng);
        steps.push_back("in " + f);
        s.on_text(f);
      } else if (choice < 8 && !app.joins.empty()) {
        auto j = app.joins[rng() % app.joins.size()];
        bool ok = rng() % 4 != 0;
        steps.push_back("answer " + j.first + " " + j.second
                        + (ok ? " ok" : " error"));
        if (ok)
          app.members.insert(j);
        s.join_reply(j.first, j.second, ok, {});
      } else if (choice == 8) {
        std::string t = pick(rng, topics);
        steps.push_back("push " + t);
        s.push(t, "new_msg", {});
      } else if (choice == 9 && !app.members.empty()) {
        auto m = *std::next(app.members.begin(), rng() % app.members.size());
        steps.push_back("close channel " + m.first);
        app.members.erase(m);
        s.channel_close(m.first);
      }
      // Every frame written decodes; a close comes at most once and
      // nothing is sent after it.
      for (auto& call : app.take()) {
        steps.push_back("  -> " + call);
        if (call.starts_with("close ")) {
          ASSERT_FALSE(closed_by_session) << fail_here("second close");
          closed_by_session = true;
          ++closes;
        } else if (call.starts_with("send ")) {
          ASSERT_FALSE(closed_by_session) << fail_here("send after close");
          ASSERT_TRUE(decode(version::v2, call.substr(5)))
            << fail_here("undecodable frame");
        }
      }
      ASSERT_LE(s.channel_count(), 2u) << fail_here("channel limit");
      for (auto t : topics) {
        auto jr = s.joined(t);
        for (auto& [mt, mjr] : app.members)
          if (mt == t)
            ASSERT_EQ(jr, mjr) << fail_here("member not joined: " + mt);
        if (jr) {
          ++joined_checks;
          ASSERT_TRUE(app.members.count({t, *jr}))
            << fail_here("joined without member: " + std::string{t});
        }
      }
    }
    s.closed();
    app.take();
    ASSERT_TRUE(app.members.empty()) << fail_here("leaked join");
    // Answers that arrive after the close are handed back too.
    for (auto& j : app.joins) {
      app.members.insert(j);
      s.join_reply(j.first, j.second, true, {});
    }
    ASSERT_TRUE(app.members.empty()) << fail_here("late answer leaked");
  }
  // The vocabulary reaches the interesting states often enough.
  EXPECT_GT(joined_checks, runs * 5);
  EXPECT_GT(closes, runs / 10);
}

} // namespace
