// bridge.etf.golden_drift: reruns golden/gen_golden.erl with the installed
// erl and compares its output with the committed golden.txt, so a new OTP
// (or an edited generator) cannot silently disagree with the fixture.
//
// Byte for byte wherever the BEAM's encoding is canonical. Not for maps with
// more than 32 keys: the BEAM stores those as a HAMT and writes (and
// maps:to_list/1 walks) them in the order of its internal hash of the keys,
// which for atoms depends on the VM's atom table, so the same OTP build
// writes another key order on another machine, or after other atoms were
// made. Vectors holding such a map are compared structurally: both sides
// decoded (bytes, canonical bytes and shape) and compared as terms, keys
// in any order.

#include "cafe/etf/decoder.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/golden.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"
#include "etf_fixture.hpp"
#include "random_term.hpp"
#include "shape.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>

using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

/// Whether two byte columns decode to the same term, with the same size.
bool same_decoded(const std::vector<uint8_t>& x,
                  const std::vector<uint8_t>& y) {
  auto dx = cafe::etf::binary_to_term(x);
  auto dy = cafe::etf::binary_to_term(y);
  return x.size() == y.size() && dx && dy && same_term(*dx, *dy);
}

} // namespace

TEST(golden_drift, generator_reproduces_the_committed_vectors) {
  require_tool("erl");
  auto escript = require_tool("escript");
  temp_dir tmp;
  auto fresh_file = tmp.path() / "golden.txt";
  spawn_options opts;
  opts.program = escript;
  opts.args = {etf_golden_generator().string(), fresh_file.string()};
  opts.env = {{"ERL_CRASH_DUMP_SECONDS", "0"}};
  auto res = run(opts, 50s);
  ASSERT_TRUE(res.ok()) << "gen_golden.erl: " << res.describe();
  auto fresh = load_golden(fresh_file);
  auto committed = load_golden(etf_golden_file());
  // Name what changed, not just that something did.
  std::ostringstream diff;
  size_t differences = 0;
  auto note = [&](const std::string& line) {
    if (differences++ < 20)
      diff << "  " << line << '\n';
  };
  std::set<std::string> fresh_names;
  for (auto& vec : fresh)
    fresh_names.insert(vec.name);
  std::set<std::string> committed_names;
  for (auto& vec : committed) {
    committed_names.insert(vec.name);
    if (fresh_names.count(vec.name) == 0)
      note("removed: " + vec.name);
  }
  for (auto& vec : fresh)
    if (committed_names.count(vec.name) == 0)
      note("added: " + vec.name);
  size_t byte_exact = 0;
  std::vector<std::string> structural;
  for (size_t i = 0; i < std::min(fresh.size(), committed.size()); ++i) {
    auto& was = committed[i];
    auto& now = fresh[i];
    if (was.name != now.name) {
      note("line " + std::to_string(was.line) + " is " + now.name + ", was "
           + was.name);
      continue;
    }
    if (was.options != now.options) {
      note("changed options: " + was.name);
      continue;
    }
    auto decoded = cafe::etf::binary_to_term(was.canonical);
    if (!decoded) {
      note("committed vector does not decode: " + was.name);
      continue;
    }
    if (!has_hash_map(*decoded)) {
      ++byte_exact;
      if (was.bytes != now.bytes || was.canonical != now.canonical
          || was.shape != now.shape)
        note("changed: " + was.name);
      continue;
    }
    structural.push_back(was.name);
    if (!same_decoded(was.bytes, now.bytes)
        || !same_decoded(was.canonical, now.canonical)
        || !same_term(parse_shape(was.shape), parse_shape(now.shape)))
      note("changed (compared as terms, keys in any order): " + was.name);
  }
  // The structural comparison applies exactly where it must, and the rest
  // of the file is compared byte for byte.
  EXPECT_EQ(structural, (std::vector<std::string>{"map_33", "map_100_mixed"}));
  EXPECT_EQ(byte_exact + structural.size(), committed.size());
  EXPECT_GE(byte_exact, 150u);
  EXPECT_EQ(differences, 0u)
    << "golden.txt drifted from what this erl generates (" << differences
    << " differences):\n"
    << diff.str()
    << "If the change is intended, regenerate and commit:\n  "
       "escript tests/bridge/etf/golden/gen_golden.erl "
       "tests/bridge/etf/golden/golden.txt";
}
