// bridge.etf.erl_text: cafe's term text against a real erl (OTP 25) that
// runs etf_peer.erl behind an erl_port.
//
//  - erl reads what cafe prints: erl_scan:string/1 and
//    erl_parse:parse_term/1 of to_string(T) give T;
//  - cafe reads what erl prints: parse of io_lib:format("~w"), "~p", "~tw"
//    and "~tp" of T gives T;
//  - cafe prints as erl does: to_string(T) is io_lib:format("~tp", [T]) on
//    one line, wherever the text is defined by io_lib alone (no floats,
//    whose shortest forms differ in notation, e.g. 1.0e-07 and 1.0e-7; no
//    maps in hash order).
//
// Only terms with a literal syntax take part: `readable_kinds` is the
// allow-list, and the skipped terms are counted by kind.
//
// Seed and count: CAFE_TEST_SEED (default 1), CAFE_TEST_TERMS (3000).

#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/erl_port.hpp"
#include "cafe/test/hex.hpp"
#include "etf_fixture.hpp"
#include "etf_peer_test.hpp"
#include "random_term.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

using namespace cafe;
using namespace cafe::etf;
using namespace std::chrono_literals;
using cafe::test::env_uint;
using cafe::test::erl_port;
using cafe::test::same_term;
using cafe::test::show;

namespace {

/// Every test of the suite stops when this much time has passed: a hung
/// or pathologically slow peer fails the test instead of the ctest timeout.
constexpr auto time_budget = 60s;

/// The kinds of term that have a literal syntax, in cafe and in Erlang.
/// Pids, ports, references and funs print as #Pid<...>, <0.1.0>, #Ref<...>,
/// #Fun<...>: neither side reads those.
constexpr kind readable_kinds[] = {
  kind::integer, kind::big_integer, kind::floating,
  kind::atom,    kind::tuple,       kind::map,
  kind::list,    kind::binary,      kind::bitstring,
};

const char* kind_name(kind k) {
  switch (k) {
    case kind::reference: return "reference";
    case kind::fun: return "fun";
    case kind::export_fun: return "export_fun";
    case kind::port: return "port";
    case kind::pid: return "pid";
    default: return "other";
  }
}

/// The first kind in `x` that is not in `readable_kinds`, if any.
std::optional<kind> unreadable_kind(const term& x) {
  auto k = x.kind();
  if (std::find(std::begin(readable_kinds), std::end(readable_kinds), k)
      == std::end(readable_kinds))
    return k;
  auto first = [](const std::vector<term>& xs) -> std::optional<kind> {
    for (auto& y : xs)
      if (auto r = unreadable_kind(y))
        return r;
    return std::nullopt;
  };
  if (auto t = x.get_if<tuple>())
    return first(t->elements);
  if (auto xs = x.get_if<list>()) {
    if (auto r = first(xs->elements))
      return r;
    return xs->tail ? unreadable_kind(*xs->tail) : std::nullopt;
  }
  if (auto m = x.get_if<map>())
    for (auto& [k2, v] : m->entries) {
      if (auto r = unreadable_kind(k2))
        return r;
      if (auto r = unreadable_kind(v))
        return r;
    }
  return std::nullopt;
}

template <class Pred>
bool any_leaf(const term& x, Pred& pred) {
  if (pred(x))
    return true;
  if (auto t = x.get_if<tuple>())
    return std::any_of(t->elements.begin(), t->elements.end(),
                       [&](const term& y) { return any_leaf(y, pred); });
  if (auto xs = x.get_if<list>())
    return std::any_of(xs->elements.begin(), xs->elements.end(),
                       [&](const term& y) { return any_leaf(y, pred); })
           || (xs->tail && any_leaf(*xs->tail, pred));
  if (auto m = x.get_if<map>())
    return std::any_of(m->entries.begin(), m->entries.end(), [&](auto& kvp) {
      return any_leaf(kvp.first, pred) || any_leaf(kvp.second, pred);
    });
  return false;
}

/// Whether `x` holds an atom with U+FFFE or U+FFFF: Erlang atoms may hold
/// them and io_lib writes them as they are, but erl_scan accepts neither,
/// raw or as \x{FFFE} (its ?UNICODE guard), so erl cannot read such text.
bool has_noncharacter_atom(const term& x) {
  auto pred = [](const term& y) {
    auto a = y.get_if<atom>();
    return a != nullptr
           && (a->text().find("\xef\xbf\xbe") != std::string_view::npos
               || a->text().find("\xef\xbf\xbf") != std::string_view::npos);
  };
  return any_leaf(x, pred);
}

bool has_float(const term& x) {
  auto pred = [](const term& y) { return y.is<double>(); };
  return any_leaf(x, pred);
}

std::string reply_text(const std::vector<uint8_t>& reply) {
  return std::string(reply.begin() + (reply.empty() ? 0 : 1), reply.end());
}

/// What one run checked, and what went wrong.
struct tally {
  size_t terms = 0;
  std::map<std::string, size_t> skipped; // by unreadable kind
  size_t erl_read = 0; // erl read to_string(T) back
  size_t erl_refuses_noncharacter = 0;
  size_t cafe_read = 0; // cafe read erl's text, per format
  size_t same_text = 0; // to_string(T) == ~tp
  size_t failures = 0;
  std::ostringstream log;

