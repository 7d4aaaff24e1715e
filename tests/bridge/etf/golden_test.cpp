// bridge.etf.golden: the codec against bytes written by a real
// term_to_binary (OTP 25), committed in golden/golden.txt.

#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/test/hex.hpp"
#include "etf_fixture.hpp"
#include "random_term.hpp"
#include "shape.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <limits>
#include <map>
#include <set>
#include <string>

using namespace cafe;
using namespace cafe::etf;
using cafe::test::etf_golden;
using cafe::test::golden_vector;
using cafe::test::parse_shape;
using cafe::test::show;
using cafe::test::to_hex;

namespace {

std::string where(const golden_vector& vec) {
  return vec.name + " (golden.txt:" + std::to_string(vec.line) + ", "
         + vec.options + ")";
}

const golden_vector& vector_named(std::string_view name) {
  for (auto& vec : etf_golden())
    if (vec.name == name)
      return vec;
  throw std::runtime_error("no golden vector named " + std::string{name});
}

} // namespace

TEST(golden, fixture_is_well_formed) {
  auto& vecs = etf_golden();
  EXPECT_GE(vecs.size(), 150u);
  std::set<std::string> names;
  for (auto& vec : vecs) {
    SCOPED_TRACE(where(vec));
    EXPECT_TRUE(names.insert(vec.name).second) << "duplicate name";
    EXPECT_EQ(vec.bytes.front(), 131);
    EXPECT_EQ(vec.canonical.front(), 131);
    // What erl wrote with {minor_version,2} is already canonical.
    if (vec.options == "[{minor_version,2}]") {
      EXPECT_EQ(to_hex(vec.bytes), to_hex(vec.canonical));
    }
    EXPECT_NO_THROW(parse_shape(vec.shape));
  }
}

// Hand-written structural assertions: which tag each vector starts with, so
// the fixture provably exercises every tag OTP 25 writes or still decodes.
TEST(golden, fixture_covers_every_tag) {
  const std::map<std::string, uint8_t> first_tag = {
    {"atom_ascii", 119},
    {"atom_ascii/default", 100},
    {"atom_128_two_byte", 118},
    {"small_atom_ext", 115},
    {"int_0", 97},
    {"int_256", 98},
    {"big_2_64", 110},
    {"big_large_min", 111},
    {"float_1_5", 70},
    {"float_1_5/minor0", 99},
    {"binary_text", 109},
    {"bits_1_3", 77},
    {"nil", 106},
    {"string_abc", 107},
    {"list_mixed", 108},
    {"tuple_pair", 104},
    {"tuple_256", 105},
    {"map_small", 116},
    {"map_33", 116},
    {"pid_remote", 88},
    {"pid_ext", 103},
    {"port_remote", 89},
    {"port_remote_v4_29bit", 120},
    {"port_ext", 102},
    {"ref_remote_3", 90},
    {"new_reference_ext", 114},
    {"reference_ext", 101},
    {"export_lists_map", 113},
    {"new_fun_closure", 112},
    {"compressed_list/compressed", 80},
  };
  for (auto& [name, tag] : first_tag) {
    auto& vec = vector_named(name);
    ASSERT_GE(vec.bytes.size(), 2u) << name;
    EXPECT_EQ(vec.bytes[1], tag) << name;
  }
}

TEST(golden, decodes_to_the_term_erl_describes) {
  for (auto& vec : etf_golden()) {
    SCOPED_TRACE(where(vec));
    auto expected = parse_shape(vec.shape);
    auto decoded = binary_to_term(vec.bytes);
    if (!decoded) {
      ADD_FAILURE() << "decoding failed: " << to_string(decoded.error());
      continue;
    }
    EXPECT_TRUE(*decoded == expected)
      << "decoded:  " << show(*decoded) << "\nexpected: " << show(expected);
  }
}

TEST(golden, reencodes_to_the_canonical_bytes) {
  for (auto& vec : etf_golden()) {
    SCOPED_TRACE(where(vec));
    auto decoded = binary_to_term(vec.bytes);
    if (!decoded) {
      ADD_FAILURE() << "decoding failed: " << to_string(decoded.error());
      continue;
    }
    // Latin-1 atoms, FLOAT_EXT, old identifiers and compressed input all
    // come out as term_to_binary(T, [{minor_version,2}]) writes them.
    EXPECT_EQ(to_hex(term_to_binary(*decoded)), to_hex(vec.canonical));
  }
}

// The same, but from a term built from the shape column: the encoder alone
// against the BEAM, independent of the decoder.
TEST(golden, encodes_the_described_term_to_the_canonical_bytes) {
  size_t byte_exact = 0;
  std::vector<std::string> as_terms;
  for (auto& vec : etf_golden()) {
    SCOPED_TRACE(where(vec));
    auto expected = parse_shape(vec.shape);
    auto bytes = term_to_binary(expected);
    // The shape lists map entries as maps:to_list/1 does. For maps of up to
    // 32 keys that is the order term_to_binary writes (key order, integers
    // before floats). For larger maps both walk the BEAM's hash order, and
    // nothing promises that the two walks agree: those vectors are compared
    // as terms, with the same size.
    if (!cafe::test::has_hash_map(expected)) {
      ++byte_exact;
      EXPECT_EQ(to_hex(bytes), to_hex(vec.canonical));
      continue;
    }
    as_terms.push_back(vec.name);
    auto decoded = binary_to_term(vec.canonical);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(bytes.size(), vec.canonical.size());
    EXPECT_TRUE(cafe::test::same_term(*decoded, expected))
      << "decoded:  " << show(*decoded) << "\nexpected: " << show(expected);
  }
  // Every vector was checked, all but the hash maps byte for byte.
  EXPECT_EQ(as_terms, (std::vector<std::string>{"map_33", "map_100_mixed"}));
  EXPECT_EQ(byte_exact + as_terms.size(), etf_golden().size());
  EXPECT_GE(byte_exact, 150u);
}

