// Both handshake roles driven against each other through every status, the
// failure paths, the old 'n' + 'c' form, and every split of the byte
// streams.

#include "cafe/handshake/acceptor.hpp"
#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/initiator.hpp"
#include "cafe/handshake/messages.hpp"
#include "cafe/test/hex.hpp"

#include <deque>
#include <gtest/gtest.h>
#include <optional>

using namespace cafe::handshake;
namespace flag = cafe::distribution::flag;
using cafe::distribution::flags_t;
using cafe::test::from_hex;
using cafe::test::to_hex;

namespace {

// Deterministic challenges: each source hands out its values in turn.
random_source fixed(std::vector<uint32_t> values) {
  auto pos = std::make_shared<size_t>(0);
  return [values = std::move(values), pos]() -> std::optional<uint32_t> {
    if (*pos >= values.size())
      return std::nullopt;
    return values[(*pos)++];
  };
}

config make_config(std::string node, uint32_t creation,
                   std::string cookie = "secret",
                   std::vector<uint32_t> randoms = {1000, 2000, 3000}) {
  config cfg;
  cfg.node = std::move(node);
  cfg.creation = creation;
  cfg.cookie = std::move(cookie);
  cfg.random = fixed(std::move(randoms));
  return cfg;
}

struct policy {
  status verdict = status::ok;
  bool alive_answer = true;
  /// Bytes per delivery; 1 feeds byte by byte.
  size_t chunk = SIZE_MAX;
};

// Runs a handshake between `ini` and `acc`, answering decisions per `p`,
// and records everything each side wrote.
struct duel {
  duel(initiator& i, acceptor& a, policy pol) : ini(i), acc(a), p(pol) {
    // nop
  }

  initiator& ini;
  acceptor& acc;
  policy p;
  std::vector<uint8_t> to_acc, to_ini; // everything written
  std::deque<uint8_t> acc_inbox, ini_inbox; // not yet delivered
  std::optional<done> ini_done, acc_done;
  std::optional<failure> ini_fail, acc_fail;
  int status_decisions = 0, alive_decisions = 0, pending_waits = 0;
  std::optional<decide_status> asked;

  void from_ini(progress pr) {
    to_acc.insert(to_acc.end(), pr.output.begin(), pr.output.end());
    acc_inbox.insert(acc_inbox.end(), pr.output.begin(), pr.output.end());
    if (std::holds_alternative<decide_alive>(pr.ev)) {
      ++alive_decisions;
      from_ini(ini.answer_alive(p.alive_answer));
    } else if (auto* x = std::get_if<done>(&pr.ev)) {
      ini_done = *x;
    } else if (auto* x = std::get_if<failure>(&pr.ev)) {
      ini_fail = *x;
    }
  }

  void from_acc(progress pr) {
    to_ini.insert(to_ini.end(), pr.output.begin(), pr.output.end());
    ini_inbox.insert(ini_inbox.end(), pr.output.begin(), pr.output.end());
    if (auto* x = std::get_if<decide_status>(&pr.ev)) {
      ++status_decisions;
      asked = *x;
      from_acc(acc.decide(p.verdict));
    } else if (std::holds_alternative<wait_pending>(pr.ev)) {
      ++pending_waits;
      from_acc(acc.pending_done());
    } else if (auto* x = std::get_if<done>(&pr.ev)) {
      acc_done = *x;
    } else if (auto* x = std::get_if<failure>(&pr.ev)) {
      acc_fail = *x;
    }
  }

  static std::vector<uint8_t> take(std::deque<uint8_t>& q, size_t n) {
    n = std::min(n, q.size());
    std::vector<uint8_t> out(q.begin(), q.begin() + static_cast<long>(n));
    q.erase(q.begin(), q.begin() + static_cast<long>(n));
    return out;
  }

  bool ended_ini() const {
    return ini_done || ini_fail;
  }

  bool ended_acc() const {
    return acc_done || acc_fail;
  }

  duel& run() {
    from_ini(ini.start());
    while (!acc_inbox.empty() || !ini_inbox.empty()) {
      if (!acc_inbox.empty()) {
        auto bytes = take(acc_inbox, p.chunk);
        if (!ended_acc())
          from_acc(acc.feed(bytes));
      }
      if (!ini_inbox.empty()) {
        auto bytes = take(ini_inbox, p.chunk);
        if (!ended_ini())
          from_ini(ini.feed(bytes));
      }
    }
    return *this;
  }
};

std::vector<uint8_t> frame(const status_msg& x) {
  std::vector<uint8_t> out;
  encode(x, out);
  return out;
}

} // namespace

