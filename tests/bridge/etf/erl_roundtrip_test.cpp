// bridge.etf.erl_roundtrip: property tests through a real erl (OTP 25) that
// runs etf_peer.erl behind an erl_port.
//
//  - C++ -> erl: random terms (seeded) and boundary terms are encoded by
//    cafe, decoded by binary_to_term and re-encoded by the BEAM with
//    {minor_version,2}. cafe must decode the BEAM's bytes to the same term
//    and re-encode them byte for byte; cafe's own bytes must equal the
//    BEAM's wherever the BEAM's map order is known (see
//    has_canonical_map_order).
//  - erl -> C++: the BEAM builds random terms (local pids/ports/refs and
//    closures included); cafe decodes and re-encodes them; the BEAM checks
//    binary_to_term(CppBytes) =:= T and the bytes are its own.
//
// Seed and counts: CAFE_TEST_SEED (default 1), CAFE_ETF_TERMS (5000),
// CAFE_ETF_ERL_TERMS (3000), CAFE_ETF_MUTATIONS (3000).

#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/erl_port.hpp"
#include "cafe/test/hex.hpp"
#include "etf_fixture.hpp"
#include "etf_peer_test.hpp"
#include "random_term.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <random>
#include <sstream>

using namespace cafe;
using namespace cafe::etf;
using namespace std::chrono_literals;
using cafe::test::env_uint;
using cafe::test::erl_port;
using cafe::test::show;

constexpr std::string_view suite = "bridge.etf.erl_roundtrip";

namespace {

struct failure_log {
  size_t count = 0;
  std::ostringstream text;

  void add(const std::string& msg) {
    if (count++ < 8)
      text << "--- " << msg << '\n';
  }

