#include "cafe/distribution/atom_cache.hpp"
#include "cafe/distribution/header.hpp"
#include "cafe/distribution/outgoing_atom_cache.hpp"

#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::distribution;
using namespace cafe::etf::literals;

namespace {

using bytes = std::vector<uint8_t>;

bytes text_bytes(std::string_view text) {
  return bytes{text.begin(), text.end()};
}

bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (auto& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

/// Runs one message through an outgoing cache and the peer's inbound cache:
/// returns the header bytes and checks that the peer resolves every ref to
/// the atom the encoder asked for.
bytes transfer(outgoing_atom_cache& out, atom_cache& in,
               const std::vector<etf::atom>& atoms) {
  out.begin();
  std::vector<int> indexes;
  for (auto x : atoms)
    indexes.push_back(out.index_of(x));
  out.seal();
  // The write pass asks again and must get the same answers.
  for (size_t i = 0; i < atoms.size(); ++i)
    EXPECT_EQ(out.index_of(atoms[i]), indexes[i]);
  bytes buf(out.refs_size());
  auto end = out.write_refs(buf.data());
  EXPECT_EQ(end, buf.data() + buf.size());
  atom_cache_refs refs;
  size_t count = 0;
  auto used = in.read_refs(buf, refs, count);
  EXPECT_TRUE(used) << to_string(used.error());
  if (used)
    EXPECT_EQ(*used, buf.size());
  EXPECT_EQ(count, out.ref_count());
  for (size_t i = 0; i < atoms.size(); ++i)
    if (indexes[i] >= 0)
      EXPECT_EQ(refs[static_cast<size_t>(indexes[i])], atoms[i]) << i;
  return buf;
}

/// Two distinct atoms with the same outgoing slot.
std::pair<etf::atom, etf::atom> colliding_atoms() {
  std::map<size_t, etf::atom> seen;
  for (int i = 0;; ++i) {
    auto x = etf::atom{"collide_" + std::to_string(i)};
    auto [it, added] = seen.emplace(outgoing_atom_cache::slot_of(x), x);
    if (!added)
      return {it->second, x};
  }
}

} // namespace

// The worked example of erl_ext_dist's "Distribution Header" section:
// 5 refs, two already cached (segment 4 / index 10 and segment 0 / index
// 5), three new ones.
TEST(atom_cache, decodes_the_documented_example) {
  atom_cache cache;
  atom_cache_refs refs;
  size_t count = 0;
  // Fill slots 1034 and 5 first: flags 0x8C = new seg 4, new seg 0.
  auto fill = bytes{2, 0x8C, 0x00, 10, 1, 'a', 5, 1, 'b'};
  ASSERT_TRUE(cache.read_refs(fill, refs, count));
  ASSERT_EQ(count, 2u);
  auto example = concat({{5, 4, 137, 9, 10, 5, 236, 3},
                         text_bytes("reg"),
                         {9, 4},
                         text_bytes("call"),
                         {238, 13},
                         text_bytes("set_get_state")});
  auto used = cache.read_refs(example, refs, count);
  ASSERT_TRUE(used) << to_string(used.error());
  EXPECT_EQ(*used, example.size());
  ASSERT_EQ(count, 5u);
  EXPECT_EQ(refs[0], "a"_atom);
  EXPECT_EQ(refs[1], "b"_atom);
  EXPECT_EQ(refs[2], "reg"_atom);
  EXPECT_EQ(refs[3], "call"_atom);
  EXPECT_EQ(refs[4], "set_get_state"_atom);
  EXPECT_EQ(*cache.find(1 * 256 + 236), "reg"_atom);
  EXPECT_EQ(*cache.find(9), "call"_atom);
  EXPECT_EQ(*cache.find(1 * 256 + 238), "set_get_state"_atom);
  EXPECT_EQ(cache.size(), 5u);
}

TEST(atom_cache, zero_refs_is_one_byte) {
  atom_cache cache;
  atom_cache_refs refs;
  size_t count = 7;
  auto used = cache.read_refs(bytes{0, 99}, refs, count);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, 1u);
  EXPECT_EQ(count, 0u);
}

TEST(atom_cache, updates_apply_in_arrival_order) {
  atom_cache cache;
  atom_cache_refs refs;
  size_t count = 0;
  // Ref 0 fills slot 7 with "x", ref 1 reads it back, ref 2 overwrites it
  // with "y", ref 3 reads "y": nibbles 8, 0, 8, 0, then the header flags.
  auto hdr = bytes{4, 0x08, 0x08, 0x00, 7, 1, 'x', 7, 7, 1, 'y', 7};
  auto used = cache.read_refs(hdr, refs, count);
  ASSERT_TRUE(used) << to_string(used.error());
  EXPECT_EQ(*used, hdr.size());
  EXPECT_EQ(refs[0], "x"_atom);
  EXPECT_EQ(refs[1], "x"_atom);
  EXPECT_EQ(refs[2], "y"_atom);
  EXPECT_EQ(refs[3], "y"_atom);
}

