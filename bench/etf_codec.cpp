// cafe's External Term Format codec against erl_interface's ei, in the same
// binary, on the same bytes. See README.md for what is measured and why.

#include "cafe/etf/compare.hpp"
#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/term.hpp"
#include "ei_value.hpp"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace etf = cafe::etf;
using namespace etf::literals;
using cafe::bench::ei_value;

namespace {

// -- the messages -------------------------------------------------------------

struct message {
  std::string name;
  etf::term value;
  std::vector<uint8_t> bytes; // term_to_binary(value), version byte included
  ei_value ei; // the same bytes decoded by ei, to encode from
};

etf::pid make_pid(std::string_view node, uint32_t id) {
  return etf::pid{etf::atom{node}, id, 0, 1700000001};
}

etf::reference make_ref(std::string_view node, uint32_t salt) {
  etf::reference r;
  r.node = etf::atom{node};
  r.creation = 1700000001;
  r.size = 3;
  r.words = {0x2A81F + salt, 0x9C4B0001, 0x5E3D7, 0, 0};
  return r;
}

// Key order as the BEAM writes maps of up to 32 keys (sorted), so that the
// decoder's duplicate-key check takes its fast path, as with real peers.
etf::term make_sorted_map(std::vector<std::pair<etf::term, etf::term>> xs) {
  etf::map m{std::move(xs)};
  etf::sort_keys(m);
  return etf::term{std::move(m)};
}

// A user session record as a chat service would pass it around: atom keys,
// short binaries, integers of every wire size, floats, atoms, a pid, small
// lists and tuples.
etf::term make_session_map() {
  auto self = make_pid("chat@node1.example.com", 812);
  std::vector<std::pair<etf::term, etf::term>> xs;
  auto add = [&xs](std::string_view key, etf::term value) {
    xs.emplace_back(etf::atom{key}, std::move(value));
  };
  add("id", 123456);
  add("name", "Alice Liddell"_bin);
  add("email", "alice.liddell@wonderland.example.org"_bin);
  add("status", "online"_atom);
  add("score", 98.5);
  add("created_at", int64_t{1700000000123});
  add("updated_at", int64_t{1700000912345});
  add("owner", self);
  add("node", "chat@node1.example.com"_atom);
  add("tags", etf::make_list("admin"_bin, "beta-tester"_bin, "eu-west-1"_bin));
  add("room", "lobby/general"_bin);
  add("counter", -42);
  add("ratio", 0.25);
  add("active", true);
  add("retries", 3);
  add("latency_us", 1234);
  add("session_token",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"_bin);
  add("locale", "en_GB"_bin);
  add("timezone", "Europe/London"_bin);
  add("flags", etf::make_list(1024, 2048, 4096, 65536));
  add("geo", etf::make_tuple(51.5074, -0.1278));
  add("user_agent",
      "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0"_bin);
  add("last_message",
      "see you at the standup tomorrow, bring the benchmark numbers"_bin);
  add("version", etf::make_tuple(1, 4, 2));
  add("roles", etf::make_list("reader"_atom, "writer"_atom, "moderator"_atom));
  add("quota", etf::make_tuple("bytes"_atom, 1048576, "used"_atom, 734003));
  add("presence", etf::make_tuple("away"_atom, int64_t{1700000900000}));
  add("bio", "Curious. Follows white rabbits; falls down holes."_bin);
  add("followers", 18234);
  add("country", "GB"_bin);
  add("avatar_url", "https://cdn.example.com/avatars/alice/1700000000.png"_bin);
  return make_sorted_map(std::move(xs));
}

std::vector<message> make_messages() {
  auto self = make_pid("bench@vm", 91);
  auto peer = make_pid("peer@vm", 107);
  std::vector<message> result;
  auto add = [&result](std::string name, etf::term value) {
    result.push_back(message{std::move(name), std::move(value), {}, {}});
  };
  // SEND control message of the distribution protocol: {2, '', ToPid}.
  add("ctl_send", etf::make_tuple(2, etf::atom{}, peer));
  // MONITOR_P: {19, FromPid, ToProc, Ref}.
  add("ctl_monitor", etf::make_tuple(19, self, peer, make_ref("bench@vm", 1)));
  // gen_server:call/2 since OTP 24: the tag is [alias | Ref], an improper
  // list.
  etf::term tag{
    etf::list{{etf::term{"alias"_atom}}, etf::term{make_ref("bench@vm", 2)}}};
  add("gen_call",
      etf::make_tuple("$gen_call"_atom, etf::make_tuple(self, std::move(tag)),
                      etf::make_tuple("get"_atom, "key"_atom)));
  add("map_1k", make_session_map());
  {
    // Rows such as {Id, Score}: Id > 255 so the list is no STRING_EXT.
    std::vector<etf::term> rows;
    rows.reserve(1000);
    for (int64_t i = 0; i < 1000; ++i)
      rows.push_back(etf::make_tuple(100000 + i, i % 256));
    add("list_1k", etf::term{etf::list{std::move(rows)}});
  }
  {
    auto x = etf::make_tuple("leaf"_atom, "payload"_bin);
    for (int depth = 9; depth > 0; --depth)
      x = etf::make_tuple("node"_atom, depth, std::move(x));
    add("nested_10", std::move(x));
  }
  {
    std::string bytes(64 * 1024, '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<char>((i * 31) ^ (i >> 8));
    add("binary_64k", etf::term{etf::binary{std::move(bytes)}});
  }
  for (auto& m : result)
    m.bytes = etf::term_to_binary(m.value);
  return result;
}

// Asserts, once, that both codecs agree on every message: cafe round-trips
// its own bytes, ei decodes them to the same value and encodes them back to
// the same bytes.
bool verify(std::vector<message>& msgs) {
  bool ok = true;
  auto fail = [&ok](const message& m, const char* what) {
    std::fprintf(stderr, "%s: %s\n", m.name.c_str(), what);
    ok = false;
  };
  for (auto& m : msgs) {
    auto decoded = etf::binary_to_term(m.bytes);
    if (!decoded || *decoded != m.value)
      fail(m, "cafe does not decode its own bytes to the original term");
    if (!cafe::bench::ei_binary_to_value(m.bytes, m.ei)) {
      fail(m, "ei cannot decode the bytes");
      continue;
    }
    if (cafe::bench::to_term(m.ei) != m.value)
      fail(m, "ei decodes a different term than cafe");
    ei_x_buff buf;
    ei_x_new(&buf);
    if (!cafe::bench::ei_value_to_binary(m.ei, buf)
        || std::vector<uint8_t>(buf.buff, buf.buff + buf.index) != m.bytes)
      fail(m, "ei encodes different bytes than cafe");
    ei_x_free(&buf);
  }
  return ok;
}

// -- the benchmarks -----------------------------------------------------------

/// What one benchmark iteration processes: one message, or the mix.
struct workload {
  std::string name;
  std::vector<const message*> messages;
  size_t bytes = 0;
};

void count(benchmark::State& state, const workload& w) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations())
                          * static_cast<int64_t>(w.bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations())
                          * static_cast<int64_t>(w.messages.size()));
}