  /// Also keeps the bytes of the first failures as files, so a failure can
  /// be replayed (e.g. `binary_to_term(element(2, file:read_file(F)))`)
  /// without rerunning the generator.
  void add(const std::string& msg, std::span<const uint8_t> bytes) {
    if (count < 8) {
      auto dir = cafe::test::binary_dir() / "test-tmp" / "etf_roundtrip";
      std::filesystem::create_directories(dir);
      auto file = dir / ("failure_" + std::to_string(count) + ".bin");
      std::ofstream out{file, std::ios::binary};
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      add(msg + "\n  saved: " + file.string());
      return;
    }
    add(msg);
  }
};

/// Every test of the suite stops when this much time has passed: a hung
/// or pathologically slow peer fails the test instead of the ctest timeout.
constexpr auto time_budget = 45s;

/// The kinds of input cafe's binary_to_term may refuse although the BEAM's
/// accepts them, each with the reason it is tolerated. The differential test
/// below fails on a refusal of any other kind, and checks each allowed kind
/// as far as it can (`stricter_kind`).
const std::map<std::string, std::string, std::less<>> stricter_allowed = {
  // Bytes after the term. The BEAM ignores them: in OTP 25
  // `binary_to_term(<<131,97,1,0>>)` returns 1. cafe's binary_to_term
  // refuses them on purpose (the distribution layer uses `decode` with a
  // consumed count instead); whether it should follow the BEAM is still
  // open (issue #14), so the decoder is unchanged and this kind is
  // tolerated only when the term before the extra bytes is the BEAM's term.
  {"trailing_bytes", "bytes after the term, which binary_to_term ignores"},
  // ATOM_INTERNAL_REF2/3 ('I', 'K'): an atom by its index in the BEAM's own
  // atom table. Only the BEAM's internal format (ets compression, enif)
  // uses them, never the wire, and no other node can resolve the index.
  {"unknown_tag at ATOM_INTERNAL_REF", "an atom-table index ('I'/'K' tag)"},
  // A port where a fun's creator pid belongs. OTP 25 takes any identifier
  // there and writes a pid back (NEW_PID_EXT with the same fields); cafe
  // keeps funs byte-exact, so it refuses what it could not write back.
  {"bad_fun at the creator pid", "a port in a fun's pid field"},
};

/// The allow-list kind of `input`, which cafe refused with `err` and the
/// BEAM decoded to `beam` (its re-encoding); empty when the refusal is none
/// of the tolerated kinds.
std::string stricter_kind(std::span<const uint8_t> input,
                          const decode_error& err,
                          std::span<const uint8_t> beam) {
  auto code = std::string{etf::to_string(err.code)};
  if (code == "trailing_bytes") {
    // The BEAM's term must be the one before the extra bytes.
    size_t consumed = 0;
    auto prefix = decode(input.subspan(1), consumed);
    auto theirs = binary_to_term(beam);
    if (prefix && theirs && *prefix == *theirs && 1 + consumed < input.size())
      return code;
    return {};
  }
  // As a term of its own (unknown_tag) or where an atom must be, e.g. the
  // node of a pid or reference (bad_atom; seed 2768119775).
  if ((code == "unknown_tag" || code == "bad_atom") && err.offset < input.size()
      && (input[err.offset] == 'I' || input[err.offset] == 'K'))
    return "unknown_tag at ATOM_INTERNAL_REF";
  // PORT_EXT 'f', NEW_PORT_EXT 'Y', V4_PORT_EXT 'x' in the input, and the
  // BEAM's NEW_PID_EXT 'X' at the same place.
  if (code == "bad_fun" && err.offset < input.size() && err.offset < beam.size()
      && beam[err.offset] == 'X'
      && (input[err.offset] == 'f' || input[err.offset] == 'Y'
          || input[err.offset] == 'x'))
    return "bad_fun at the creator pid";
  return {};
}

/// Whether `x` holds a pid, port or reference of `node`.
bool mentions_node(const term& x, atom node) {
  if (auto p = x.get_if<pid>())
    return p->node == node;
  if (auto p = x.get_if<port>())
    return p->node == node;
  if (auto r = x.get_if<reference>())
    return r->node == node;
  auto any = [&](const std::vector<term>& xs) {
    return std::any_of(xs.begin(), xs.end(),
                       [&](const term& y) { return mentions_node(y, node); });
  };
  if (auto f = x.get_if<fun>())
    return (*f)->pid.node == node || any((*f)->free_vars);
  if (auto t = x.get_if<tuple>())
    return any(t->elements);
  if (auto xs = x.get_if<list>())
    return any(xs->elements) || (xs->tail && mentions_node(*xs->tail, node));
  if (auto m = x.get_if<etf::map>())
    return std::any_of(m->entries.begin(), m->entries.end(), [&](auto& kvp) {
      return mentions_node(kvp.first, node) || mentions_node(kvp.second, node);
    });
  return false;
}

std::string reply_text(const std::vector<uint8_t>& reply) {
  return std::string(reply.begin() + (reply.empty() ? 0 : 1), reply.end());
}

class erl_roundtrip : public cafe::test::etf_peer_test {
protected:
  /// Sends `x` through the BEAM and checks everything we can check.
  static void check_cpp_term(const term& x, failure_log& log) {
    auto cpp = term_to_binary(x);
    auto local = binary_to_term(cpp);
    if (!local || !(*local == x)) {
      log.add("cafe does not decode its own encoding of " + show(x)
              + (local ? "" : ": " + to_string(local.error())));
      return;
    }
    auto reply = request('E', cpp);
    if (reply.empty() || reply[0] != 'O') {
      log.add("binary_to_term rejects cafe's encoding of " + show(x)
              + "\n  reason: " + reply_text(reply) + "\n  bytes: " + show(cpp));
      return;
    }
    std::vector<uint8_t> beam(reply.begin() + 1, reply.end());
    auto from_beam = binary_to_term(beam);
    if (!from_beam) {
      log.add("cafe cannot decode the BEAM's encoding of " + show(x) + ": "
              + to_string(from_beam.error()) + "\n  beam: " + show(beam));
      return;
    }
    if (!(*from_beam == x)) {
      log.add("the BEAM decoded another term\n  sent: " + show(x)
              + "\n  got:  " + show(*from_beam));
      return;
    }
    auto again = term_to_binary(*from_beam);
    if (again != beam) {
      log.add("re-encoding the BEAM's bytes is not byte-exact for "
              + show(*from_beam) + "\n  beam: " + show(beam)
              + "\n  cafe: " + show(again));
      return;
    }
    if (cafe::test::has_canonical_map_order(x) && cpp != beam)
      log.add("cafe's bytes differ from the BEAM's for " + show(x)
                + "\n  beam: " + show(beam) + "\n  cafe: " + show(cpp),
              cpp);
  }
};

} // namespace

TEST_F(erl_roundtrip, boundary_terms_match_the_beam) {
  failure_log log;
  auto terms = cafe::test::edge_terms();
  for (auto& x : terms)
    check_cpp_term(x, log);
  EXPECT_EQ(log.count, 0u) << log.count << " of " << terms.size()
                           << " terms failed:\n"
                           << log.text.str();
}