  void fail(const std::string& what, const term& x) {
    if (failures++ < 8)
      log << "--- " << what << "\n  term: " << show(x)
          << "\n  etf: " << show(term_to_binary(x)) << '\n';
  }
};

class erl_text : public cafe::test::etf_peer_test {
protected:
  /// io_lib:format(Format, [x]) as erl writes it.
  static std::optional<std::string> erl_print(char format, const term& x) {
    auto bytes = term_to_binary(x);
    std::string body(1, format);
    body.append(bytes.begin(), bytes.end());
    auto reply = request('P', body);
    if (reply.empty() || reply[0] != 'O')
      return std::nullopt;
    return reply_text(reply);
  }

  /// Runs every check on `x`; `where` names it in failure messages.
  /// `same_text` off skips the comparison with erl's ~tp text.
  static void check(const term& x, const std::string& where, tally& t,
                    bool same_text = true) {
    ++t.terms;
    if (auto k = unreadable_kind(x)) {
      ++t.skipped[kind_name(*k)];
      return;
    }
    auto text = to_string(x);
    // erl reads what cafe prints.
    if (has_noncharacter_atom(x)) {
      ++t.erl_refuses_noncharacter;
    } else {
      auto reply = request('R', text);
      if (reply.empty() || reply[0] != 'O') {
        t.fail(where + ": erl cannot read cafe's text " + text.substr(0, 400)
                 + "\n  erl: " + reply_text(reply),
               x);
      } else {
        std::vector<uint8_t> bytes(reply.begin() + 1, reply.end());
        auto back = binary_to_term(bytes);
        if (!back || !same_term(*back, x))
          t.fail(where + ": erl read cafe's text " + text.substr(0, 400)
                   + " as " + (back ? show(*back) : show(bytes)),
                 x);
        else
          ++t.erl_read;
      }
    }
    // cafe reads what erl prints.
    for (char format : {'w', 'p', 'W', 'P'}) {
      auto printed = erl_print(format, x);
      if (!printed) {
        t.fail(where + ": erl cannot print the term", x);
        continue;
      }
      auto back = parse(*printed);
      if (!back)
        t.fail(where + ": cafe cannot read erl's ~" + format + " text "
                 + printed->substr(0, 400) + "\n  cafe: " + back.error().reason
                 + " at " + std::to_string(back.error().offset),
               x);
      else if (!same_term(*back, x))
        t.fail(where + ": cafe read erl's ~" + format + " text "
                 + printed->substr(0, 400) + " as " + show(*back),
               x);
      else
        ++t.cafe_read;
    }
    // cafe prints as erl does.
    if (same_text && !has_float(x) && cafe::test::has_canonical_map_order(x)) {
      auto printed = erl_print('L', x);
      if (!printed)
        t.fail(where + ": erl cannot print the term", x);
      else if (*printed != text)
        t.fail(where + ": cafe prints " + text.substr(0, 400)
                 + "\n  erl ~tp: " + printed->substr(0, 400),
               x);
      else
        ++t.same_text;
    }
  }
};

} // namespace

// Every character below U+0300, and some beyond, alone and after an 'a', in
// atoms, charlists and binaries: the exhaustive escape table against erl.
TEST_F(erl_text, every_character_agrees_with_io_lib_and_erl_scan) {
  std::vector<uint32_t> cps;
  for (uint32_t c = 0; c < 0x300; ++c)
    cps.push_back(c);
  for (uint32_t c : {0x3bbu, 0xd7ffu, 0xe000u, 0xfffdu, 0xfffeu, 0xffffu,
                     0x10000u, 0x1f600u, 0x10ffffu})
    cps.push_back(c);
  tally t;
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  for (auto c : cps) {
    if (std::chrono::steady_clock::now() > deadline)
      break;
    std::string utf8 = "a";
    cafe::test::append_utf8(utf8, c);
    std::vector<term> xs{term{atom{utf8}},      term{atom{utf8.substr(1)}},
                         make_list(int64_t{c}), make_list('a', int64_t{c}),
                         term{binary{utf8}},    term{binary{utf8.substr(1)}}};
    if (c <= 0xff)
      xs.push_back(term{binary{std::string(1, static_cast<char>(c))}});
    std::ostringstream where;
    where << "U+" << std::hex << c;
    for (auto& x : xs)
      check(x, where.str(), t);
  }
  std::cout << "[ erl      ] " << t.terms << " terms: erl read " << t.erl_read
            << ", cafe read " << t.cafe_read << " (4 formats), same text "
            << t.same_text << std::endl;
  EXPECT_EQ(t.failures, 0u) << t.failures << " failures:\n" << t.log.str();
  auto n = 6 * cps.size() + 0x100;
  EXPECT_EQ(t.terms, n) << "ran out of time";
  // No identifiers here; only the atoms with U+FFFE and U+FFFF (two each)
  // are kept from erl_scan.
  EXPECT_TRUE(t.skipped.empty());
  EXPECT_EQ(t.erl_refuses_noncharacter, 4u);
  EXPECT_EQ(t.erl_read, n - 4);
  EXPECT_EQ(t.cafe_read, 4 * n);
  EXPECT_EQ(t.same_text, n);
}

