#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/frame_writer.hpp"
#include "cafe/distribution/receiver.hpp"
#include "cafe/distribution/sender.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"
#include "samples.hpp"

#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <vector>

using namespace cafe;
using namespace cafe::distribution;
using namespace cafe::etf::literals;
using cafe::distribution::test::all_samples;

namespace {

using bytes = std::vector<uint8_t>;

struct mode {
  const char* name;
  flags_t flags;
};

const mode modes[] = {
  {"pass_through", flag::mandatory_25},
  {"header_no_cache", flag::mandatory_25 | flag::fragments},
  {"atom_cache", flag::mandatory_25 | flag::dist_hdr_atom_cache},
  {"atom_cache_and_fragments",
   flag::mandatory_25 | flag::dist_hdr_atom_cache | flag::fragments},
};

receiver_config receiver_for(flags_t flags) {
  receiver_config cfg;
  cfg.flags = flags;
  cfg.policy.accept_node_link = true;
  cfg.peer_node = distribution::test::peer_node();
  cfg.local_node = distribution::test::local_node();
  return cfg;
}

/// Frames of `out` (a sender's batch), split as the socket layer would.
std::vector<bytes> split(const bytes& out) {
  frame_reader reader;
  reader.feed(out);
  std::vector<bytes> frames;
  for (;;) {
    auto f = reader.next();
    EXPECT_TRUE(f);
    if (!f || f->kind == frame_kind::incomplete)
      return frames;
    frames.emplace_back(f->bytes.begin(), f->bytes.end());
  }
}

void expect_same(const message& got, const distribution::test::sample& want) {
  EXPECT_EQ(got.control, want.control) << to_string(op_of(want.control));
  EXPECT_EQ(got.payload.has_value(), want.payload.has_value());
  if (got.payload && want.payload)
    EXPECT_EQ(*got.payload, *want.payload)
      << etf::to_string(*got.payload) << " vs "
      << etf::to_string(*want.payload);
}

bytes write_one(sender& tx, const distribution::test::sample& s) {
  bytes out;
  auto rest = tx.write(s.control, s.payload ? &*s.payload : nullptr, out);
  EXPECT_TRUE(rest) << to_string(rest.error());
  if (rest)
    EXPECT_TRUE(rest->done());
  return out;
}

} // namespace

TEST(messages, every_operation_round_trips_in_every_mode) {
  auto samples = all_samples();
  for (auto& m : modes) {
    SCOPED_TRACE(m.name);
    sender tx{sender_config{m.flags}};
    receiver rx{receiver_for(m.flags)};
    // Three rounds in one batch: the first fills the atom cache, the
    // others reuse it.
    bytes batch;
    for (int round = 0; round < 3; ++round) {
      for (auto& s : samples) {
        auto rest = tx.write(s.control, s.payload ? &*s.payload : nullptr,
                             batch);
        ASSERT_TRUE(rest) << to_string(rest.error());
        ASSERT_TRUE(rest->done());
      }
      append_tick(batch);
    }
    auto frames = split(batch);
    ASSERT_EQ(frames.size(), 3 * (samples.size() + 1));
    size_t i = 0;
    for (int round = 0; round < 3; ++round) {
      for (auto& s : samples) {
        message got;
        auto ev = rx.receive(frames[i++], got);
        ASSERT_TRUE(ev) << to_string(op_of(s.control)) << ": "
                        << to_string(ev.error());
        ASSERT_EQ(*ev, receive_event::message);
        expect_same(got, s);
      }
      message unused;
      auto ev = rx.receive(frames[i++], unused);
      ASSERT_TRUE(ev);
      EXPECT_EQ(*ev, receive_event::tick);
    }
  }
}

TEST(messages, pass_through_frames_are_plain_terms) {
  // 112, then term_to_binary of the control tuple, then of the payload:
  // byte for byte what the term path produces, which checks the direct
  // control writer against `to_term`.
  sender tx{sender_config{flag::mandatory_25}};
  for (auto& s : all_samples()) {
    auto out = write_one(tx, s);
    auto want = bytes{0, 0, 0, 0, 112};
    auto ctl = etf::term_to_binary(to_term(s.control));
    want.insert(want.end(), ctl.begin(), ctl.end());
    if (s.payload) {
      auto pl = etf::term_to_binary(*s.payload);
      want.insert(want.end(), pl.begin(), pl.end());
    }
    write_frame_length(want.data(), static_cast<uint32_t>(want.size() - 4));
    EXPECT_EQ(out, want) << to_string(op_of(s.control));
  }
}