void decode_cafe(benchmark::State& state, const workload& w) {
  for (auto _ : state) {
    for (auto m : w.messages) {
      auto x = etf::binary_to_term(m->bytes);
      benchmark::DoNotOptimize(x);
    }
  }
  count(state, w);
}

void decode_ei(benchmark::State& state, const workload& w) {
  for (auto _ : state) {
    for (auto m : w.messages) {
      ei_value x;
      auto ok = cafe::bench::ei_binary_to_value(m->bytes, x);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(x);
    }
  }
  count(state, w);
}

// Both "reuse" variants write into one buffer kept across iterations, as a
// connection's send path would.
void encode_cafe(benchmark::State& state, const workload& w) {
  etf::encoder enc;
  etf::byte_buffer buf; // grows without zero-filling, as a send path's does
  for (auto _ : state) {
    for (auto m : w.messages) {
      buf.clear();
      buf.push_back(131);
      enc.append(m->value, buf);
      benchmark::DoNotOptimize(buf.data());
      benchmark::ClobberMemory();
    }
  }
  count(state, w);
}

void encode_ei(benchmark::State& state, const workload& w) {
  ei_x_buff buf;
  ei_x_new(&buf);
  for (auto _ : state) {
    for (auto m : w.messages) {
      buf.index = 0;
      auto ok = cafe::bench::ei_value_to_binary(m->ei, buf);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(buf.buff);
      benchmark::ClobberMemory();
    }
  }
  ei_x_free(&buf);
  count(state, w);
}

// The "fresh" variants return a new buffer per message.
void encode_fresh_cafe(benchmark::State& state, const workload& w) {
  for (auto _ : state) {
    for (auto m : w.messages) {
      auto buf = etf::term_to_byte_buffer(m->value);
      benchmark::DoNotOptimize(buf.data());
      benchmark::ClobberMemory();
    }
  }
  count(state, w);
}

void encode_fresh_ei(benchmark::State& state, const workload& w) {
  for (auto _ : state) {
    for (auto m : w.messages) {
      ei_x_buff buf;
      ei_x_new(&buf);
      auto ok = cafe::bench::ei_value_to_binary(m->ei, buf);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(buf.buff);
      benchmark::ClobberMemory();
      ei_x_free(&buf);
    }
  }
  count(state, w);
}

