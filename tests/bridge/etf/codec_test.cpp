#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/tags.hpp"

#include <gtest/gtest.h>
#include <unordered_map>

using namespace cafe::etf;

namespace {

using bytes = std::vector<uint8_t>;

decode_result<term> decode_all(const bytes& xs) {
  return binary_to_term(xs);
}

} // namespace

TEST(codec, round_trips_every_kind) {
  fun::data fd;
  fd.arity = 1;
  fd.uniq[0] = 0xAB;
  fd.index = 3;
  fd.module = "m"_atom;
  fd.old_index = 3;
  fd.old_uniq = -12345678;
  fd.pid = pid{"n@h"_atom, 1, 2, 3};
  fd.free_vars = {term{1}, make_list("x"_atom)};
  std::vector<term> xs{
    term{0},
    term{-1},
    term{INT64_MIN},
    term::from_uint64(UINT64_MAX),
    term{3.25},
    term{"a"_atom},
    term{atom{std::string(300, 'z').substr(0, 255)}},
    term{reference{"n@h"_atom, 7, 5, {1, 2, 3, 4, 5}}},
    term{fun{std::make_shared<fun::data>(fd)}},
    term{export_fun{"lists"_atom, "map"_atom, 2}},
    term{port{"n@h"_atom, 1, 9}},
    term{port{"n@h"_atom, uint64_t{1} << 40, 9}},
    term{pid{"n@h"_atom, 1, 2, 3}},
    make_tuple(),
    term{tuple{std::vector<term>(300, term{1})}},
    make_map({{term{"k"_atom}, term{"v"_bin}}}),
    term{list{{term{1}, term{2}}, term{"t"_atom}}},
    make_list(1, 1000),
    make_charlist("text"),
    term{binary{std::string(70000, 'b')}},
    term{bitstring{"\xA0", 3}},
  };
  for (auto& x : xs) {
    auto encoded = term_to_binary(x);
    EXPECT_EQ(encoded.size(), 1 + encoder{}.size(x)) << to_string(x);
    auto decoded = decode_all(encoded);
    ASSERT_TRUE(decoded) << to_string(x) << ": " << to_string(decoded.error());
    EXPECT_EQ(*decoded, x) << to_string(x);
  }
}