TEST(messages, headers_without_cache_have_zero_refs) {
  sender tx{sender_config{flag::mandatory_25 | flag::fragments}};
  auto s = all_samples()[5]; // REG_SEND
  auto out = write_one(tx, s);
  EXPECT_EQ((bytes{out.begin() + 4, out.begin() + 7}), (bytes{131, 68, 0}));
  // The terms follow without version bytes.
  etf::encoder enc;
  bytes want{0, 0, 0, 0, 131, 68, 0};
  enc.append(to_term(s.control), want);
  enc.append(*s.payload, want);
  write_frame_length(want.data(), static_cast<uint32_t>(want.size() - 4));
  EXPECT_EQ(out, want);
  // Configuring the cache off gives the same with DIST_HDR_ATOM_CACHE.
  sender_config cfg{flag::mandatory_25 | flag::dist_hdr_atom_cache};
  cfg.use_atom_cache = false;
  sender plain{cfg};
  EXPECT_EQ(write_one(plain, s), want);
}

TEST(messages, the_atom_cache_shrinks_repeated_messages) {
  auto flags = flag::mandatory_25 | flag::dist_hdr_atom_cache;
  sender tx{sender_config{flags}};
  receiver rx{receiver_for(flags)};
  auto s = all_samples()[5]; // REG_SEND, atoms in control and payload
  auto first = write_one(tx, s);
  auto second = write_one(tx, s);
  EXPECT_LT(second.size(), first.size());
  EXPECT_GT(tx.cache().ref_count(), 0u);
  message got;
  ASSERT_TRUE(rx.receive(std::span{first}.subspan(4), got));
  auto ev = rx.receive(std::span{second}.subspan(4), got);
  ASSERT_TRUE(ev) << to_string(ev.error());
  expect_same(got, s);
  EXPECT_EQ(rx.cache().size(), tx.cache().ref_count());
}

TEST(messages, every_truncation_fails_cleanly) {
  for (auto& m : modes) {
    SCOPED_TRACE(m.name);
    for (auto& s : all_samples()) {
      sender tx{sender_config{m.flags}};
      auto frame = write_one(tx, s);
      auto body = std::span{frame}.subspan(4);
      for (size_t n = 1; n < body.size(); ++n) {
        receiver rx{receiver_for(m.flags)};
        message got;
        auto ev = rx.receive(body.first(n), got);
        EXPECT_FALSE(ev) << to_string(op_of(s.control)) << " at " << n;
      }
    }
  }
}

TEST(messages, rejects_trailing_bytes_and_missing_payloads) {
  auto flags = flag::mandatory_25 | flag::dist_hdr_atom_cache;
  auto samples = all_samples();
  {
    sender tx{sender_config{flags}};
    receiver rx{receiver_for(flags)};
    auto frame = write_one(tx, samples[0]); // LINK
    frame.push_back(106);
    message got;
    auto ev = rx.receive(std::span{frame}.subspan(4), got);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, errc::trailing_bytes);
  }
  {
    // A SEND whose payload is missing: write a LINK-sized frame by hand.
    bytes frame{131, 68, 0};
    etf::encoder enc;
    enc.append(to_term(samples[1].control), frame);
    receiver rx{receiver_for(flags)};
    message got;
    auto ev = rx.receive(frame, got);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, errc::bad_term);
  }
  {
    // Pass-through payload without its version byte.
    bytes frame{112};
    auto ctl = etf::term_to_binary(to_term(samples[1].control));
    frame.insert(frame.end(), ctl.begin(), ctl.end());
    frame.push_back(106);
    receiver rx{receiver_for(flag::mandatory_25)};
    message got;
    auto ev = rx.receive(frame, got);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, errc::bad_version);
  }
}

TEST(messages, invalid_control_messages_are_reported) {
  auto flags = flag::mandatory_25 | flag::dist_hdr_atom_cache;
  etf::encoder enc;
  auto frame_of = [&](const etf::term& ctl) {
    bytes frame{131, 68, 0};
    enc.append(ctl, frame);
    return frame;
  };
  receiver rx{receiver_for(flags)};
  message got;
  auto ev = rx.receive(frame_of(etf::make_tuple(99)), got);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, errc::invalid_message);
  // The node check: a LINK from a third node.
  auto other = distribution::test::make_pid(etf::atom{"other@host"}, 1);
  auto local = distribution::test::make_pid(distribution::test::local_node(),
                                            2);
  ev = rx.receive(frame_of(to_term(distribution::link{other, local})), got);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, errc::invalid_message);
  EXPECT_EQ(ev.error().element, 2);
  // Without node names configured, only the shape is checked.
  receiver_config cfg;
  cfg.flags = flags;
  receiver lax{cfg};
  EXPECT_TRUE(
    lax.receive(frame_of(to_term(distribution::link{other, local})), got));
}

