#include "cafe/distribution/fragment_assembler.hpp"
#include "cafe/distribution/fragmenter.hpp"
#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/header.hpp"
#include "cafe/distribution/outgoing_atom_cache.hpp"
#include "cafe/distribution/receiver.hpp"
#include "cafe/distribution/sender.hpp"
#include "cafe/etf/print.hpp"
#include "samples.hpp"

#include <deque>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::distribution;
using namespace cafe::etf::literals;

namespace {

using bytes = std::vector<uint8_t>;

constexpr flags_t all_flags = flag::mandatory_25 | flag::dist_hdr_atom_cache
                              | flag::fragments;

etf::pid peer_pid(uint32_t id) {
  return test::make_pid(test::peer_node(), id);
}

etf::pid local_pid(uint32_t id) {
  return test::make_pid(test::local_node(), id);
}

control_message reg_send_to(const char* name) {
  return reg_send{peer_pid(1), etf::atom{}, etf::atom{name}};
}

etf::term big_payload(size_t n, char fill, etf::atom tag = "big"_atom) {
  return etf::make_tuple(tag, etf::binary{std::string(n, fill)});
}

/// Frames appended to `out` since `from`.
std::vector<bytes> frames_of(const bytes& out) {
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

struct received {
  std::vector<message> messages;
  size_t fragments = 0;
};

received receive_all(receiver& rx, const std::vector<bytes>& frames) {
  received out;
  for (auto& f : frames) {
    message msg;
    auto ev = rx.receive(f, msg);
    EXPECT_TRUE(ev) << to_string(ev.error());
    if (!ev)
      break;
    if (*ev == receive_event::message)
      out.messages.push_back(std::move(msg));
    else if (*ev == receive_event::fragment)
      ++out.fragments;
  }
  return out;
}

bytes fragment_frame(uint8_t kind, uint64_t seq, uint64_t id,
                     const bytes& tail) {
  bytes out{131, kind};
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<uint8_t>(seq >> (8 * i)));
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<uint8_t>(id >> (8 * i)));
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

/// A start fragment with 0 refs, the encoded REG_SEND control and the
/// first part of a binary payload; then continuations.
struct handmade {
  bytes ctl;
  bytes payload;

  handmade() {
    etf::encoder enc;
    enc.append(to_term(reg_send_to("sink")), ctl);
    enc.append(etf::term{etf::binary{std::string(30, 'x')}}, payload);
  }

  bytes start(uint64_t seq, uint64_t count, size_t first) const {
    bytes tail{0};
    tail.insert(tail.end(), ctl.begin(), ctl.end());
    tail.insert(tail.end(), payload.begin(),
                payload.begin() + static_cast<ptrdiff_t>(first));
    return fragment_frame(69, seq, count, tail);
  }

  bytes cont(uint64_t seq, uint64_t id, size_t from, size_t to) const {
    return fragment_frame(70, seq, id,
                          bytes{payload.begin() + static_cast<ptrdiff_t>(from),
                                payload.begin() + static_cast<ptrdiff_t>(to)});
  }
};

} // namespace

TEST(fragments, a_large_message_is_split_and_reassembled) {
  sender_config cfg{all_flags};
  cfg.max_fragment_size = 1000;
  sender tx{cfg};
  receiver rx{receiver_config{all_flags}};
  auto payload = big_payload(4500, 'a');
  bytes out;
  auto rest = tx.write(reg_send_to("sink"), payload, out);
  ASSERT_TRUE(rest) << to_string(rest.error());
  EXPECT_FALSE(rest->done());
  // Control (~30 bytes) + payload (~4510) in 1000-byte pieces: 5 fragments,
  // the first written at once.
  EXPECT_EQ(rest->remaining(), 4u);
  while (!rest->done()) {
    auto size = rest->next_frame_size();
    auto before = out.size();
    rest->next(out);
    EXPECT_EQ(out.size() - before, size);
  }
  auto frames = frames_of(out);
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0][1], 69);
  for (size_t i = 1; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i][1], 70);
    EXPECT_LE(frames[i].size(), 18u + 1000u);
  }
  auto got = receive_all(rx, frames);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.fragments, 4u);
  EXPECT_EQ(got.messages[0].control, reg_send_to("sink"));
  EXPECT_EQ(*got.messages[0].payload, payload);
  EXPECT_EQ(rx.assembler().pending(), 0u);
  EXPECT_EQ(rx.assembler().buffered_bytes(), 0u);
}

TEST(fragments, without_fragments_flag_large_messages_stay_whole) {
  auto flags = flag::mandatory_25 | flag::dist_hdr_atom_cache;
  sender_config cfg{flags};
  cfg.max_fragment_size = 100;
  sender tx{cfg};
  bytes out;
  auto rest = tx.write(reg_send_to("sink"), big_payload(5000, 'b'), out);
  ASSERT_TRUE(rest);
  EXPECT_TRUE(rest->done());
  EXPECT_EQ(frames_of(out).size(), 1u);
}

