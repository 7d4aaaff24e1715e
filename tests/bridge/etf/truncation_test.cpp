// bridge.etf.truncation: every proper prefix of every golden vector must
// fail with an error value (code and offset), never crash, never decode.
// Meant to run under ASan+UBSan too: each prefix is copied into a heap
// buffer of exactly its size, so any read past the end is caught.

#include "cafe/etf/decoder.hpp"
#include "etf_fixture.hpp"

#include <gtest/gtest.h>
#include <sstream>

using namespace cafe::etf;
using cafe::test::etf_golden;
using cafe::test::golden_vector;
using cafe::test::show;

namespace {

/// Collects failures so a systematic bug reports a count and a few
/// examples instead of thousands of lines.
struct failure_log {
  size_t count = 0;
  std::ostringstream text;

  void add(const std::string& msg) {
    if (count++ < 15)
      text << "  " << msg << '\n';
  }
};

std::vector<std::vector<uint8_t>> inputs_of(const golden_vector& vec) {
  std::vector<std::vector<uint8_t>> result{vec.bytes};
  if (vec.canonical != vec.bytes)
    result.push_back(vec.canonical);
  return result;
}

std::string prefix_name(const golden_vector& vec, size_t n, size_t total) {
  return vec.name + " prefix " + std::to_string(n) + "/"
         + std::to_string(total);
}

} // namespace

TEST(truncation, every_proper_prefix_fails_cleanly) {
  failure_log wrong_code;
  failure_log decoded;
  size_t prefixes = 0;
  for (auto& vec : etf_golden()) {
    for (auto& input : inputs_of(vec)) {
      bool compressed = input.size() > 1 && input[1] == 80;
      for (size_t n = 0; n < input.size(); ++n) {
        ++prefixes;
        std::vector<uint8_t> prefix(input.begin(), input.begin() + n);
        auto res = binary_to_term(prefix);
        if (res) {
          decoded.add(prefix_name(vec, n, input.size()) + " decoded to "
                      + show(*res));
          continue;
        }
        auto err = res.error();
        if (err.offset > n)
          wrong_code.add(prefix_name(vec, n, input.size())
                         + ": offset past the input: " + to_string(err));
        // A cut inside the zlib stream may look like corrupt data; a cut
        // anywhere else can only mean the input ended too early. The empty
        // input may also count as a missing version byte.
        bool ok = err.code == errc::truncated
                  || (n == 0 && err.code == errc::bad_version)
                  || (compressed && n >= 6
                      && err.code == errc::bad_compression);
        if (!ok)
          wrong_code.add(prefix_name(vec, n, input.size())
                         + ": expected truncated, got " + to_string(err));
      }
    }
  }
  EXPECT_GT(prefixes, 10000u);
  EXPECT_EQ(decoded.count, 0u) << "prefixes that decoded:\n"
                               << decoded.text.str();
  EXPECT_EQ(wrong_code.count, 0u) << "prefixes with a wrong error:\n"
                                  << wrong_code.text.str();
}

// The same inside a distribution message, where terms have no version byte.
TEST(truncation, every_proper_prefix_of_a_body_fails_cleanly) {
  failure_log failures;
  for (auto& vec : etf_golden()) {
    for (auto& input : inputs_of(vec)) {
      if (input.size() > 1 && input[1] == 80)
        continue; // Compression exists only with the version byte.
      for (size_t n = 0; n + 1 < input.size(); ++n) {
        std::vector<uint8_t> prefix(input.begin() + 1, input.begin() + 1 + n);
        size_t consumed = 12345;
        auto res = decode(prefix, consumed);
        if (res)
          failures.add(prefix_name(vec, n, input.size() - 1) + " decoded to "
                       + show(*res));
        else if (res.error().code != errc::truncated || res.error().offset > n)
          failures.add(prefix_name(vec, n, input.size() - 1)
                       + ": expected truncated, got " + to_string(res.error()));
      }
    }
  }
  EXPECT_EQ(failures.count, 0u) << failures.text.str();
}