TEST(atom_cache, rejects_refs_to_empty_slots) {
  atom_cache cache;
  atom_cache_refs refs;
  size_t count = 0;
  auto res = cache.read_refs(bytes{1, 0x03, 17}, refs, count);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::bad_header);
  EXPECT_EQ(res.error().reason, "reference to an empty atom cache slot");
}

TEST(atom_cache, rejects_invalid_atoms) {
  atom_cache cache;
  atom_cache_refs refs;
  size_t count = 0;
  auto bad_utf8 = cache.read_refs(bytes{1, 0x08, 1, 2, 0xC3, 0x28}, refs,
                                  count);
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().code, errc::bad_atom);
  // 256 characters: one more than an atom may have (long-atom lengths).
  auto too_long = concat({{1, 0x18, 1, 0x01, 0x00}, bytes(256, 'a')});
  auto res = cache.read_refs(too_long, refs, count);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::bad_atom);
}

TEST(atom_cache, every_truncation_fails_cleanly) {
  auto full = concat({{3, 0x88, 0x08, 10, 3},
                      text_bytes("foo"),
                      {11, 3},
                      text_bytes("bar"),
                      {12, 3},
                      text_bytes("baz")});
  {
    atom_cache cache;
    atom_cache_refs refs;
    size_t count = 0;
    ASSERT_TRUE(cache.read_refs(full, refs, count));
  }
  for (size_t n = 0; n < full.size(); ++n) {
    atom_cache cache;
    atom_cache_refs refs;
    size_t count = 0;
    auto res = cache.read_refs(std::span{full}.first(n), refs, count);
    ASSERT_FALSE(res) << n;
    EXPECT_EQ(res.error().code, errc::bad_header) << n;
  }
}

TEST(atom_cache, outgoing_and_inbound_caches_agree) {
  outgoing_atom_cache out;
  atom_cache in;
  std::vector<etf::atom> atoms{"net_kernel"_atom, "$gen_call"_atom,
                               "is_auth"_atom, "cafe@host"_atom};
  auto first = transfer(out, in, atoms);
  EXPECT_EQ(out.ref_count(), 4u);
  // The second time every ref is an old entry: N, two flag bytes with no
  // new-entry bit, one slot byte each.
  auto second = transfer(out, in, atoms);
  EXPECT_EQ(second.size(), 1u + 3u + 4u);
  EXPECT_LT(second.size(), first.size());
  for (size_t i = 0; i < 4; ++i) {
    auto nibble = (second[1 + i / 2] >> (4 * (i & 1))) & 0xF;
    EXPECT_EQ(nibble & 0x8, 0) << i;
  }
  // Repeated atoms within a message share one ref.
  out.begin();
  EXPECT_EQ(out.index_of("a"_atom), 0);
  EXPECT_EQ(out.index_of("b"_atom), 1);
  EXPECT_EQ(out.index_of("a"_atom), 0);
  out.seal();
  EXPECT_EQ(out.ref_count(), 2u);
  // A message that was sized but never written left no trace: the next
  // transfer still has to send "a" and "b" as new entries.
  auto third = transfer(out, in, {"a"_atom, "b"_atom});
  EXPECT_EQ(third.size(), 1u + 2u + 2u * 3u);
}

TEST(atom_cache, colliding_atoms_replace_each_other) {
  auto [x, y] = colliding_atoms();
  outgoing_atom_cache out;
  atom_cache in;
  // Within one message the first claims the slot, the other goes in full.
  out.begin();
  EXPECT_EQ(out.index_of(x), 0);
  EXPECT_EQ(out.index_of(y), -1);
  out.seal();
  transfer(out, in, {x});
  auto slot = outgoing_atom_cache::slot_of(x);
  EXPECT_EQ(out.slot_entry(slot), x.id());
  EXPECT_EQ(*in.find(slot), x);
  // Across messages the later one replaces the slot on both sides.
  transfer(out, in, {y});
  EXPECT_EQ(out.slot_entry(slot), y.id());
  EXPECT_EQ(*in.find(slot), y);
  auto again = transfer(out, in, {x});
  EXPECT_EQ(again[1] & 0x8, 0x8); // x is a new entry again
}

TEST(atom_cache, at_most_255_refs_per_message) {
  outgoing_atom_cache out;
  atom_cache in;
  std::vector<etf::atom> atoms;
  for (int i = 0; i < 400; ++i)
    atoms.emplace_back("many_" + std::to_string(i));
  transfer(out, in, atoms);
  EXPECT_EQ(out.ref_count(), max_atom_cache_refs);
  size_t full = 0;
  for (auto x : atoms)
    full += out.index_of(x) < 0 ? 1 : 0;
  EXPECT_EQ(full, atoms.size() - max_atom_cache_refs);
}