TEST_F(erl_roundtrip, golden_vectors_reach_the_beam_unchanged) {
  failure_log log;
  for (auto& vec : cafe::test::etf_golden()) {
    auto decoded = binary_to_term(vec.canonical);
    if (!decoded) {
      log.add(vec.name + ": " + to_string(decoded.error()));
      continue;
    }
    auto reply = request('E', term_to_binary(*decoded));
    if (reply.empty() || reply[0] != 'O') {
      log.add(vec.name + ": the BEAM answered " + reply_text(reply));
      continue;
    }
    std::vector<uint8_t> beam(reply.begin() + 1, reply.end());
    // Hash map order depends on the node (atoms hash by their index in the
    // atom table), so large maps come back in another order: compare those
    // as terms.
    if (cafe::test::has_canonical_map_order(*decoded)) {
      if (beam != vec.canonical)
        log.add(vec.name + ": the BEAM re-encoded to " + show(beam));
    } else if (auto back = binary_to_term(beam);
               !back || !(*back == *decoded)) {
      log.add(vec.name + ": the BEAM returned another term: " + show(beam));
    }
  }
  EXPECT_EQ(log.count, 0u) << log.text.str();
}

TEST_F(erl_roundtrip, random_cpp_terms_match_the_beam) {
  auto seed = cafe::test::test_seed();
  auto n = env_uint("CAFE_ETF_TERMS", 5000);
  cafe::test::random_term_generator gen{seed};
  failure_log log;
  size_t byte_compared = 0;
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  size_t i = 0;
  for (; i < n && std::chrono::steady_clock::now() < deadline; ++i) {
    auto x = gen.next();
    byte_compared += cafe::test::has_canonical_map_order(x) ? 1 : 0;
    check_cpp_term(x, log);
  }
  std::cout << "[ erl      ] seed " << seed << ": " << i << " terms, "
            << byte_compared << " compared byte for byte" << std::endl;
  EXPECT_EQ(i, n) << "ran out of time after " << i << " terms";
  EXPECT_GT(byte_compared, n / 2);
  EXPECT_EQ(log.count, 0u) << log.count << " of " << i << " terms failed:\n"
                           << log.text.str()
                           << cafe::test::reproduce(suite, seed);
}

TEST_F(erl_roundtrip, random_beam_terms_reencode_byte_exact) {
  auto seed = cafe::test::test_seed();
  auto n = env_uint("CAFE_ETF_ERL_TERMS", 3000);
  failure_log log;
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  size_t i = 0;
  for (; i < n && std::chrono::steady_clock::now() < deadline; ++i) {
    auto term_seed = seed * 1000003 + i;
    std::vector<uint8_t> gen_req(9);
    for (int k = 0; k < 8; ++k)
      gen_req[k] = static_cast<uint8_t>(term_seed >> (56 - 8 * k));
    gen_req[8] = 4; // depth
    auto reply = request('G', gen_req);
    if (reply.empty() || reply[0] != 'O') {
      log.add("generator failed for seed " + std::to_string(term_seed) + ": "
              + reply_text(reply));
      continue;
    }
    std::vector<uint8_t> beam(reply.begin() + 1, reply.end());
    auto decoded = binary_to_term(beam);
    if (!decoded) {
      log.add("cafe cannot decode erl term (seed " + std::to_string(term_seed)
              + "): " + to_string(decoded.error()) + "\n  beam: " + show(beam));
      continue;
    }
    auto cpp = term_to_binary(*decoded);
    if (cpp != beam)
      log.add("re-encoding is not byte-exact (seed " + std::to_string(term_seed)
              + ") for " + show(*decoded) + "\n  beam: " + show(beam)
              + "\n  cafe: " + show(cpp));
    auto verdict = request('V', cpp);
    if (verdict.empty() || verdict[0] != 'O')
      log.add("erl rejects cafe's re-encoding (seed "
              + std::to_string(term_seed) + "): " + reply_text(verdict));
  }
  EXPECT_EQ(i, n) << "ran out of time after " << i << " terms";
  EXPECT_EQ(log.count, 0u) << log.count << " of " << i << " terms failed:\n"
                           << log.text.str()
                           << cafe::test::reproduce(suite, seed);
}

