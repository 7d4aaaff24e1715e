// bridge.etf.fuzz_flips: mutated golden vectors and random garbage must never
// crash the decoder (the suite is meant for the ASan+UBSan build), errors
// must stay inside the input, and whatever does decode must re-encode to a
// stable fixed point. Seeded and bounded in count and time:
//   CAFE_TEST_SEED (default 1), CAFE_FUZZ_INPUTS (default 200000),
//   CAFE_FUZZ_SECONDS (default 40).

#include "cafe/etf/compare.hpp"
#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/tags.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"
#include "etf_fixture.hpp"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <zlib.h>

using namespace cafe::etf;
using cafe::test::env_uint;
using cafe::test::etf_golden;
using cafe::test::show;
using cafe::test::to_hex;

namespace {

struct failure_log {
  size_t count = 0;
  std::ostringstream text;

  void add(const std::string& msg, std::span<const uint8_t> input) {
    if (count++ < 10)
      text << "  " << msg << "\n    input: " << show(input, 300) << '\n';
  }
};

constexpr uint8_t all_tags[] = {
  tag::new_float,
  tag::bit_binary,
  tag::compressed,
  tag::atom_cache_ref,
  tag::new_pid,
  tag::new_port,
  tag::newer_reference,
  tag::small_integer,
  tag::integer,
  tag::old_float,
  tag::atom_latin1,
  tag::reference_old,
  tag::port_old,
  tag::pid_old,
  tag::small_tuple,
  tag::large_tuple,
  tag::nil,
  tag::string,
  tag::list,
  tag::binary,
  tag::small_big,
  tag::large_big,
  tag::new_fun,
  tag::export_fun,
  tag::new_reference,
  tag::small_atom_latin1,
  tag::map,
  tag::fun_old,
  tag::atom_utf8,
  tag::small_atom_utf8,
  tag::v4_port,
  tag::local,
};

/// Decodes `input` and checks the properties every input must have.
void check_input(std::span<const uint8_t> input, const decode_options& opts,
                 failure_log& log, size_t& decoded_count) {
  // An exactly sized heap copy: the sanitizers see any over-read.
  std::vector<uint8_t> buf(input.begin(), input.end());
  auto res = binary_to_term(buf, opts);
  if (!res) {
    auto& err = res.error();
    if (err.offset > buf.size())
      log.add("error offset past the input: " + to_string(err), input);
    // A code outside the enumeration would print as the fallback text.
    if (to_string(err.code) == "unknown_error")
      log.add("error code out of range", input);
    if (to_string(err).empty())
      log.add("empty error description", input);
    return;
  }
  ++decoded_count;
  auto& x = *res;
  (void)to_string(x);
  auto once = term_to_binary(x);
  if (encoder{}.size(x) + 1 != once.size())
    log.add("encoder size differs from written size", input);
  auto again = binary_to_term(once);
  if (!again) {
    log.add("re-encoding of a decoded term fails to decode: "
              + to_string(again.error()) + ", re-encoded: " + show(once),
            input);
    return;
  }
  if (!(*again == x)) {
    log.add("decode(encode(x)) != x for x = " + show(x), input);
    return;
  }
  if (compare(*again, x) != std::strong_ordering::equal)
    log.add("compare(x, x) is not equal for x = " + show(x), input);
  auto twice = term_to_binary(*again);
  if (twice != once)
    log.add("encoding is not a fixed point: " + show(once) + " vs "
              + show(twice),
            input);
}

class mutator {
public:
  explicit mutator(uint64_t seed) : rng_(seed) {}

  uint64_t uniform(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>{lo, hi}(rng_);
  }

  uint8_t byte() {
    return static_cast<uint8_t>(uniform(0, 255));
  }

