// The atom cache in the distribution header, asserted on the wire: a relay
// between a real erl and cafe keeps both directions, and cafe::distribution
// parses the headers. Repeated atoms must travel as cache hits (a ref whose
// NewCacheEntryFlag is 0) both ways.

#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/header.hpp"
#include "cafe/epmd/client.hpp"
#include "cafe/epmd/server.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

#include <map>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

using atom_cache = interop_fixture;

constexpr int64_t rounds = 20;

/// What the distribution headers of one direction said.
struct header_stats {
  size_t frames = 0;
  size_t headers = 0;
  size_t new_entries = 0;
  size_t hits = 0;
  /// Cache hits per atom text.
  std::map<std::string, size_t> hits_by_atom;
};

/// The bytes after the handshake: 2-byte-length messages up to and
/// including the one tagged `last` ('r', the initiator's challenge reply;
/// 'a', the acceptor's challenge ack).
std::span<const uint8_t> after_handshake(std::span<const uint8_t> bytes,
                                         uint8_t last) {
  size_t pos = 0;
  for (int i = 0; i < 8; ++i) {
    if (bytes.size() < pos + 3)
      break;
    size_t len = (size_t{bytes[pos]} << 8) | bytes[pos + 1];
    if (len == 0 || bytes.size() < pos + 2 + len)
      break;
    auto tag = bytes[pos + 2];
    pos += 2 + len;
    if (tag == last)
      return bytes.subspan(pos);
  }
  throw std::runtime_error("no complete handshake in the capture");
}

/// Walks the frames of one direction, parsing every distribution header
/// with cafe::distribution (which also checks that each hit names a filled
/// slot).
header_stats scan(std::span<const uint8_t> stream,
                  distribution::flags_t flags) {
  header_stats stats;
  distribution::frame_reader reader;
  reader.feed(stream);
  distribution::atom_cache cache;
  distribution::atom_cache_refs refs;
  for (;;) {
    auto fr = reader.next();
    if (!fr)
      throw std::runtime_error("bad frame: "
                               + distribution::to_string(fr.error()));
    if (fr->kind == distribution::frame_kind::incomplete)
      break;
    if (fr->kind == distribution::frame_kind::tick)
      continue;
    ++stats.frames;
    auto bytes = fr->bytes;
    if (bytes.size() < 3 || bytes[0] != distribution::wire::version)
      throw std::runtime_error("frame without a distribution header");
    size_t refs_at = 0;
    if (bytes[1] == distribution::wire::dist_header)
      refs_at = 2;
    else if (bytes[1] == distribution::wire::dist_frag_header)
      refs_at = distribution::wire::fragment_header_size;
    else
      continue; // a continuation fragment: no atom cache part
    auto hdr = distribution::read_header(bytes, flags, cache, refs);
    if (!hdr)
      throw std::runtime_error("bad distribution header: "
                               + distribution::to_string(hdr.error()));
    ++stats.headers;
    // The flag nibbles, as EXT documents them: entry i in byte i/2, low
    // nibble for even i; bit 3 is NewCacheEntryFlag.
    size_t n = bytes[refs_at];
    for (size_t i = 0; i < n; ++i) {
      auto byte = bytes[refs_at + 1 + i / 2];
      auto nibble = i % 2 == 0 ? byte & 0x0F : byte >> 4;
      if (nibble & 0x08) {
        ++stats.new_entries;
      } else {
        ++stats.hits;
        ++stats.hits_by_atom[std::string{refs[i].text()}];
      }
    }
  }
  return stats;
}

TEST_F(atom_cache, repeated_atoms_are_cache_hits_both_ways) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  // The erl node gets an EPMD of its own in which `cafe` points at the
  // relay, so its connection to cafe runs through the relay.
  auto side_epmd = epmd::server::start(io(), {"127.0.0.1"}, 0);
  ASSERT_TRUE(side_epmd) << side_epmd.error();
  tcp_relay relay{cafe->port()};
  epmd::node_info info;
  info.name = "cafe";
  info.port = relay.port();
  auto reg = epmd::client::register_node(io(), "127.0.0.1",
                                         (*side_epmd)->port(), info, 5s);
  ASSERT_TRUE(reg) << reg.error();
  auto a = start_erl("a", [&](erl_options& opts) {
    opts.epmd_port = (*side_epmd)->port();
  });
  a->eval("cafe_peer:start_collector(sink)");
  ASSERT_EQ(a->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
            etf::term{"pong"_atom});
  auto conn = cafe->connection_to(a->name());
  ASSERT_TRUE(conn);
  auto flags = conn->flags();
  ASSERT_NE(flags & distribution::flag::dist_hdr_atom_cache, 0u);
  // erl -> cafe, the same atoms every time.
  ASSERT_EQ(a->eval("[{inbox, " + quoted(cafe->name())
                    + "} ! {probe, I, erl_side_atom} || I <- lists:seq(1, "
                    + std::to_string(rounds) + ")], ok"),
            etf::term{"ok"_atom});
  for (int64_t i = 1; i <= rounds; ++i) {
    auto msg = inbox->receive(5s);
    ASSERT_TRUE(msg);
    EXPECT_EQ(*msg, etf::make_tuple("probe"_atom, i, "erl_side_atom"_atom));
  }
  // cafe -> erl.
  auto mb = cafe->make_mailbox();
  for (int64_t i = 1; i <= rounds; ++i)
    ASSERT_TRUE(
      mb->send("sink"_atom, a->name(),
               etf::make_tuple("probe"_atom, i, "cafe_side_atom"_atom)));
  for (int64_t i = 1; i <= rounds; ++i)
    ASSERT_EQ(a->eval("cafe_peer:take(sink, 5000)"),
              etf::make_tuple("probe"_atom, i, "cafe_side_atom"_atom));
  // Everything above went through the relay, so the capture is complete.
  auto from_erl = scan(after_handshake(relay.from_client(), 'r'), flags);
  auto from_cafe = scan(after_handshake(relay.from_target(), 'a'), flags);
  std::cerr << "erl -> cafe: " << from_erl.frames << " frames, "
            << from_erl.new_entries << " new entries, " << from_erl.hits
            << " hits\ncafe -> erl: " << from_cafe.frames << " frames, "
            << from_cafe.new_entries << " new entries, " << from_cafe.hits
            << " hits\n";
  // Every message after the first names the probe atoms from the cache.
  EXPECT_GE(from_erl.hits_by_atom["erl_side_atom"], size_t{rounds - 1});
  EXPECT_GE(from_erl.hits_by_atom["inbox"], size_t{rounds - 1});
  EXPECT_GE(from_cafe.hits_by_atom["cafe_side_atom"], size_t{rounds - 1});
  EXPECT_GE(from_cafe.hits_by_atom["sink"], size_t{rounds - 1});
  EXPECT_GT(from_erl.new_entries, 0u);
  EXPECT_GT(from_cafe.new_entries, 0u);
}

} // namespace