TEST(messages, sender_checks_payload_presence) {
  sender tx{sender_config{flag::mandatory_25}};
  bytes out;
  auto s = all_samples();
  EXPECT_FALSE(tx.write(s[1].control, out)); // SEND without message
  EXPECT_FALSE(tx.write(s[0].control, etf::term{1}, out)); // LINK with one
  EXPECT_TRUE(out.empty());
}

namespace {

std::string show(const message& m) {
  auto text = etf::to_string(to_term(m.control));
  if (m.payload)
    text += " + " + etf::to_string(*m.payload);
  return text.substr(0, 600);
}

/// Writes `m` with a fresh sender of `flags` and reads it back with a fresh
/// receiver; an empty string when it comes back equal, else what went wrong.
std::string reencode_problem(const message& m, flags_t flags) {
  sender tx{sender_config{flags}};
  bytes out;
  auto rest = tx.write(m.control, m.payload ? &*m.payload : nullptr, out);
  if (!rest)
    return "the sender refuses the decoded message: " + to_string(rest.error());
  if (!rest->done())
    return "the sender did not write the whole message";
  receiver rx{receiver_for(flags)};
  message back;
  bool complete = false;
  for (auto& frame : split(out)) {
    if (complete)
      return "more frames after the message";
    auto ev = rx.receive(frame, back);
    if (!ev)
      return "the re-encoding does not decode: " + to_string(ev.error())
             + "\n  frame: " + cafe::test::to_hex(frame);
    complete = *ev == receive_event::message;
  }
  if (!complete)
    return "the re-encoding is not a complete message";
  if (!(back.control == m.control) || back.payload != m.payload)
    return "re-decoded as " + show(back);
  return {};
}

} // namespace

TEST(messages, mutated_frames_never_crash) {
  // Random byte flips in valid frames, in every mode: each one decodes or
  // fails with an error value; run under the sanitizers to catch reads out
  // of bounds. What decodes to a message must survive a round trip: written
  // again and read back, it is the same message.
  auto seed = cafe::test::test_seed();
  std::minstd_rand rng{static_cast<std::minstd_rand::result_type>(seed)};
  auto samples = all_samples();
  size_t decoded = 0;
  size_t failures = 0;
  std::ostringstream log;
  for (auto& m : modes) {
    sender tx{sender_config{m.flags}};
    std::vector<bytes> frames;
    for (auto& s : samples) {
      auto frame = write_one(tx, s);
      frames.emplace_back(frame.begin() + 4, frame.end());
    }
    for (int round = 0; round < 3000; ++round) {
      auto frame = frames[rng() % frames.size()];
      auto flips = 1 + rng() % 3;
      for (unsigned i = 0; i < flips; ++i)
        frame[rng() % frame.size()] = static_cast<uint8_t>(rng());
      receiver rx{receiver_for(m.flags)};
      message got;
      auto ev = rx.receive(frame, got);
      std::string problem;
      if (!ev) {
        if (to_string(ev.error()).empty())
          problem = "an error without a description";
      } else if (*ev == receive_event::message) {
        ++decoded;
        problem = reencode_problem(got, m.flags);
        if (!problem.empty())
          problem = "decoded as " + show(got) + "\n  " + problem;
      }
      if (problem.empty() || failures++ >= 5)
        continue;
      log << "--- " << m.name << ", round " << round << ": " << problem
          << "\n  frame: " << cafe::test::to_hex(frame) << '\n';
    }
  }
  std::cout << "[ mutated  ] seed " << seed << ": " << decoded
            << " mutated frames decoded and round-tripped" << std::endl;
  EXPECT_EQ(failures, 0u) << failures << " mutated frames failed:\n"
                          << log.str()
                          << cafe::test::reproduce(
                               "bridge.distribution.messages", seed);
  // Not vacuous: a share of the flips hit bytes that still decode.
  EXPECT_GT(decoded, 100u);
}