TEST(atom_cache, long_atoms_switch_to_two_byte_lengths) {
  outgoing_atom_cache out;
  atom_cache in;
  std::string long_text;
  for (int i = 0; i < 150; ++i)
    long_text += "\xC3\xA9"; // 150 characters, 300 bytes
  auto long_atom = etf::atom{long_text};
  auto buf = transfer(out, in, {"short"_atom, long_atom});
  // Header flags nibble at position N = 2: low nibble of byte 2, bit 0.
  EXPECT_EQ(buf[0], 2);
  EXPECT_EQ(buf[2] & 0x1, 0x1);
  EXPECT_EQ(buf.size(), 1u + 2u + 2u * 3u + 5u + 300u);
  // Once cached, the long atom costs one slot byte like any other.
  auto again = transfer(out, in, {long_atom});
  EXPECT_EQ(again.size(), 1u + 1u + 1u);
  EXPECT_EQ(again[1] & 0x1, 0); // no new entry, no long atoms
}

TEST(header, parses_every_kind) {
  atom_cache cache;
  atom_cache_refs refs;
  auto all = flag::dist_hdr_atom_cache | flag::fragments;
  auto normal = bytes{131, 68, 1, 0x08, 3, 2, 'o', 'k', 104, 0};
  auto hdr = read_header(normal, all, cache, refs);
  ASSERT_TRUE(hdr) << to_string(hdr.error());
  EXPECT_EQ(hdr->kind, header_kind::normal);
  EXPECT_EQ(hdr->size, 8u);
  EXPECT_EQ(hdr->ref_count, 1u);
  EXPECT_EQ(refs[0], "ok"_atom);
  auto start = bytes{131, 69, 0, 0, 0, 0, 0, 0,    1, 2,   0, 0,
                     0,   0,  0, 0, 0, 3, 1, 0x00, 3, 104, 0};
  hdr = read_header(start, all, cache, refs);
  ASSERT_TRUE(hdr) << to_string(hdr.error());
  EXPECT_EQ(hdr->kind, header_kind::fragment_start);
  EXPECT_EQ(hdr->sequence_id, 0x102u);
  EXPECT_EQ(hdr->fragment_id, 3u);
  EXPECT_EQ(hdr->size, 21u);
  EXPECT_EQ(refs[0], "ok"_atom); // slot 3, cached by the first header
  auto cont = bytes{131, 70, 0, 0, 0, 0, 0, 0, 1, 2, 0,
                    0,   0,  0, 0, 0, 0, 2, 1, 2, 3};
  hdr = read_header(cont, all, cache, refs);
  ASSERT_TRUE(hdr);
  EXPECT_EQ(hdr->kind, header_kind::fragment_cont);
  EXPECT_EQ(hdr->fragment_id, 2u);
  EXPECT_EQ(hdr->size, 18u);
  // Only FRAGMENTS: OTP still sends 131,68 headers (with 0 refs).
  hdr = read_header(bytes{131, 68, 0, 106}, flag::fragments, cache, refs);
  ASSERT_TRUE(hdr);
  EXPECT_EQ(hdr->size, 3u);
  // Pass-through: the first byte is skipped unchecked.
  hdr = read_header(bytes{112, 131, 106}, 0, cache, refs);
  ASSERT_TRUE(hdr);
  EXPECT_EQ(hdr->kind, header_kind::pass_through);
  EXPECT_TRUE(read_header(bytes{0, 131, 106}, 0, cache, refs));
}

TEST(header, rejects_what_otp_rejects) {
  atom_cache cache;
  atom_cache_refs refs;
  auto all = flag::dist_hdr_atom_cache | flag::fragments;
  auto code = [&](const bytes& frame, flags_t fs) {
    auto hdr = read_header(frame, fs, cache, refs);
    EXPECT_FALSE(hdr);
    return hdr ? errc{} : hdr.error().code;
  };
  // A plain term where a header is required, and the reverse.
  EXPECT_EQ(code(bytes{131, 104, 0}, all), errc::bad_header);
  EXPECT_EQ(code(bytes{112, 131, 68, 0}, 0), errc::bad_header);
  EXPECT_EQ(code(bytes{112, 130, 106}, 0), errc::bad_version);
  EXPECT_EQ(code(bytes{130, 68, 0}, all), errc::bad_version);
  // Fragments without FRAGMENTS.
  auto start = bytes{131, 69, 0, 0, 0, 0, 0, 0, 0, 1,
                     0,   0,  0, 0, 0, 0, 0, 2, 0, 106};
  EXPECT_EQ(code(start, flag::dist_hdr_atom_cache), errc::bad_header);
  // Truncations.
  EXPECT_EQ(code(bytes{131}, all), errc::bad_header);
  EXPECT_EQ(code(bytes{131, 68}, all), errc::bad_header);
  EXPECT_EQ(code(bytes{131, 70, 0, 0, 0}, all), errc::bad_header);
  EXPECT_EQ(code(bytes{112, 131}, 0), errc::bad_header);
  for (size_t n = 1; n < start.size() - 1; ++n)
    EXPECT_EQ(code(bytes(start.begin(), start.begin() + n), all),
              errc::bad_header)
      << n;
}