TEST(fragments, interleaved_sequences_and_small_messages) {
  // Two large messages and small ones, their frames interleaved the way a
  // connection shares its socket; every message arrives intact. The
  // fragmented messages carry atoms the small ones reuse from the cache.
  sender_config cfg{all_flags};
  cfg.max_fragment_size = 512;
  sender tx{cfg};
  receiver rx{receiver_config{all_flags}};
  std::vector<bytes> frames;
  std::deque<fragmenter> active;
  std::vector<std::pair<control_message, etf::term>> sent;
  auto send = [&](control_message ctl, etf::term payload) {
    bytes out;
    auto rest = tx.write(ctl, payload, out);
    ASSERT_TRUE(rest);
    for (auto& f : frames_of(out))
      frames.push_back(std::move(f));
    if (!rest->done())
      active.push_back(std::move(*rest));
    sent.emplace_back(std::move(ctl), std::move(payload));
  };
  auto pump_one_each = [&] {
    for (auto& f : active) {
      if (f.done())
        continue;
      bytes out;
      f.next(out);
      frames.push_back(frames_of(out).at(0));
    }
  };
  send(reg_send_to("first"), big_payload(3000, 'x', "shared_tag"_atom));
  send(reg_send_to("second"), big_payload(2000, 'y', "other_tag"_atom));
  for (int i = 0; i < 6; ++i) {
    send(reg_send_to("small"), etf::make_tuple("shared_tag"_atom, i));
    pump_one_each();
  }
  while (std::any_of(active.begin(), active.end(),
                     [](auto& f) { return !f.done(); }))
    pump_one_each();
  auto got = receive_all(rx, frames);
  ASSERT_EQ(got.messages.size(), sent.size());
  // Completion order differs from send order; match by content.
  for (auto& [ctl, payload] : sent) {
    auto match
      = std::find_if(got.messages.begin(), got.messages.end(),
                     [&ctl = ctl, &payload = payload](const message& m) {
                       return m.control == ctl && m.payload == payload;
                     });
    EXPECT_NE(match, got.messages.end()) << etf::to_string(payload);
  }
  // Every frame but the last of each message was a fragment event.
  EXPECT_EQ(got.fragments + got.messages.size(), frames.size());
  EXPECT_GE(got.fragments, 8u);
}

TEST(fragments, refs_resolve_as_of_the_first_fragment) {
  // A fragmented message caches atom X in slot S; before its last fragment
  // arrives, a small message overwrites S with a colliding atom Y. The
  // fragmented payload must still decode X: refs resolve when the first
  // fragment arrives, as in OTP (the header is applied then).
  std::map<size_t, etf::atom> seen;
  etf::atom x, y;
  for (int i = 0;; ++i) {
    auto a = etf::atom{"slot_" + std::to_string(i)};
    auto [it, added] = seen.emplace(outgoing_atom_cache::slot_of(a), a);
    if (!added) {
      x = it->second;
      y = a;
      break;
    }
  }
  sender_config cfg{all_flags};
  cfg.max_fragment_size = 256;
  sender tx{cfg};
  receiver rx{receiver_config{all_flags}};
  bytes out;
  // X only in the tail of the payload, which travels in a later fragment.
  auto big = etf::make_tuple(etf::binary{std::string(1000, 'z')}, x);
  auto rest = tx.write(reg_send_to("sink"), big, out);
  ASSERT_TRUE(rest);
  auto small = etf::make_tuple(y);
  ASSERT_TRUE(tx.write(reg_send_to("sink"), small, out));
  while (!rest->done())
    rest->next(out);
  auto got = receive_all(rx, frames_of(out));
  ASSERT_EQ(got.messages.size(), 2u);
  EXPECT_EQ(*got.messages[0].payload, small);
  EXPECT_EQ(*got.messages[1].payload, big);
}

TEST(fragments, tiny_fragment_size_still_keeps_control_whole) {
  sender_config cfg{all_flags};
  cfg.max_fragment_size = 1;
  sender tx{cfg};
  receiver rx{receiver_config{all_flags}};
  auto payload = etf::make_tuple("p"_atom, 12345);
  bytes out;
  auto rest = tx.write(reg_send_to("sink"), payload, out);
  ASSERT_TRUE(rest);
  // The first fragment holds exactly the control term; the payload
  // follows one byte a fragment.
  EXPECT_GT(rest->remaining(), 5u);
  while (!rest->done())
    rest->next(out);
  auto frames = frames_of(out);
  for (size_t i = 1; i < frames.size(); ++i)
    EXPECT_EQ(frames[i].size(), wire::fragment_header_size + 1);
  auto got = receive_all(rx, frames);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(*got.messages[0].payload, payload);
}