  std::vector<uint8_t> mutate(const std::vector<uint8_t>& seed,
                              const std::vector<uint8_t>& other) {
    auto x = seed;
    auto pos = [&] { return uniform(0, x.size() - 1); };
    switch (uniform(0, 9)) {
      case 0: // One random byte.
        x[pos()] = byte();
        break;
      case 1: // One bit.
        x[pos()] ^= static_cast<uint8_t>(1u << uniform(0, 7));
        break;
      case 2: // A few random bytes.
        for (auto n = uniform(2, 8); n > 0; --n)
          x[pos()] = byte();
        break;
      case 3: { // A length-sized field set to an interesting value.
        static constexpr uint32_t interesting[]
          = {0,          1,          2,          3,         0x7f,
             0x80,       0xff,       0x100,      0xffff,    0x10000,
             0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
        auto v = interesting[uniform(0, std::size(interesting) - 1)];
        auto width = uniform(0, 2) == 0 ? 2u : 4u;
        auto at = pos();
        for (size_t i = 0; i < width && at + i < x.size(); ++i)
          x[at + i] = static_cast<uint8_t>(v >> (8 * (width - 1 - i)));
        break;
      }
      case 4: // A byte replaced by a tag.
        x[pos()] = all_tags[uniform(0, std::size(all_tags) - 1)];
        break;
      case 5: { // Cut, then random bytes appended.
        x.resize(pos());
        for (auto n = uniform(0, 16); n > 0; --n)
          x.push_back(byte());
        break;
      }
      case 6: { // Random bytes inserted.
        auto at = x.begin() + static_cast<ptrdiff_t>(pos());
        std::vector<uint8_t> ins(uniform(1, 8));
        for (auto& b : ins)
          b = byte();
        x.insert(at, ins.begin(), ins.end());
        break;
      }
      case 7: { // A range deleted.
        auto at = pos();
        auto n = std::min<uint64_t>(uniform(1, 16), x.size() - at);
        x.erase(x.begin() + static_cast<ptrdiff_t>(at),
                x.begin() + static_cast<ptrdiff_t>(at + n));
        break;
      }
      case 8: { // Splice: a prefix of one vector, a suffix of another.
        auto cut = pos();
        auto from = uniform(0, other.size() - 1);
        x.resize(cut);
        x.insert(x.end(), other.begin() + static_cast<ptrdiff_t>(from),
                 other.end());
        break;
      }
      default: { // A range duplicated in place.
        auto at = pos();
        auto n = std::min<uint64_t>(uniform(1, 32), x.size() - at);
        std::vector<uint8_t> dup(x.begin() + static_cast<ptrdiff_t>(at),
                                 x.begin() + static_cast<ptrdiff_t>(at + n));
        x.insert(x.begin() + static_cast<ptrdiff_t>(at), dup.begin(),
                 dup.end());
        break;
      }
    }
    if (uniform(0, 3) == 0 && !x.empty())
      x[0] = 131; // Keep most inputs past the version check.
    return x;
  }

  std::vector<uint8_t> garbage() {
    std::vector<uint8_t> x;
    if (uniform(0, 7) != 0)
      x.push_back(131);
    if (uniform(0, 1) == 0)
      x.push_back(all_tags[uniform(0, std::size(all_tags) - 1)]);
    for (auto n = uniform(0, 64); n > 0; --n) {
      // Mostly small numbers and tags, which keep the decoder going longer
      // than uniform noise would.
      switch (uniform(0, 3)) {
        case 0:
          x.push_back(all_tags[uniform(0, std::size(all_tags) - 1)]);
          break;
        case 1: x.push_back(static_cast<uint8_t>(uniform(0, 4))); break;
        default: x.push_back(byte());
      }
    }
    return x;
  }

private:
  std::mt19937_64 rng_;
};

std::vector<uint8_t> compress_term(std::span<const uint8_t> body,
                                   uint32_t announced) {
  auto bound = compressBound(static_cast<uLong>(body.size()));
  std::vector<uint8_t> z(bound);
  auto z_len = bound;
  if (compress2(z.data(), &z_len, body.data(), static_cast<uLong>(body.size()),
                9)
      != Z_OK)
    throw std::runtime_error("compress2 failed");
  z.resize(z_len);
  std::vector<uint8_t> result{131,
                              80,
                              static_cast<uint8_t>(announced >> 24),
                              static_cast<uint8_t>(announced >> 16),
                              static_cast<uint8_t>(announced >> 8),
                              static_cast<uint8_t>(announced)};
  result.insert(result.end(), z.begin(), z.end());
  return result;
}

std::vector<uint8_t> be32(uint32_t x) {
  return {static_cast<uint8_t>(x >> 24), static_cast<uint8_t>(x >> 16),
          static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x)};
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> result;
  for (auto& part : parts)
    result.insert(result.end(), part.begin(), part.end());
  return result;
}

std::vector<uint8_t> repeat(std::vector<uint8_t> unit, size_t n) {
  std::vector<uint8_t> result;
  result.reserve(unit.size() * n);
  for (size_t i = 0; i < n; ++i)
    result.insert(result.end(), unit.begin(), unit.end());
  return result;
}

} // namespace