// Property: random terms, text-heavy ones among them, agree with erl in
// both directions.
TEST_F(erl_text, random_terms_agree_with_erl) {
  auto seed = cafe::test::test_seed();
  auto n = env_uint("CAFE_TEST_TERMS", 3000);
  cafe::test::random_term_generator gen{seed};
  tally t;
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  size_t i = 0;
  for (; i < n && std::chrono::steady_clock::now() < deadline; ++i) {
    term x;
    switch (gen.uniform(0, 3)) {
      case 0: x = gen.text(); break;
      case 1: {
        std::vector<term> xs;
        for (auto k = gen.uniform(1, 4); k > 0; --k)
          xs.push_back(gen.one_in(2) ? gen.text() : gen.next(2));
        x = term{tuple{std::move(xs)}};
        break;
      }
      default: x = gen.next();
    }
    check(x, "term " + std::to_string(i) + " of seed " + std::to_string(seed),
          t);
  }
  size_t skipped = 0;
  std::ostringstream kinds;
  for (auto& [name, count] : t.skipped) {
    skipped += count;
    kinds << ' ' << name << '=' << count;
  }
  auto checked = t.terms - skipped;
  std::cout << "[ erl      ] seed " << seed << ": " << t.terms << " terms, "
            << checked << " checked (skipped:" << kinds.str() << "); erl read "
            << t.erl_read << " (U+FFFE/U+FFFF atoms kept "
            << "from erl_scan: " << t.erl_refuses_noncharacter
            << "), cafe read " << t.cafe_read << " (4 formats), same text "
            << t.same_text << std::endl;
  EXPECT_EQ(i, n) << "ran out of time after " << i << " terms";
  EXPECT_EQ(t.failures, 0u)
    << t.failures << " failures (seed " << seed << "):\n"
    << t.log.str()
    << cafe::test::reproduce("bridge.etf.erl_text", seed,
                             "CAFE_TEST_TERMS=" + std::to_string(n));
  // Not vacuous: most terms take part, in every check.
  EXPECT_GE(checked, n / 2);
  EXPECT_GE(t.erl_read, checked * 9 / 10);
  EXPECT_EQ(t.cafe_read, 4 * checked);
  EXPECT_GE(t.same_text, checked / 3);
}

// Reserved words print quoted, like io_lib:quote_atom/2. cafe also quotes
// `maybe` and `else`, keywords once the maybe_expr feature is on (the
// default from OTP 27): OTP 25 prints them bare, and reads the quoted form
// to the same atom. Those two are the only tolerated difference.
TEST_F(erl_text, reserved_words_are_quoted_as_in_erl_scan) {
  const std::set<std::string> quoted_by_cafe_only = {"maybe", "else"};
  const char* words[]
    = {"after", "and",  "andalso", "band",  "begin", "bnot",   "bor",     "bsl",
       "bsr",   "bxor", "case",    "catch", "cond",  "div",    "end",     "fun",
       "if",    "let",  "not",     "of",    "or",    "orelse", "receive", "rem",
       "try",   "when", "xor",     "maybe", "else"};
  tally t;
  size_t tolerated = 0;
  for (auto word : words) {
    auto x = term{atom{word}};
    auto text = to_string(x);
    EXPECT_EQ(text, "'" + std::string{word} + "'");
    auto printed = erl_print('L', x);
    ASSERT_TRUE(printed) << word;
    if (quoted_by_cafe_only.count(word) != 0) {
      ++tolerated;
      EXPECT_TRUE(*printed == word || *printed == text) << *printed;
      check(x, word, t, false); // reads back both ways
    } else {
      check(x, word, t);
    }
  }
  EXPECT_EQ(tolerated, quoted_by_cafe_only.size());
  EXPECT_EQ(t.failures, 0u) << t.log.str();
  EXPECT_EQ(t.erl_read, std::size(words));
  EXPECT_EQ(t.same_text, std::size(words) - tolerated);
}