TEST(fragments, order_violations_are_errors) {
  handmade m;
  auto run = [](std::vector<bytes> frames) {
    receiver rx{receiver_config{all_flags}};
    for (auto& f : frames) {
      message msg;
      auto ev = rx.receive(f, msg);
      if (!ev)
        return ev.error();
    }
    return error{};
  };
  auto n = m.payload.size();
  // In order: fine.
  EXPECT_EQ(
    run({m.start(7, 3, 10), m.cont(7, 2, 10, 20), m.cont(7, 1, 20, n)}).reason,
    "");
  // Swapped continuations.
  auto err
    = run({m.start(7, 3, 10), m.cont(7, 1, 20, n), m.cont(7, 2, 10, 20)});
  EXPECT_EQ(err.code, errc::bad_fragment);
  EXPECT_EQ(err.reason, "fragment out of order");
  // A continuation of nothing.
  EXPECT_EQ(run({m.cont(8, 1, 0, n)}).reason,
            "fragment of an unknown sequence");
  // A sequence id used twice at once.
  EXPECT_EQ(run({m.start(7, 3, 10), m.start(7, 3, 10)}).reason,
            "sequence id already in use");
  // Duplicate last fragment after completion: the sequence is gone.
  EXPECT_EQ(
    run({m.start(7, 2, 10), m.cont(7, 1, 10, n), m.cont(7, 1, 10, n)}).reason,
    "fragment of an unknown sequence");
  EXPECT_EQ(run({m.start(7, 0, 10)}).reason, "fragment id 0");
  // A continuation without FRAGMENTS negotiated is a bad header.
  receiver no_frag{receiver_config{flag::dist_hdr_atom_cache}};
  message msg;
  auto ev = no_frag.receive(m.start(7, 2, 10), msg);
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().code, errc::bad_header);
}

TEST(fragments, single_fragment_starts_are_whole_messages) {
  handmade m;
  auto n = m.payload.size();
  for (auto [seq, count] :
       {std::pair<uint64_t, uint64_t>{9, 1}, {0, 1}, {0, 5}}) {
    receiver rx{receiver_config{all_flags}};
    message msg;
    auto ev = rx.receive(m.start(seq, count, n), msg);
    ASSERT_TRUE(ev) << to_string(ev.error());
    EXPECT_EQ(*ev, receive_event::message) << seq << "/" << count;
    EXPECT_EQ(rx.assembler().pending(), 0u);
  }
}

TEST(fragments, reassembly_is_capped) {
  handmade m;
  auto n = m.payload.size();
  {
    receiver_config cfg{all_flags};
    cfg.reassembly.max_bytes = 25;
    receiver rx{cfg};
    message msg;
    ASSERT_TRUE(rx.receive(m.start(1, 3, 10), msg));
    ASSERT_TRUE(rx.receive(m.cont(1, 2, 10, 20), msg));
    EXPECT_EQ(rx.assembler().buffered_bytes(), 20u);
    auto ev = rx.receive(m.cont(1, 1, 20, n), msg);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, errc::reassembly_limit);
  }
  {
    receiver_config cfg{all_flags};
    cfg.reassembly.max_sequences = 2;
    receiver rx{cfg};
    message msg;
    ASSERT_TRUE(rx.receive(m.start(1, 2, 10), msg));
    ASSERT_TRUE(rx.receive(m.start(2, 2, 10), msg));
    auto ev = rx.receive(m.start(3, 2, 10), msg);
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code, errc::reassembly_limit);
    // Finishing one frees its place and its bytes.
    ASSERT_TRUE(rx.receive(m.cont(1, 1, 10, n), msg));
    EXPECT_EQ(rx.assembler().pending(), 1u);
    EXPECT_EQ(rx.assembler().buffered_bytes(), 10u);
    EXPECT_TRUE(rx.receive(m.start(3, 2, 10), msg));
  }
}

TEST(fragment_assembler, reuses_buffers) {
  fragment_assembler fa{reassembly_limits{1000, 4}};
  bytes chunk(100, 1);
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(fa.start(5, 2, node_link{}, {}, chunk));
    auto done = fa.add(5, 1, chunk);
    ASSERT_TRUE(done);
    ASSERT_NE(*done, nullptr);
    EXPECT_EQ((*done)->data.size(), 200u);
    fa.release(*done);
    EXPECT_EQ(fa.buffered_bytes(), 0u);
  }
  EXPECT_FALSE(fa.start(6, 1, node_link{}, {}, chunk));
}