TEST(handshake_roles, ok_path_negotiates_flags_and_creations) {
  for (size_t chunk : {SIZE_MAX, size_t{1}, size_t{7}}) {
    initiator ini{make_config("a@host", 11), "b@host"};
    acceptor acc{make_config("b@host", 22)};
    duel d{ini, acc, policy{status::ok, true, chunk}};
    d.run();
    ASSERT_TRUE(d.ini_done) << (d.ini_fail ? d.ini_fail->detail : "");
    ASSERT_TRUE(d.acc_done) << (d.acc_fail ? d.acc_fail->detail : "");
    auto offered = flag::cafe_default | flag::published;
    EXPECT_EQ(d.ini_done->peer_node, "b@host");
    EXPECT_EQ(d.ini_done->peer_creation, 22u);
    EXPECT_EQ(d.ini_done->flags, offered);
    EXPECT_EQ(d.acc_done->peer_node, "a@host");
    EXPECT_EQ(d.acc_done->peer_creation, 11u);
    EXPECT_EQ(d.acc_done->flags, offered);
    EXPECT_TRUE(d.ini_done->leftover.empty());
    EXPECT_FALSE(d.ini_done->won_simultaneous);
    EXPECT_EQ(d.status_decisions, 1);
    ASSERT_TRUE(d.asked);
    EXPECT_EQ(d.asked->peer_node, "a@host");
    EXPECT_EQ(d.asked->peer_creation, 11u);
    EXPECT_FALSE(d.asked->old_send_name);
    EXPECT_EQ(ini.current(), initiator::step::done);
    EXPECT_EQ(acc.current(), acceptor::step::done);
  }
}

TEST(handshake_roles, hidden_nodes_do_not_publish) {
  auto cfg = make_config("a@host", 11);
  cfg.hidden = true;
  initiator ini{cfg, "b@host"};
  acceptor acc{make_config("b@host", 22)};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.ini_done && d.acc_done);
  EXPECT_EQ(d.asked->peer_flags & flag::published, 0u);
  EXPECT_EQ(d.ini_done->flags & flag::published, 0u);
  EXPECT_EQ(d.acc_done->flags & flag::published, 0u);
  EXPECT_NE(d.ini_done->peer_flags & flag::published, 0u);
}