// Differential: mutated golden vectors go to both decoders. Where both
// accept, they must agree on the term; where only cafe accepts, cafe lets
// through what the BEAM calls malformed (and would later send it on).
// cafe may be stricter than the BEAM only in the ways `stricter_allowed`
// lists: any other refusal of an input the BEAM accepts fails.
TEST_F(erl_roundtrip, mutated_vectors_decode_like_the_beam) {
  auto seed = cafe::test::test_seed();
  auto n = env_uint("CAFE_ETF_MUTATIONS", 3000);
  std::mt19937_64 rng{seed};
  auto uniform = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>{lo, hi}(rng);
  };
  std::vector<const std::vector<uint8_t>*> seeds;
  for (auto& vec : cafe::test::etf_golden())
    if (!vec.compressed() && vec.canonical.size() < 2000)
      seeds.push_back(&vec.canonical);
  failure_log disagree;
  failure_log lenient;
  failure_log stricter;
  std::map<std::string, size_t> stricter_counts;
  std::ostringstream stricter_examples;
  size_t both_accept = 0;
  size_t local_identifiers = 0;
  // The peer runs without distribution.
  auto local_node = atom{"nonode@nohost"};
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  size_t i = 0;
  for (; i < n && std::chrono::steady_clock::now() < deadline; ++i) {
    auto input = *seeds[uniform(0, seeds.size() - 1)];
    for (auto k = uniform(1, 2); k > 0 && input.size() > 1; --k) {
      auto at = uniform(1, input.size() - 1);
      switch (uniform(0, 3)) {
        case 0: input[at] = static_cast<uint8_t>(uniform(0, 255)); break;
        case 1: input[at] ^= static_cast<uint8_t>(1u << uniform(0, 7)); break;
        case 2: input[at] = static_cast<uint8_t>(uniform(0, 3)); break;
        default:
          input.resize(at);
          for (auto extra = uniform(0, 4); extra > 0; --extra)
            input.push_back(static_cast<uint8_t>(uniform(0, 255)));
      }
    }
    auto ours = binary_to_term(input);
    auto reply = request('E', input);
    bool beam_ok = !reply.empty() && reply[0] == 'O';
    if (ours && beam_ok) {
      ++both_accept;
      std::vector<uint8_t> beam(reply.begin() + 1, reply.end());
      auto theirs = binary_to_term(beam);
      if (!theirs || !(*theirs == *ours))
        disagree.add("decoders disagree on " + show(input)
                       + "\n  cafe: " + show(*ours) + "\n  beam: " + show(beam),
                     input);
      else if (term_to_binary(*theirs) != beam)
        disagree.add("re-encoding the BEAM's bytes differs for " + show(input)
                       + "\n  cafe: " + show(term_to_binary(*theirs))
                       + "\n  beam: " + show(beam),
                     input);
    } else if (ours && mentions_node(*ours, local_node)) {
      // A pid, port or reference of the peer's own node whose numbers are
      // out of range for a local identifier: only the node itself can
      // know that.
      ++local_identifiers;
    } else if (ours) {
      lenient.add("cafe accepts what binary_to_term rejects: " + show(input)
                    + "\n  cafe: " + show(*ours)
                    + "\n  beam: " + reply_text(reply),
                  input);
    } else if (beam_ok) {
      std::vector<uint8_t> beam(reply.begin() + 1, reply.end());
      auto kind = stricter_kind(input, ours.error(), beam);
      if (kind.empty() || !stricter_allowed.contains(kind)) {
        stricter.add("cafe refuses what binary_to_term accepts, and not in "
                     "a tolerated way: "
                       + show(input) + "\n  cafe: " + to_string(ours.error())
                       + "\n  beam: " + show(beam),
                     input);
      } else if (stricter_counts[kind]++ < 2) {
        stricter_examples << "  " << kind << ": " << show(input, 160) << '\n';
      }
    }
  }
  std::cout << "[ erl      ] " << i << " mutations, " << both_accept
            << " accepted by both; rejected by cafe only:";
  for (auto& [code, count] : stricter_counts)
    std::cout << ' ' << code << '=' << count;
  std::cout << "; local identifiers: " << local_identifiers << '\n'
            << stricter_examples.str() << std::flush;
  EXPECT_EQ(i, n) << "ran out of time after " << i << " inputs";
  EXPECT_EQ(disagree.count, 0u)
    << disagree.text.str() << cafe::test::reproduce(suite, seed);
  EXPECT_EQ(lenient.count, 0u)
    << lenient.text.str() << cafe::test::reproduce(suite, seed);
  EXPECT_EQ(stricter.count, 0u)
    << stricter.text.str() << cafe::test::reproduce(suite, seed);
  // Not vacuous: about a third of the mutations decode on both sides (1091
  // to 1102 of 3000 for seeds 1-3), and the tolerated refusals are seen.
  EXPECT_GT(both_accept, i / 5);
  EXPECT_GT(stricter_counts["trailing_bytes"], i / 100);
}
