// bridge.etf.golden_drift: reruns golden/gen_golden.erl with the installed
// erl and compares its output with the committed golden.txt, so a new OTP
// (or an edited generator) cannot silently disagree with the fixture.

#include "cafe/test/env.hpp"
#include "cafe/test/golden.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"
#include "etf_fixture.hpp"

#include <gtest/gtest.h>
#include <map>
#include <sstream>

using namespace cafe::test;
using namespace std::chrono_literals;

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
  auto fresh = read_file(fresh_file);
  auto committed = read_file(etf_golden_file());
  if (fresh == committed)
    return;
  // Name what changed, not just that something did.
  auto by_name = [](const std::vector<golden_vector>& xs) {
    std::map<std::string, const golden_vector*> result;
    for (auto& x : xs)
      result.emplace(x.name, &x);
    return result;
  };
  auto fresh_vecs = load_golden(fresh_file);
  auto committed_vecs = load_golden(etf_golden_file());
  auto fresh_map = by_name(fresh_vecs);
  auto committed_map = by_name(committed_vecs);
  std::ostringstream diff;
  size_t shown = 0;
  auto note = [&](const std::string& line) {
    if (shown++ < 20)
      diff << "  " << line << '\n';
  };
  for (auto& [name, vec] : committed_map) {
    auto i = fresh_map.find(name);
    if (i == fresh_map.end()) {
      note("removed: " + name);
      continue;
    }
    auto& other = *i->second;
    if (other.options != vec->options || other.bytes != vec->bytes
        || other.canonical != vec->canonical || other.shape != vec->shape)
      note("changed: " + name);
  }
  for (auto& [name, vec] : fresh_map)
    if (committed_map.count(name) == 0)
      note("added: " + name);
  if (shown == 0)
    note("same vectors, different order or formatting");
  ADD_FAILURE() << "golden.txt drifted from what this erl generates (" << shown
                << " differences):\n"
                << diff.str()
                << "If the change is intended, regenerate and commit:\n  "
                   "escript tests/bridge/etf/golden/gen_golden.erl "
                   "tests/bridge/etf/golden/golden.txt";
}