TEST(handshake_roles, ok_simultaneous_continues) {
  initiator ini{make_config("z@host", 1), "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, policy{status::ok_simultaneous}};
  d.run();
  ASSERT_TRUE(d.ini_done && d.acc_done);
  // The initiator learns that it won a race (the node reports it).
  EXPECT_TRUE(d.ini_done->won_simultaneous);
  EXPECT_FALSE(d.acc_done->won_simultaneous);
  EXPECT_EQ(simultaneous_status("b@host", "z@host"), status::ok_simultaneous);
}

TEST(handshake_roles, nok_and_not_allowed_stop_both_sides) {
  for (auto [verdict, code, text] :
       {std::tuple{status::nok, errc::nok, "nok"},
        std::tuple{status::not_allowed, errc::not_allowed, "not_allowed"}}) {
    initiator ini{make_config("a@host", 1), "b@host"};
    acceptor acc{make_config("b@host", 2)};
    duel d{ini, acc, policy{verdict}};
    d.run();
    ASSERT_TRUE(d.ini_fail && d.acc_fail);
    EXPECT_EQ(d.ini_fail->reason, code);
    EXPECT_EQ(d.acc_fail->reason, code);
    // Only the status went out: no challenge.
    EXPECT_EQ(d.to_ini, frame(status_msg{text}));
  }
}

TEST(handshake_roles, alive_true_replaces_the_old_connection) {
  initiator ini{make_config("a@host", 1), "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, policy{status::alive, true}};
  d.run();
  ASSERT_TRUE(d.ini_done && d.acc_done);
  EXPECT_EQ(d.alive_decisions, 1);
  // The acceptor holds the ack until the old connection is gone.
  EXPECT_EQ(d.pending_waits, 1);
  auto strue = frame(status_msg{"true"});
  EXPECT_EQ(to_hex(std::span{d.to_acc}.subspan(d.to_acc.size() - 23 - 7, 7)),
            to_hex(strue));
}

TEST(handshake_roles, alive_false_keeps_the_old_connection) {
  initiator ini{make_config("a@host", 1), "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, policy{status::alive, false}};
  d.run();
  ASSERT_TRUE(d.ini_fail && d.acc_fail);
  EXPECT_EQ(d.ini_fail->reason, errc::alive_refused);
  EXPECT_EQ(d.acc_fail->reason, errc::alive_refused);
  EXPECT_EQ(d.to_ini, frame(status_msg{"alive"}));
}

TEST(handshake_roles, wrong_cookie_fails_at_the_challenge_reply) {
  initiator ini{make_config("a@host", 1, "one"), "b@host"};
  acceptor acc{make_config("b@host", 2, "two")};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.acc_fail);
  EXPECT_EQ(d.acc_fail->reason, errc::bad_digest);
  // Like OTP: no ack, the initiator is left waiting (and times out).
  EXPECT_FALSE(d.ini_done || d.ini_fail);
  EXPECT_EQ(ini.current(), initiator::step::recv_challenge_ack);
}

TEST(handshake_roles, initiator_checks_the_ack) {
  initiator ini{make_config("a@host", 1, "c", {77}), "b@host"};
  ini.start();
  std::vector<uint8_t> in = frame(status_msg{"ok"});
  encode(challenge_msg{flag::cafe_default, 5, 2, "b@host"}, in);
  encode(challenge_ack_msg{gen_digest(78, "c")}, in); // wrong challenge
  auto pr = ini.feed(in);
  auto* f = std::get_if<failure>(&pr.ev);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->reason, errc::bad_digest);
}

TEST(handshake_roles, acceptor_refuses_peers_missing_flags) {
  auto cfg = make_config("a@host", 1);
  cfg.flags
    = flag::cafe_default
      & ~(flag::big_creation | flag::map_tag | flag::mandatory_25_digest);
  initiator ini{cfg, "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.acc_fail && d.ini_fail);
  EXPECT_EQ(d.acc_fail->reason, errc::missing_flags);
  EXPECT_NE(d.acc_fail->detail.find("[MAP_TAG, BIG_CREATION]"),
            std::string::npos)
    << d.acc_fail->detail;
  // Before any decision, like dist_util's check_dflags.
  EXPECT_EQ(d.status_decisions, 0);
  EXPECT_EQ(d.to_ini, frame(status_msg{"not_allowed"}));
  EXPECT_EQ(d.ini_fail->reason, errc::not_allowed);
}

TEST(handshake_roles, initiator_refuses_acceptors_missing_flags) {
  auto cfg = make_config("b@host", 2);
  // Without MANDATORY_25_DIGEST, whose expansion would cover the set.
  cfg.flags = flag::cafe_default
              & ~(flag::new_floats | flag::mandatory_25_digest);
  initiator ini{make_config("a@host", 1), "b@host"};
  acceptor acc{cfg};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.ini_fail);
  EXPECT_EQ(d.ini_fail->reason, errc::missing_flags);
  EXPECT_NE(d.ini_fail->detail.find("NEW_FLOATS"), std::string::npos);
}

TEST(handshake_roles, mandatory_25_digest_stands_for_the_set) {
  auto cfg = make_config("a@host", 1);
  cfg.flags = flag::mandatory_25_digest | flag::handshake_23;
  initiator ini{cfg, "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.acc_done && d.ini_done);
  EXPECT_EQ(d.acc_done->peer_flags & flag::mandatory_25, flag::mandatory_25);
  EXPECT_EQ(d.acc_done->flags & flag::mandatory_25, flag::mandatory_25);
}

TEST(handshake_roles, initiator_checks_the_challenge_name) {
  initiator ini{make_config("a@host", 1), "b@host"};
  acceptor acc{make_config("c@host", 2)};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.ini_fail);
  EXPECT_EQ(d.ini_fail->reason, errc::name_mismatch);
}

TEST(handshake_roles, old_send_name_with_complement) {
  // An OTP 23/24 node that does not know our version: 'n' then 'c'.
  acceptor acc{make_config("b@host", 2, "secret", {4242})};
  std::vector<uint8_t> in;
  auto flags = flag::cafe_default | flag::published;
  encode(old_send_name_msg{5, static_cast<uint32_t>(flags), "old@host"}, in);
  auto pr = acc.feed(in);
  auto* ask = std::get_if<decide_status>(&pr.ev);
  ASSERT_NE(ask, nullptr);
  EXPECT_TRUE(ask->old_send_name);
  EXPECT_EQ(ask->peer_creation, 0u);
  EXPECT_EQ(ask->peer_flags, flags & 0xFFFFFFFF);
  pr = acc.decide(status::ok);
  // We answer with the new 'N' challenge, as OTP 25.3 does.
  ASSERT_GT(pr.output.size(), 7u);
  EXPECT_EQ(pr.output[7], 'N');
  EXPECT_EQ(acc.current(), acceptor::step::recv_complement);
  // The complement and the reply arrive in one read.
  in.clear();
  encode(complement_msg{static_cast<uint32_t>(flags >> 32), 99}, in);
  encode(challenge_reply_msg{31337, gen_digest(4242, "secret")}, in);
  pr = acc.feed(in);
  auto* ok = std::get_if<done>(&pr.ev);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->peer_creation, 99u);
  EXPECT_EQ(ok->peer_flags, flags);
  EXPECT_EQ(ok->peer_node, "old@host");
  std::vector<uint8_t> ack;
  encode(challenge_ack_msg{gen_digest(31337, "secret")}, ack);
  EXPECT_EQ(pr.output, ack);
}

