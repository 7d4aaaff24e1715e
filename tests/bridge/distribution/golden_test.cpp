// Replays distribution traffic captured between two real OTP nodes
// (fixtures/capture_dist.escript) through frame_reader and receiver:
// the committed capture (fixtures/otp25), and a fresh one from the erl
// installed here, which must exist (a missing erl fails the test).
//
// Set CAFE_DIST_DUMP=1 to print every decoded message.

#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/header.hpp"
#include "cafe/distribution/receiver.hpp"
#include "cafe/distribution/sender.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::distribution;
using namespace cafe::etf::literals;

namespace {

using bytes = std::vector<uint8_t>;

struct capture {
  std::map<std::string, std::string> meta;
  bytes a_to_b;
  bytes b_to_a;

  flags_t flags() const {
    // The handshake ANDs both offers (dist_util:adjust_flags).
    return std::stoull(meta.at("a_flags")) & std::stoull(meta.at("b_flags"));
  }

  etf::atom a_node() const {
    return etf::atom{meta.at("a_node")};
  }

  etf::atom b_node() const {
    return etf::atom{meta.at("b_node")};
  }
};

bytes to_bytes(const std::string& str) {
  return bytes{str.begin(), str.end()};
}

capture load_capture(const std::filesystem::path& dir) {
  capture out;
  std::istringstream meta{test::read_file(dir / "capture.meta")};
  for (std::string line; std::getline(meta, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos)
      out.meta[line.substr(0, eq)] = line.substr(eq + 1);
  }
  out.a_to_b = to_bytes(test::read_file(dir / "a_to_b.bin"));
  out.b_to_a = to_bytes(test::read_file(dir / "b_to_a.bin"));
  return out;
}

/// What one direction of a capture decoded to.
struct stream_info {
  std::vector<message> messages;
  size_t frames = 0;
  size_t ticks = 0;
  size_t fragment_events = 0;
  /// Largest FragmentId of a start fragment (= fragments of that message).
  uint64_t max_fragments = 0;
  size_t new_cache_entries = 0;
  size_t cached_refs = 0;
};

/// Counts new and reused cache entries of a header straight from its flag
/// nibbles, independently of atom_cache.
void count_refs(std::span<const uint8_t> frame, stream_info& info) {
  size_t pos = frame[1] == wire::dist_header ? 2 : 18;
  size_t n = frame[pos];
  for (size_t i = 0; i < n; ++i) {
    auto nibble = (frame[pos + 1 + i / 2] >> (4 * (i & 1))) & 0xF;
    ++((nibble & 0x8) != 0 ? info.new_cache_entries : info.cached_refs);
  }
}

stream_info decode_stream(const bytes& stream, flags_t flags, etf::atom peer,
                          etf::atom local) {
  stream_info info;
  receiver_config cfg;
  cfg.flags = flags;
  cfg.peer_node = peer;
  cfg.local_node = local;
  receiver rx{cfg};
  frame_reader reader;
  // Feed in odd-sized chunks, as a socket would deliver them.
  size_t pos = 0;
  while (pos < stream.size()) {
    auto n = std::min<size_t>(1447, stream.size() - pos);
    reader.feed(std::span{stream}.subspan(pos, n));
    pos += n;
    for (;;) {
      auto f = reader.next();
      EXPECT_TRUE(f) << to_string(f.error());
      if (!f || f->kind == frame_kind::incomplete)
        break;
      ++info.frames;
      if (f->kind == frame_kind::data) {
        auto kind = f->bytes.size() > 1 ? f->bytes[1] : 0;
        if (kind == wire::dist_header || kind == wire::dist_frag_header)
          count_refs(f->bytes, info);
        if (kind == wire::dist_frag_header) {
          uint64_t id = 0;
          for (size_t i = 10; i < 18; ++i)
            id = (id << 8) | f->bytes[i];
          info.max_fragments = std::max(info.max_fragments, id);
        }
      }
      message msg;
      auto ev = rx.receive(f->bytes, msg);
      EXPECT_TRUE(ev) << "frame " << info.frames << ": "
                      << to_string(ev.error());
      if (!ev)
        return info;
      switch (*ev) {
        case receive_event::tick: ++info.ticks; break;
        case receive_event::fragment: ++info.fragment_events; break;
        case receive_event::message:
          info.messages.push_back(std::move(msg));
          break;
      }
    }
  }
  EXPECT_EQ(reader.buffered(), 0u);
  EXPECT_EQ(rx.assembler().pending(), 0u);
  return info;
}

void dump(const char* title, const stream_info& info) {
  if (!test::get_env("CAFE_DIST_DUMP"))
    return;
  std::cout << "== " << title << ": " << info.frames << " frames\n";
  for (auto& m : info.messages) {
    std::cout << to_string(op_of(m.control)) << " "
              << etf::to_string(to_term(m.control));
    if (m.payload)
      std::cout << " + " << etf::to_string(*m.payload).substr(0, 200);
    std::cout << '\n';
  }
}

template <class T>
std::vector<const T*> all_of(const stream_info& info) {
  std::vector<const T*> out;
  for (auto& m : info.messages)
    if (auto x = std::get_if<T>(&m.control))
      out.push_back(x);
  return out;
}

/// Payloads of the messages of type T matching `pred`.
template <class T, class Pred>
std::vector<const etf::term*> payloads(const stream_info& info, Pred pred) {
  std::vector<const etf::term*> out;
  for (auto& m : info.messages)
    if (auto x = std::get_if<T>(&m.control); x && pred(*x))
      out.push_back(m.payload ? &*m.payload : nullptr);
  return out;
}

etf::term big_binary() {
  std::string bin(140000, '\0');
  for (size_t i = 0; i < bin.size(); ++i)
    bin[i] = static_cast<char>(i % 251);
  return etf::binary{std::move(bin)};
}

/// Our own sender and receiver must carry every real message unchanged.
void reencode_all(const stream_info& info, flags_t flags) {
  sender tx{sender_config{flags}};
  receiver rx{receiver_config{flags}};
  for (auto& m : info.messages) {
    bytes out;
    auto rest = tx.write(m.control, m.payload ? &*m.payload : nullptr, out);
    ASSERT_TRUE(rest) << to_string(rest.error());
    while (!rest->done())
      rest->next(out);
    frame_reader reader;
    reader.feed(out);
    message back;
    for (;;) {
      auto f = reader.next();
      ASSERT_TRUE(f);
      if (f->kind == frame_kind::incomplete)
        break;
      ASSERT_TRUE(rx.receive(f->bytes, back));
    }
    EXPECT_EQ(back.control, m.control);
    EXPECT_EQ(back.payload, m.payload);
  }
}

void check_capture(const capture& cap) {
  ASSERT_EQ(cap.meta.count("a_flags"), 1u);
  auto flags = cap.flags();
  // OTP 25 negotiates both, so the capture exercises headers and fragments.
  ASSERT_NE(flags & flag::dist_hdr_atom_cache, 0u);
  ASSERT_NE(flags & flag::fragments, 0u);
  auto a = cap.a_node();
  auto b = cap.b_node();
  auto a_to_b = decode_stream(cap.a_to_b, flags, a, b);
  auto b_to_a = decode_stream(cap.b_to_a, flags, b, a);
  dump("a_to_b", a_to_b);
  dump("b_to_a", b_to_a);

  // -- cafe_a -> cafe_b ------------------------------------------------------
  auto to_sink = [](const reg_send& x) {
    return x.to_name == "cafe_sink"_atom;
  };
  auto sink = payloads<reg_send>(a_to_b, to_sink);
  auto hello = etf::make_tuple("hello"_atom, "world"_bin, 42,
                               etf::make_list(1, 2, 3),
                               etf::make_map({{"key"_atom, "value"_atom}}));
  auto big = etf::make_tuple("big"_atom, big_binary());
  auto has = [](const std::vector<const etf::term*>& xs, const etf::term& x) {
    return std::any_of(xs.begin(), xs.end(),
                       [&x](const etf::term* y) { return y && *y == x; });
  };
  EXPECT_TRUE(has(sink, hello));
  EXPECT_TRUE(has(sink, big));
  EXPECT_TRUE(has(sink, "stop"_atom));
  // 140 kB in OTP's 64 KiB fragments.
  EXPECT_GE(a_to_b.max_fragments, 3u);
  EXPECT_GE(a_to_b.fragment_events, 2u);
  // The atom cache: entries are created, then reused.
  EXPECT_GT(a_to_b.new_cache_entries, 0u);
  EXPECT_GT(a_to_b.cached_refs, 0u);
  EXPECT_GT(b_to_a.new_cache_entries, 0u);
  EXPECT_GT(b_to_a.cached_refs, 0u);

  // erpc:call and spawn/4 travel as SPAWN_REQUEST.
  auto spawns = all_of<spawn_request>(a_to_b);
  auto spawned = [&](const char* m, const char* f) {
    return std::find_if(spawns.begin(), spawns.end(), [&](auto* x) {
      return x->mfa.module == etf::atom{m} && x->mfa.function == etf::atom{f};
    });
  };
  ASSERT_NE(spawned("erpc", "execute_call"), spawns.end());
  ASSERT_NE(spawned("timer", "sleep"), spawns.end());
  auto sleeper_req = (*spawned("timer", "sleep"))->req_id;

  // The victim: sent {die, Self}, monitored and linked by Self; it dies of
  // {shutdown, cafe_test}.
  etf::pid victim;
  etf::pid watcher;
  for (auto& m : a_to_b.messages) {
    auto x = std::get_if<send_sender>(&m.control);
    auto tup = m.payload ? m.payload->get_if<etf::tuple>() : nullptr;
    if (x && tup && tup->size() == 2 && tup->elements[0] == "die"_atom
        && tup->elements[1].is<etf::pid>()) {
      victim = x->to;
      watcher = tup->elements[1].get<etf::pid>();
    }
  }
  ASSERT_EQ(victim.node, b);
  ASSERT_EQ(watcher.node, a);
  auto monitors = all_of<monitor_p>(a_to_b);
  auto by_pid = std::find_if(monitors.begin(), monitors.end(), [&](auto* x) {
    return x->from == watcher && x->to == pid_or_name{victim};
  });
  ASSERT_NE(by_pid, monitors.end());
  auto monitor_ref = (*by_pid)->ref;
  auto links = all_of<distribution::link>(a_to_b);
  EXPECT_TRUE(std::any_of(links.begin(), links.end(), [&](auto* x) {
    return x->from == watcher && x->to == victim;
  }));
  // Monitor by name, then demonitor.
  auto demons = all_of<demonitor_p>(a_to_b);
  EXPECT_TRUE(std::any_of(demons.begin(), demons.end(), [&](auto* x) {
    return x->from == watcher && x->to == pid_or_name{"cafe_sink"_atom};
  }));
  // link/unlink/exit(P, kill) on the spawned sleeper.
  auto replies = all_of<spawn_reply>(b_to_a);
  auto sleeper_reply
    = std::find_if(replies.begin(), replies.end(),
                   [&](auto* x) { return x->req_id == sleeper_req; });
  ASSERT_NE(sleeper_reply, replies.end());
  ASSERT_TRUE(std::holds_alternative<etf::pid>((*sleeper_reply)->result));
  auto sleeper = std::get<etf::pid>((*sleeper_reply)->result);
  EXPECT_EQ(sleeper.node, b);
  auto unlinks = all_of<unlink_id>(a_to_b);
  ASSERT_EQ(unlinks.size(), 1u);
  EXPECT_EQ(unlinks[0]->to, sleeper);
  auto kills = payloads<payload_exit2>(a_to_b, [&](const payload_exit2& x) {
    return x.to == sleeper;
  });
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(*kills[0], "kill"_atom);
  // net_adm:ping is a gen call to net_kernel.
  auto to_net_kernel = payloads<reg_send>(a_to_b, [](const reg_send& x) {
    return x.to_name == "net_kernel"_atom;
  });
  EXPECT_FALSE(to_net_kernel.empty());

  // -- cafe_b -> cafe_a ------------------------------------------------------
  auto shutdown = etf::make_tuple("shutdown"_atom, "cafe_test"_atom);
  auto downs = payloads<payload_monitor_p_exit>(
    b_to_a,
    [&](const payload_monitor_p_exit& x) { return x.ref == monitor_ref; });
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(*downs[0], shutdown);
  auto exits = payloads<payload_exit>(b_to_a, [&](const payload_exit& x) {
    return x.from == victim && x.to == watcher;
  });
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(*exits[0], shutdown);
  auto acks = all_of<unlink_id_ack>(b_to_a);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]->id, unlinks[0]->id);
  EXPECT_EQ(acks[0]->from, sleeper);
  // net_kernel answers the ping with a plain send to the caller's pid;
  // gen:reply answers our gen call through the caller's alias (OTP 24+).
  auto pings = payloads<send_sender>(b_to_a, [&](const send_sender& x) {
    return x.to == watcher;
  });
  auto reply_is = [](const etf::term* x, etf::atom value) {
    auto tup = x ? x->get_if<etf::tuple>() : nullptr;
    return tup && tup->size() == 2 && tup->elements[1] == value;
  };
  EXPECT_TRUE(std::any_of(pings.begin(), pings.end(),
                          [&](auto* x) { return reply_is(x, "yes"_atom); }));
  auto aliased = all_of<alias_send>(b_to_a);
  auto pongs = payloads<alias_send>(b_to_a, [](auto&) { return true; });
  ASSERT_EQ(pongs.size(), 1u);
  EXPECT_TRUE(reply_is(pongs[0], "pong"_atom));
  EXPECT_EQ(aliased[0]->alias.node, a);
  // The tag is [alias|Ref] with Ref the alias itself.
  auto tag = pongs[0]->get<etf::tuple>().elements[0];
  auto tag_list = tag.get_if<etf::list>();
  ASSERT_TRUE(tag_list && !tag_list->proper());
  EXPECT_EQ(*tag_list->tail, etf::term{aliased[0]->alias});

  reencode_all(a_to_b, flags);
  reencode_all(b_to_a, flags);
}

} // namespace

TEST(golden, committed_capture_from_otp25) {
  auto dir = test::source_dir() / "tests/bridge/distribution/fixtures/otp25";
  auto cap = load_capture(dir);
  EXPECT_EQ(cap.meta.at("otp_release"), "25");
  check_capture(cap);
}

TEST(golden, fresh_capture_from_the_installed_erl) {
  auto escript = test::require_tool("escript");
  test::require_tool("erl");
  test::require_tool("epmd");
  test::temp_dir tmp;
  test::spawn_options opts;
  opts.program = escript;
  opts.args = {(test::source_dir()
                / "tests/bridge/distribution/fixtures/capture_dist.escript")
                 .string(),
               (tmp.path() / "capture").string()};
  auto res = test::run(opts, std::chrono::seconds{120});
  ASSERT_TRUE(res.ok()) << res.describe();
  check_capture(load_capture(tmp.path() / "capture"));
}