TEST(golden, encoder_size_matches_written_bytes) {
  encoder enc;
  for (auto& vec : etf_golden()) {
    SCOPED_TRACE(where(vec));
    auto decoded = binary_to_term(vec.canonical);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    auto n = enc.size(*decoded);
    EXPECT_EQ(n, vec.canonical.size() - 1);
    // An exactly sized heap buffer, so a sanitizer build catches any write
    // past the announced size.
    std::vector<uint8_t> buf(n);
    auto end = enc.write(*decoded, buf.data());
    EXPECT_EQ(end, buf.data() + n);
    EXPECT_TRUE(std::equal(buf.begin(), buf.end(), vec.canonical.begin() + 1));
    std::vector<uint8_t> appended{42};
    enc.append(*decoded, appended);
    EXPECT_EQ(appended.size(), n + 1);
    EXPECT_TRUE(std::equal(appended.begin() + 1, appended.end(),
                           vec.canonical.begin() + 1));
  }
}

TEST(golden, decode_without_version_byte_reports_consumed_bytes) {
  size_t checked = 0;
  size_t compressed = 0;
  for (auto& vec : etf_golden()) {
    // A compressed term has no end to find without inflating it first.
    if (vec.compressed()) {
      ++compressed;
      continue;
    }
    ++checked;
    SCOPED_TRACE(where(vec));
    std::vector<uint8_t> body(vec.bytes.begin() + 1, vec.bytes.end());
    // Trailing bytes belong to the next term inside a distribution
    // message: decode stops before them.
    body.push_back(106);
    body.push_back(97);
    size_t consumed = 0;
    auto decoded = decode(body, consumed);
    ASSERT_TRUE(decoded) << to_string(decoded.error());
    EXPECT_EQ(consumed, vec.bytes.size() - 1);
    EXPECT_TRUE(*decoded == parse_shape(vec.shape));
  }
  EXPECT_EQ(checked + compressed, etf_golden().size());
  EXPECT_GE(checked, 150u);
}

TEST(golden, trailing_bytes_are_an_error) {
  for (auto& vec : etf_golden()) {
    SCOPED_TRACE(where(vec));
    auto bytes = vec.bytes;
    bytes.push_back(106);
    auto decoded = binary_to_term(bytes);
    ASSERT_FALSE(decoded);
    // After a zlib stream, the extra byte may as well be reported as part
    // of a corrupt stream. (binary_to_term itself ignores trailing bytes;
    // cafe's API deliberately does not.)
    auto code = decoded.error().code;
    EXPECT_TRUE(code == errc::trailing_bytes
                || (vec.compressed() && code == errc::bad_compression))
      << to_string(decoded.error());
  }
}

TEST(golden, selected_values) {
  auto decode_named = [](std::string_view name) {
    auto decoded = binary_to_term(vector_named(name).bytes);
    if (!decoded)
      throw std::runtime_error(std::string{name} + ": "
                               + to_string(decoded.error()));
    return *decoded;
  };
  EXPECT_TRUE(decode_named("int_max32") == term{2147483647});
  EXPECT_TRUE(decode_named("big_min64")
              == term{std::numeric_limits<int64_t>::min()});
  auto big = decode_named("big_2_64");
  ASSERT_TRUE(big.is<big_integer>());
  EXPECT_FALSE(big.get<big_integer>().negative);
  EXPECT_EQ(big.get<big_integer>().magnitude,
            (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_TRUE(decode_named("big_2_63") == term::from_uint64(uint64_t{1} << 63));
  EXPECT_TRUE(decode_named("atom_latin1_e_acute/default")
              == term{atom{"h\xc3\xa9llo"}});
  EXPECT_TRUE(decode_named("small_atom_ext") == term{atom{"h\xc3\xa9llo"}});
  EXPECT_TRUE(decode_named("float_1_5/minor0") == term{1.5});
  EXPECT_TRUE(decode_named("string_abc") == make_charlist("abc"));
  auto improper = term{list{{term{1}}, term{2}}};
  EXPECT_TRUE(decode_named("list_improper") == improper);
  auto bits = decode_named("bits_255_7_3");
  ASSERT_TRUE(bits.is<bitstring>());
  EXPECT_EQ(bits.get<bitstring>().bit_size(), 11u);
  EXPECT_EQ(bits.get<bitstring>().bytes, "\xff\xe0");
  auto port_v4 = decode_named("port_remote_v4_64bit");
  ASSERT_TRUE(port_v4.is<port>());
  EXPECT_EQ(port_v4.get<port>().id, 0xfedcba9876543210u);
  EXPECT_EQ(port_v4.get<port>().creation, 0x87654321u);
  auto ref5 = decode_named("ref_remote_5");
  ASSERT_TRUE(ref5.is<reference>());
  EXPECT_EQ(ref5.get<reference>().size, 5);
  auto closure = decode_named("new_fun_closure");
  ASSERT_TRUE(closure.is<fun>());
  ASSERT_EQ(closure.get<fun>()->free_vars.size(), 2u);
  EXPECT_TRUE(closure.get<fun>()->free_vars[0] == term{42});
  EXPECT_TRUE(decode_named("map_33").get<etf::map>().size() == 33);
}