TEST(fuzz_flips, mutated_vectors_and_garbage_never_crash) {
  auto seed = cafe::test::test_seed();
  auto max_inputs = env_uint("CAFE_FUZZ_INPUTS", 200000);
  auto budget = std::chrono::seconds{env_uint("CAFE_FUZZ_SECONDS", 40)};
  std::vector<std::vector<uint8_t>> seeds;
  for (auto& vec : etf_golden()) {
    seeds.push_back(vec.bytes);
    if (vec.canonical != vec.bytes)
      seeds.push_back(vec.canonical);
  }
  mutator mut{seed};
  auto cache = std::array{atom{"cached"}, atom{}, atom{"\xce\xbb"}};
  decode_options plain;
  decode_options with_cache;
  with_cache.atom_cache_refs = cache;
  // Small limits on a share of the inputs, so the limit paths get flipped
  // inputs too (and a flipped size cannot make every input inflate 128 MB).
  decode_options tight;
  tight.limits.max_depth = 8;
  tight.limits.max_terms = 64;
  tight.limits.max_inflated_size = 4096;
  failure_log log;
  size_t inputs = 0;
  size_t decoded = 0;
  auto deadline = std::chrono::steady_clock::now() + budget;
  for (; inputs < max_inputs; ++inputs) {
    if (inputs % 1024 == 0 && std::chrono::steady_clock::now() > deadline)
      break;
    std::vector<uint8_t> input;
    if (mut.uniform(0, 9) == 0) {
      input = mut.garbage();
    } else {
      auto& a = seeds[mut.uniform(0, seeds.size() - 1)];
      auto& b = seeds[mut.uniform(0, seeds.size() - 1)];
      input = mut.mutate(a, b);
      // Stacked mutations reach further from the valid encodings.
      for (auto n = mut.uniform(0, 2); n > 0 && !input.empty(); --n)
        input = mut.mutate(input, b);
    }
    auto pick = mut.uniform(0, 7);
    auto& opts = pick == 0 ? with_cache : pick == 1 ? tight : plain;
    check_input(input, opts, log, decoded);
    // The same bytes without the version byte, as inside a distribution
    // message.
    if (input.size() > 1) {
      std::vector<uint8_t> body(input.begin() + 1, input.end());
      size_t consumed = 0;
      auto res = decode(body, consumed, opts);
      if (res && consumed > body.size())
        log.add("decode consumed more than its input", input);
      if (!res && res.error().offset > body.size())
        log.add("decode error offset past the input", input);
    }
  }
  std::cout << "[ fuzz     ] seed " << seed << ": " << inputs << " inputs, "
            << decoded << " decoded" << std::endl;
  EXPECT_GE(inputs, std::min<uint64_t>(max_inputs, 20000))
    << "too few inputs within the time budget";
  EXPECT_GT(decoded, 0u);
  EXPECT_EQ(log.count, 0u) << log.text.str()
                           << cafe::test::reproduce("bridge.etf.fuzz_flips",
                                                    seed);
}