std::vector<workload> make_workloads(const std::vector<message>& msgs) {
  std::vector<workload> result;
  for (auto& m : msgs)
    result.push_back(workload{m.name, {&m}, m.bytes.size()});
  // The mix: mostly small control traffic, some records, rare bulk data.
  // Weights per round, by message name.
  const std::vector<std::pair<std::string, int>> weights{
    {"ctl_send", 8},  {"ctl_monitor", 2}, {"gen_call", 8},  {"map_1k", 4},
    {"nested_10", 2}, {"list_1k", 1},     {"binary_64k", 1}};
  workload mix{"mix", {}, 0};
  // Interleave rather than batch, so consecutive messages differ.
  for (int round = 0; round < 8; ++round)
    for (auto& [name, weight] : weights)
      for (auto& m : msgs)
        if (m.name == name && round < weight) {
          mix.messages.push_back(&m);
          mix.bytes += m.bytes.size();
        }
  result.push_back(std::move(mix));
  return result;
}

// -- the summary --------------------------------------------------------------

/// Prints the usual console output, then one table per operation with the
/// throughput of both codecs and their ratio, from the medians when run with
/// repetitions. Uses CPU time: the machine is shared, and CPU time is less
/// disturbed by other processes than wall time.
class ratio_reporter : public benchmark::ConsoleReporter {
public:
  explicit ratio_reporter(const std::vector<workload>& ws)
    : benchmark::ConsoleReporter(OO_Tabular), workloads_(ws) {
    // nop
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    benchmark::ConsoleReporter::ReportRuns(runs);
    for (auto& run : runs) {
      if (run.error_occurred)
        continue;
      auto& name = run.run_name.function_name;
      bool median = run.run_type == Run::RT_Aggregate
                    && run.aggregate_name == "median";
      if (run.run_type == Run::RT_Aggregate && !median)
        continue;
      if (!median && medians_.count(name) > 0)
        continue;
      if (median)
        medians_.insert(name);
      seconds_[name] = run.GetAdjustedCPUTime()
                       / benchmark::GetTimeUnitMultiplier(run.time_unit);
    }
  }

  void Finalize() override {
    benchmark::ConsoleReporter::Finalize();
    table("decode to owned term", "decode");
    table("encode into a reused buffer", "encode");
    table("encode into a fresh buffer (term_to_binary vs ei_x_new)",
          "encode_fresh");
  }

private:
  void table(const char* title, const std::string& op) {
    auto& out = GetOutputStream();
    bool header = false;
    for (auto& w : workloads_) {
      auto c = seconds_.find(op + "/cafe/" + w.name);
      auto e = seconds_.find(op + "/ei/" + w.name);
      if (c == seconds_.end() || e == seconds_.end())
        continue;
      if (!header) {
        out << "\n"
            << title << " (CPU time" << (medians_.empty() ? "" : ", medians")
            << ")\n\n"
            << "| message | bytes | msgs | cafe MB/s | cafe msg/s "
               "| ei MB/s | ei msg/s | cafe/ei |\n"
            << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
        header = true;
      }
      auto n = static_cast<double>(w.messages.size());
      auto b = static_cast<double>(w.bytes);
      char line[256];
      std::snprintf(line, sizeof(line),
                    "| %s | %zu | %zu | %.0f | %.3g | %.0f | %.3g | %.2fx |\n",
                    w.name.c_str(), w.bytes, w.messages.size(),
                    b / c->second / 1e6, n / c->second, b / e->second / 1e6,
                    n / e->second, e->second / c->second);
      out << line;
    }
    out.flush();
  }

  const std::vector<workload>& workloads_;
  std::map<std::string, double> seconds_;
  std::set<std::string> medians_;
};

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  auto msgs = make_messages();
  if (!verify(msgs)) {
    std::fprintf(stderr, "cafe and ei disagree: no numbers\n");
    return 1;
  }
  auto workloads = make_workloads(msgs);
  using bench_fn = void (*)(benchmark::State&, const workload&);
  const std::pair<const char*, bench_fn> benches[] = {
    {"decode/cafe/", decode_cafe},
    {"decode/ei/", decode_ei},
    {"encode/cafe/", encode_cafe},
    {"encode/ei/", encode_ei},
    {"encode_fresh/cafe/", encode_fresh_cafe},
    {"encode_fresh/ei/", encode_fresh_ei},
  };
  for (auto& w : workloads)
    for (auto& [prefix, fn] : benches)
      benchmark::RegisterBenchmark((prefix + w.name).c_str(), fn, w);
  ratio_reporter reporter{workloads};
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