TEST(handshake_roles, old_send_name_rechecks_flags_after_the_complement) {
  auto cfg = make_config("b@host", 2);
  cfg.required = flag::mandatory_26; // V4_NC lives in the high half
  acceptor acc{cfg};
  std::vector<uint8_t> in;
  encode(old_send_name_msg{5, static_cast<uint32_t>(flag::mandatory_26),
                           "old@host"},
         in);
  ASSERT_TRUE(std::holds_alternative<decide_status>(acc.feed(in).ev));
  acc.decide(status::ok);
  in.clear();
  encode(complement_msg{0, 99}, in); // no V4_NC
  auto pr = acc.feed(in);
  auto* f = std::get_if<failure>(&pr.ev);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->reason, errc::missing_flags);
  EXPECT_NE(f->detail.find("V4_NC"), std::string::npos);
  EXPECT_EQ(pr.output, frame(status_msg{"not_allowed"}));
}

TEST(handshake_roles, acceptor_rejects_bad_first_messages) {
  auto try_first = [](std::vector<uint8_t> in) {
    acceptor acc{make_config("b@host", 2)};
    return acc.feed(in);
  };
  std::vector<uint8_t> in;
  // A malformed peer name: closed without a status, as OTP does.
  encode(send_name_msg{flag::cafe_default, 1, "nohost"}, in);
  auto pr = try_first(in);
  EXPECT_TRUE(pr.output.empty());
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::bad_node_name);
  // A dynamic-name request: refused with not_allowed.
  in.clear();
  encode(send_name_msg{flag::cafe_default | flag::name_me, 0, "host"}, in);
  pr = try_first(in);
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::name_me_unsupported);
  EXPECT_EQ(pr.output, frame(status_msg{"not_allowed"}));
  // Not a send_name at all.
  pr = try_first(frame(status_msg{"ok"}));
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::unexpected_message);
  pr = try_first(from_hex("0000"));
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::bad_frame);
  // A name length beyond the frame.
  pr = try_first(from_hex("000f4e0000000d07df7fbd6b025eb40001"));
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::malformed_message);
}

TEST(handshake_roles, initiator_rejects_unknown_statuses) {
  for (auto text : {"named:", "OK", "", "true"}) {
    initiator ini{make_config("a@host", 1), "b@host"};
    ini.start();
    auto pr = ini.feed(frame(status_msg{text}));
    auto* f = std::get_if<failure>(&pr.ev);
    ASSERT_NE(f, nullptr) << text;
    EXPECT_EQ(f->reason, errc::unknown_status) << text;
  }
}

TEST(handshake_roles, peer_text_in_details_is_bounded_and_escaped) {
  initiator ini{make_config("a@host", 1), "b@host"};
  ini.start();
  auto pr = ini.feed(frame(status_msg{std::string(1000, 'x') + "\n"}));
  auto* f = std::get_if<failure>(&pr.ev);
  ASSERT_NE(f, nullptr);
  EXPECT_LT(f->detail.size(), 100u);
  acceptor acc{make_config("b@host", 2)};
  std::vector<uint8_t> in;
  encode(send_name_msg{flag::cafe_default, 1, "bad\x01name"}, in);
  pr = acc.feed(in);
  EXPECT_NE(std::get<failure>(pr.ev).detail.find("'bad\\x01name'"),
            std::string::npos);
}