TEST(codec, picks_the_beams_integer_forms) {
  EXPECT_EQ(term_to_binary(term{255}), (bytes{131, 97, 255}));
  EXPECT_EQ(term_to_binary(term{256}), (bytes{131, 98, 0, 0, 1, 0}));
  EXPECT_EQ(term_to_binary(term{int64_t{1} << 32}),
            (bytes{131, 110, 5, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(term_to_binary(term{-(int64_t{1} << 32)}),
            (bytes{131, 110, 5, 1, 0, 0, 0, 0, 1}));
}

TEST(codec, errors_carry_code_and_offset) {
  auto err = [](const bytes& xs) { return decode_all(xs).error(); };
  EXPECT_EQ(err({}), (decode_error{errc::truncated, 0}));
  EXPECT_EQ(err({130, 106}), (decode_error{errc::bad_version, 0}));
  EXPECT_EQ(err({131, 106, 106}), (decode_error{errc::trailing_bytes, 2}));
  EXPECT_EQ(err({131, 200}), (decode_error{errc::unknown_tag, 1}));
  EXPECT_EQ(err({131, tag::local, 1}), (decode_error{errc::local_ext, 1}));
  EXPECT_EQ(err({131, tag::fun_old}).code, errc::unknown_tag);
  EXPECT_EQ(err({131, 104, 2, 97, 1}).code, errc::truncated);
  // A list announcing 4 billion elements allocates nothing.
  EXPECT_EQ(err({131, 108, 0xFF, 0xFF, 0xFF, 0xFF, 106}).code, errc::truncated);
  // NaN and infinity are not Erlang floats.
  EXPECT_EQ(err({131, 70, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0}).code, errc::bad_float);
  EXPECT_EQ(err({131, 77, 0, 0, 0, 1, 0, 5}).code, errc::bad_bit_count);
  EXPECT_EQ(err({131, 119, 1, 0xFF}).code, errc::bad_atom);
  EXPECT_EQ(err({131, 82, 0}).code, errc::bad_atom_cache_ref);
  // #{a => 1, a => 2}
  EXPECT_EQ(
    err({131, 116, 0, 0, 0, 2, 119, 1, 'a', 97, 1, 119, 1, 'a', 97, 2}).code,
    errc::duplicate_key);
  // A reference with 6 words.
  EXPECT_EQ(err({131, 90, 0, 6, 119, 1, 'n'}).code, errc::bad_identifier);
}

TEST(codec, accepts_what_the_beam_accepts) {
  // Any non-zero bignum sign is negative; references may have no words; an
  // old REFERENCE_EXT is node, ID, then creation.
  auto neg = decode_all({131, 110, 1, 2, 7});
  ASSERT_TRUE(neg);
  EXPECT_EQ(*neg, term{-7});
  auto empty_ref = decode_all({131, 90, 0, 0, 119, 1, 'n', 0, 0, 0, 1});
  ASSERT_TRUE(empty_ref);
  EXPECT_EQ(empty_ref->get<reference>().size, 0);
  auto old_ref = decode_all({131, 101, 100, 0, 1, 'n', 0, 0, 0, 7, 3});
  ASSERT_TRUE(old_ref);
  EXPECT_EQ(old_ref->get<reference>().words[0], 7u);
  EXPECT_EQ(old_ref->get<reference>().creation, 3u);
  EXPECT_EQ(term_to_binary(*old_ref),
            (bytes{131, 90, 0, 1, 119, 1, 'n', 0, 0, 0, 3, 0, 0, 0, 7}));
}

TEST(codec, limits_cap_depth_and_size) {
  bytes deep{131};
  for (int i = 0; i < 600; ++i) {
    deep.push_back(104);
    deep.push_back(1);
  }
  deep.push_back(106);
  auto res = decode_all(deep);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::too_deep);
  decode_options opts;
  opts.limits.max_depth = 1000;
  EXPECT_TRUE(binary_to_term(deep, opts));
  opts.limits.max_terms = 100;
  auto many = term_to_binary(term{tuple{std::vector<term>(200, term{1})}});
  EXPECT_EQ(binary_to_term(many, opts).error().code, errc::too_large);
}

TEST(codec, compressed_terms_inflate_within_limits) {
  // term_to_binary(lists:duplicate(100, $a) ++ [300], [compressed])
  // re-created here: zlib data for the 108-byte uncompressed term is checked
  // against the announced size.
  bytes bogus{131, 80, 0, 0, 0, 10, 1, 2, 3};
  EXPECT_EQ(decode_all(bogus).error().code, errc::bad_compression);
  bytes huge{131, 80, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C};
  EXPECT_EQ(decode_all(huge).error().code, errc::too_large);
}

TEST(codec, decode_reports_consumed_bytes) {
  bytes xs{97, 1, 97, 2};
  size_t consumed = 0;
  auto res = decode(xs, consumed);
  ASSERT_TRUE(res);
  EXPECT_EQ(*res, term{1});
  EXPECT_EQ(consumed, 2u);
}

namespace {

class fixed_refs : public atom_ref_lookup {
public:
  int index_of(atom x) const noexcept override {
    return x == "ok"_atom ? 0 : -1;
  }
};

} // namespace

TEST(codec, atom_cache_refs_both_ways) {
  fixed_refs refs;
  encoder enc{encode_options{&refs}};
  auto x = make_tuple("ok"_atom, "other"_atom);
  bytes buf;
  enc.append(x, buf);
  EXPECT_EQ(buf, (bytes{104, 2, 82, 0, 119, 5, 'o', 't', 'h', 'e', 'r'}));
  std::vector<atom> table{"ok"_atom};
  decode_options opts;
  opts.atom_cache_refs = table;
  size_t consumed = 0;
  auto res = decode(buf, consumed, opts);
  ASSERT_TRUE(res);
  EXPECT_EQ(*res, x);
}