namespace {

struct hostile_case {
  std::string name;
  std::vector<uint8_t> bytes;
  /// The error code the BEAM's behaviour implies, or nullopt when either
  /// a clean error or a successful decode is acceptable.
  std::optional<errc> code;
  /// Another acceptable code, where two describe the input equally well.
  std::optional<errc> alt_code = std::nullopt;
};

std::vector<hostile_case> hostile_cases() {
  std::vector<hostile_case> result;
  auto add = [&](std::string name, std::vector<uint8_t> bytes,
                 std::optional<errc> code,
                 std::optional<errc> alt_code = std::nullopt) {
    result.push_back({std::move(name), std::move(bytes), code, alt_code});
  };
  constexpr size_t deep = 200000;
  // Nesting far beyond max_depth: must stop, not overflow the stack.
  add("deep lists",
      cat({{131}, repeat({108, 0, 0, 0, 1}, deep), {106}, repeat({106}, deep)}),
      errc::too_deep);
  add("deep tuples", cat({{131}, repeat({104, 1}, deep), {106}}),
      errc::too_deep);
  add("deep maps", cat({{131}, repeat({116, 0, 0, 0, 1, 106}, deep), {106}}),
      errc::too_deep);
  add("deep improper tails",
      cat({{131}, repeat({108, 0, 0, 0, 1, 97, 1}, deep), {97, 1}}),
      std::nullopt);
  // A proper list written as a chain of one-element lists: the BEAM
  // accepts it; a decoder may flatten it or refuse it as too deep.
  add("chained list tails",
      cat({{131}, repeat({108, 0, 0, 0, 1, 97, 1}, deep), {106}}),
      std::nullopt);
  // Lengths far beyond the input: nothing may be allocated up front.
  for (uint8_t t :
       {tag::list, tag::large_tuple, tag::map, tag::binary, tag::large_big})
    add("huge length, tag " + std::to_string(t),
        cat({{131, t}, be32(0xffffffff), {97, 1, 97}}), errc::truncated);
  add("huge string", {131, 107, 0xff, 0xff, 97}, errc::truncated);
  add("huge bit binary", cat({{131, 77}, be32(0xfffffff0), {3, 0}}),
      errc::truncated);
  add("huge small big", {131, 110, 255, 0, 1, 2}, errc::truncated);
  add("huge atom", {131, 118, 0xff, 0xff, 'a'}, std::nullopt);
  add("huge fun size", cat({{131, 112}, be32(0xffffffff), {1}}), std::nullopt);
  add("reference length 6",
      cat({{131, 90, 0, 6, 119, 1, 'n', 0, 0, 0, 1}, repeat({0}, 24)}),
      errc::bad_identifier);
  add("pid with an integer node", cat({{131, 88, 97, 1}, repeat({0}, 12)}),
      errc::bad_identifier, errc::bad_atom);
  add("bit count 0", {131, 77, 0, 0, 0, 1, 0, 0xff}, errc::bad_bit_count);
  add("bit count 9", {131, 77, 0, 0, 0, 1, 9, 0xff}, errc::bad_bit_count);
  add("NaN", {131, 70, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, errc::bad_float);
  add("infinity", {131, 70, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}, errc::bad_float);
  {
    std::vector<uint8_t> x{131, 99};
    std::string text = "nan";
    text.resize(31, '\0');
    x.insert(x.end(), text.begin(), text.end());
    add("FLOAT_EXT nan", x, errc::bad_float);
    std::vector<uint8_t> y{131, 99};
    std::string junk = "1.5e+00zzz";
    junk.resize(31, '\0');
    y.insert(y.end(), junk.begin(), junk.end());
    add("FLOAT_EXT junk", y, errc::bad_float);
  }
  add("invalid UTF-8 atom", {131, 119, 1, 0xff}, errc::bad_atom);
  add("overlong UTF-8 atom", {131, 119, 2, 0xc0, 0x80}, errc::bad_atom);
  add("truncated UTF-8 atom", {131, 119, 1, 0xce}, errc::bad_atom);
  add("surrogate in atom", {131, 119, 3, 0xed, 0xa0, 0x80}, errc::bad_atom);
  add("256 characters", cat({{131, 118, 1, 0}, repeat({'a'}, 256)}),
      errc::bad_atom);
  add("atom cache ref without cache", {131, 82, 0}, errc::bad_atom_cache_ref);
  add("LOCAL_EXT", {131, 121, 0, 0}, errc::local_ext);
  add("FUN_EXT", {131, 117, 0, 0, 0, 0}, errc::unknown_tag);
  add("tag 0", {131, 0}, errc::unknown_tag);
  add("version 130", {130, 106}, errc::bad_version);
  add("empty", {}, std::nullopt);
  // MAP_EXT forbids duplicate keys; binary_to_term raises badarg. In OTP 25
  // 0.0 =:= -0.0, so those two are one key as well.
  add("duplicate map keys", {131, 116, 0, 0, 0, 2, 97, 1, 97, 1, 97, 1, 97, 2},
      errc::duplicate_key);
  add("0.0 and -0.0 as map keys",
      cat({{131, 116, 0, 0, 0, 2, 70},
           repeat({0}, 8),
           {97, 1, 70, 0x80},
           repeat({0}, 7),
           {97, 2}}),
      errc::duplicate_key);
  // Compressed: the announced size is checked before and during inflation.
  std::vector<uint8_t> zeros(1 << 20, 0);
  std::vector<uint8_t> big_binary = cat({{109}, be32(1 << 20), zeros});
  add("inflates past the announced size", compress_term(big_binary, 1000),
      errc::bad_compression);
  add("inflates short of the announced size",
      compress_term(big_binary, (1 << 20) + 5000), errc::bad_compression);
  add("announces more than max_inflated_size",
      compress_term(big_binary, 0xffffffff), errc::too_large);
  add("not zlib", cat({{131, 80}, be32(10), repeat({0x55}, 20)}),
      errc::bad_compression);
  add("compressed compressed",
      compress_term(compress_term(std::vector<uint8_t>{106}, 1), 13),
      std::nullopt);
  return result;
}

} // namespace

TEST(fuzz_flips, hostile_inputs_fail_cleanly) {
  for (auto& hc : hostile_cases()) {
    SCOPED_TRACE(hc.name);
    std::vector<uint8_t> buf(hc.bytes.begin(), hc.bytes.end());
    auto res = binary_to_term(buf);
    if (!hc.code) {
      if (!res) {
        EXPECT_LE(res.error().offset, buf.size());
      }
      continue;
    }
    ASSERT_FALSE(res) << "decoded to " << show(*res);
    EXPECT_TRUE(res.error().code == *hc.code || res.error().code == hc.alt_code)
      << "expected " << to_string(*hc.code) << ", got "
      << to_string(res.error());
    EXPECT_LE(res.error().offset, buf.size());
  }
}

TEST(fuzz_flips, limits_are_enforced) {
  auto list_of_ints = cat({{131, 108}, be32(100), repeat({97, 1}, 100), {106}});
  decode_options opts;
  opts.limits.max_terms = 10;
  auto res = binary_to_term(list_of_ints, opts);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::too_large);
  opts = {};
  opts.limits.max_depth = 3;
  auto nested = cat({{131}, repeat({104, 1}, 5), {106}});
  res = binary_to_term(nested, opts);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::too_deep);
  // A bomb: a few KB that inflate to 1 MB, under a 4 KB limit.
  std::vector<uint8_t> zeros(1 << 20, 0);
  auto bomb = compress_term(cat({{109}, be32(1 << 20), zeros}), (1 << 20) + 5);
  opts = {};
  opts.limits.max_inflated_size = 4096;
  res = binary_to_term(bomb, opts);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::too_large);
  // Within the limits, the same bytes decode.
  EXPECT_TRUE(binary_to_term(bomb));
}

TEST(fuzz_flips, atom_cache_refs_resolve) {
  auto cache = std::array{atom{"zero"}, atom{"one"}};
  decode_options opts;
  opts.atom_cache_refs = cache;
  std::vector<uint8_t> bytes{131, 104, 2, 82, 1, 82, 0};
  auto res = binary_to_term(bytes, opts);
  ASSERT_TRUE(res) << to_string(res.error());
  EXPECT_TRUE(*res == make_tuple(atom{"one"}, atom{"zero"}));
  std::vector<uint8_t> past_end{131, 82, 2};
  auto bad = binary_to_term(past_end, opts);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::bad_atom_cache_ref);
}