TEST(handshake_roles, leftover_bytes_follow_the_ack) {
  std::vector<uint8_t> in = frame(status_msg{"ok"});
  encode(challenge_msg{flag::cafe_default, 9, 2, "b@host"}, in);
  encode(challenge_ack_msg{gen_digest(5, "c")}, in);
  auto tick_and_more = from_hex("00000000"
                                "00000003708344");
  in.insert(in.end(), tick_and_more.begin(), tick_and_more.end());
  for (size_t k = 0; k <= in.size(); ++k) {
    initiator again{make_config("a@host", 1, "c", {5}), "b@host"};
    again.start();
    auto first = again.feed(std::span{in}.first(k));
    std::vector<uint8_t> leftover;
    if (auto* ok = std::get_if<done>(&first.ev)) {
      // Done with the first read: what the second brings is the caller's
      // too (the machine takes no input after done).
      leftover = ok->leftover;
      leftover.insert(leftover.end(), in.begin() + static_cast<long>(k),
                      in.end());
    } else {
      auto second = again.feed(std::span{in}.subspan(k));
      auto* ok2 = std::get_if<done>(&second.ev);
      ASSERT_NE(ok2, nullptr) << "split at " << k;
      leftover = ok2->leftover;
    }
    EXPECT_EQ(to_hex(leftover), to_hex(tick_and_more)) << "split at " << k;
  }
}

TEST(handshake_roles, both_streams_survive_every_split) {
  // Record the two byte streams once...
  initiator ini{make_config("a@host", 1), "b@host"};
  acceptor acc{make_config("b@host", 2)};
  duel d{ini, acc, {}};
  d.run();
  ASSERT_TRUE(d.ini_done && d.acc_done);
  // ... then replay each side's input split in two at every position.
  for (size_t k = 0; k <= d.to_acc.size(); ++k) {
    acceptor a{make_config("b@host", 2)};
    std::vector<uint8_t> out;
    std::optional<done> fin;
    auto handle = [&](auto&& self, progress pr) -> void {
      out.insert(out.end(), pr.output.begin(), pr.output.end());
      if (std::holds_alternative<decide_status>(pr.ev))
        self(self, a.decide(status::ok));
      else if (auto* x = std::get_if<done>(&pr.ev))
        fin = *x;
      else
        ASSERT_TRUE(std::holds_alternative<std::monostate>(pr.ev)) << k;
    };
    handle(handle, a.feed(std::span{d.to_acc}.first(k)));
    if (!fin)
      handle(handle, a.feed(std::span{d.to_acc}.subspan(k)));
    ASSERT_TRUE(fin) << "acceptor, split at " << k;
    EXPECT_EQ(out, d.to_ini) << k;
  }
  for (size_t k = 0; k <= d.to_ini.size(); ++k) {
    initiator i{make_config("a@host", 1), "b@host"};
    auto out = i.start().output;
    auto p1 = i.feed(std::span{d.to_ini}.first(k));
    out.insert(out.end(), p1.output.begin(), p1.output.end());
    if (!std::holds_alternative<done>(p1.ev)) {
      auto p2 = i.feed(std::span{d.to_ini}.subspan(k));
      out.insert(out.end(), p2.output.begin(), p2.output.end());
      ASSERT_TRUE(std::holds_alternative<done>(p2.ev)) << "initiator, " << k;
    } else {
      EXPECT_EQ(k, d.to_ini.size());
    }
    EXPECT_EQ(out, d.to_acc) << k;
  }
}

TEST(handshake_roles, configuration_and_call_order_errors) {
  auto bad_cfg = make_config("a@host", 0);
  initiator ini{bad_cfg, "b@host"};
  EXPECT_EQ(std::get<failure>(ini.start().ev).reason, errc::bad_config);
  initiator bad_peer{make_config("a@host", 1), "nohost"};
  EXPECT_EQ(std::get<failure>(bad_peer.start().ev).reason, errc::bad_node_name);
  initiator early{make_config("a@host", 1), "b@host"};
  EXPECT_EQ(std::get<failure>(early.feed(from_hex("00")).ev).reason,
            errc::invalid_call);
  initiator no_alive{make_config("a@host", 1), "b@host"};
  no_alive.start();
  EXPECT_EQ(std::get<failure>(no_alive.answer_alive(true).ev).reason,
            errc::invalid_call);
  acceptor acc{make_config("b@host", 2)};
  EXPECT_EQ(std::get<failure>(acc.decide(status::ok).ev).reason,
            errc::invalid_call);
  acceptor acc2{make_config("b@host", 2)};
  EXPECT_EQ(std::get<failure>(acc2.pending_done().ev).reason,
            errc::invalid_call);
  // No randomness: nothing is sent.
  acceptor dry{make_config("b@host", 2, "s", {})};
  std::vector<uint8_t> in;
  encode(send_name_msg{flag::cafe_default, 1, "a@host"}, in);
  ASSERT_TRUE(std::holds_alternative<decide_status>(dry.feed(in).ev));
  auto pr = dry.decide(status::ok);
  EXPECT_TRUE(pr.output.empty());
  EXPECT_EQ(std::get<failure>(pr.ev).reason, errc::no_randomness);
}
