// bridge.etf.print: to_string writes atoms, strings and binaries as io_lib
// does (io_lib:write_atom/1, io_lib:write_string/2 and string_char/4, the
// binaries of io_lib_pretty for `~tp`), and parse reads every printed term
// back to the same term.
//
// The property test draws terms from random_term_generator, seeded by
// CAFE_TEST_SEED (default 1), CAFE_TEST_TERMS of them (default 20000).

#include "cafe/etf/encoder.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"
#include "random_term.hpp"

#include <gtest/gtest.h>
#include <sstream>
#include <string>

using namespace cafe::etf;
using cafe::test::env_uint;
using cafe::test::random_term_generator;
using cafe::test::same_term;

namespace {

term atom_of(std::string_view text) {
  return term{atom{text}};
}

term chars(std::initializer_list<int64_t> xs) {
  std::vector<term> elements;
  for (auto x : xs)
    elements.emplace_back(x);
  return term{list{std::move(elements)}};
}

term bin(std::string_view bytes) {
  return term{binary{bytes}};
}

/// Whether `x` holds something without a literal syntax (pids, ports,
/// references, funs): parse rejects those by design.
bool has_identifier(const term& x) {
  switch (x.kind()) {
    case kind::pid:
    case kind::port:
    case kind::reference:
    case kind::fun:
    case kind::export_fun: return true;
    default: break;
  }
  auto any = [](const std::vector<term>& xs) {
    return std::any_of(xs.begin(), xs.end(), has_identifier);
  };
  if (auto t = x.get_if<tuple>())
    return any(t->elements);
  if (auto xs = x.get_if<list>())
    return any(xs->elements) || (xs->tail && has_identifier(*xs->tail));
  if (auto m = x.get_if<map>())
    return std::any_of(m->entries.begin(), m->entries.end(), [](auto& kvp) {
      return has_identifier(kvp.first) || has_identifier(kvp.second);
    });
  return false;
}

/// What the property test saw, so that it can prove its inputs reached the
/// escapes it is about.
struct coverage {
  size_t control_atoms = 0; // C0, C1 or DEL in an atom
  size_t quote_atoms = 0; // ' or " in an atom
  size_t backslash_atoms = 0;
  size_t non_ascii_atoms = 0;
  size_t text_binaries = 0; // printed as <<"...">>
  size_t utf8_binaries = 0; // printed as <<"..."/utf8>>
  size_t strings = 0; // printed as "..."

  void add(const term& x, const std::string& printed) {
    if (auto a = x.get_if<atom>()) {
      auto text = a->text();
      bool control = false;
      for (size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        auto next
          = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        control = control || c < 0x20 || c == 0x7f
                  || (c == 0xc2 && next >= 0x80 && next <= 0x9f);
      }
      control_atoms += control ? 1 : 0;
      quote_atoms += text.find_first_of("'\"") != text.npos ? 1 : 0;
      backslash_atoms += text.find('\\') != text.npos ? 1 : 0;
      non_ascii_atoms += std::any_of(text.begin(), text.end(),
                                     [](char c) { return c & 0x80; })
                           ? 1
                           : 0;
    } else if (x.is<binary>() && printed.starts_with("<<\"")) {
      ++(printed.ends_with("/utf8>>") ? utf8_binaries : text_binaries);
    } else if (x.is<list>() && printed.starts_with("\"")) {
      ++strings;
    }
    auto walk = [this](const term& y) { add(y, to_string(y)); };
    if (auto t = x.get_if<tuple>())
      std::for_each(t->elements.begin(), t->elements.end(), walk);
    if (auto xs = x.get_if<list>()) {
      std::for_each(xs->elements.begin(), xs->elements.end(), walk);
      if (xs->tail)
        walk(*xs->tail);
    }
    if (auto m = x.get_if<map>())
      for (auto& [k, v] : m->entries) {
        walk(k);
        walk(v);
      }
  }
};

/// A term for the property test: random terms of every kind, and text
/// leaves (alone or in a tuple) that exercise quoting and escapes.
term sample(random_term_generator& gen) {
  switch (gen.uniform(0, 3)) {
    case 0: return gen.text();
    case 1: {
      std::vector<term> xs;
      for (auto n = gen.uniform(1, 4); n > 0; --n)
        xs.push_back(gen.one_in(2) ? gen.text() : gen.next(2));
      return term{tuple{std::move(xs)}};
    }
    default: return gen.next();
  }
}

} // namespace

// -- atoms: io_lib:write_atom/1 -----------------------------------------------

TEST(print, atoms_are_quoted_like_io_lib) {
  // Bare: a-z or a Latin-1 lowercase letter first, then letters, digits,
  // _ and @ (io_lib:quote_atom/2, name_char/1).
  EXPECT_EQ(to_string(atom_of("ok")), "ok");
  EXPECT_EQ(to_string(atom_of("a@b_C9")), "a@b_C9");
  EXPECT_EQ(to_string(atom_of("\xc3\xa9t\xc3\xa9")), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(to_string(atom_of("\xc3\x9f")), "\xc3\x9f"); // ß
  EXPECT_EQ(to_string(atom_of("a\xc3\x80\xc3\xbf")), "a\xc3\x80\xc3\xbf");
  // Quoted: anything else, and the reserved words.
  EXPECT_EQ(to_string(atom_of("")), "''");
  EXPECT_EQ(to_string(atom_of("Abc")), "'Abc'");
  EXPECT_EQ(to_string(atom_of("_a")), "'_a'");
  EXPECT_EQ(to_string(atom_of("9a")), "'9a'");
  EXPECT_EQ(to_string(atom_of("a-b")), "'a-b'");
  EXPECT_EQ(to_string(atom_of("\xc3\x89t\xc3\xa9")), "'\xc3\x89t\xc3\xa9'");
  EXPECT_EQ(to_string(atom_of("a\xc3\x97")), "'a\xc3\x97'"); // ×
  EXPECT_EQ(to_string(atom_of("\xc3\xb7")), "'\xc3\xb7'"); // ÷
  EXPECT_EQ(to_string(atom_of("\xce\xbb")), "'\xce\xbb'"); // λ
  EXPECT_EQ(to_string(atom_of("a\xce\xbb")), "'a\xce\xbb'");
  EXPECT_EQ(to_string(atom_of("end")), "'end'");
  EXPECT_EQ(to_string(atom_of("receive")), "'receive'");
  // Keywords from OTP 27 on, quoted so that every release reads them.
  EXPECT_EQ(to_string(atom_of("maybe")), "'maybe'");
  EXPECT_EQ(to_string(atom_of("else")), "'else'");
}

TEST(print, atoms_escape_like_io_lib_string_char) {
  // The brief's example: byte 0x0E is \016 (octal), not \14.
  EXPECT_EQ(to_string(atom_of("\x0e")), "'\\016'");
  EXPECT_EQ(to_string(atom_of(std::string_view{"\0", 1})), "'\\000'");
  EXPECT_EQ(to_string(atom_of("\x01")), "'\\001'");
  EXPECT_EQ(to_string(atom_of("\x1f")), "'\\037'");
  // Control characters with a letter.
  EXPECT_EQ(to_string(atom_of("\n")), "'\\n'");
  EXPECT_EQ(to_string(atom_of("\r")), "'\\r'");
  EXPECT_EQ(to_string(atom_of("\t")), "'\\t'");
  EXPECT_EQ(to_string(atom_of("\v")), "'\\v'");
  EXPECT_EQ(to_string(atom_of("\b")), "'\\b'");
  EXPECT_EQ(to_string(atom_of("\f")), "'\\f'");
  EXPECT_EQ(to_string(atom_of("\x1b")), "'\\e'");
  EXPECT_EQ(to_string(atom_of("\x7f")), "'\\d'");
  // C1 controls (U+0080..U+009F) in octal; from U+00A0 on as is.
  EXPECT_EQ(to_string(atom_of("\xc2\x80")), "'\\200'");
  EXPECT_EQ(to_string(atom_of("\xc2\x9f")), "'\\237'");
  EXPECT_EQ(to_string(atom_of("\xc2\xa0")), "'\xc2\xa0'");
  // The quote and the backslash; the other quote as is.
  EXPECT_EQ(to_string(atom_of("it's")), "'it\\'s'");
  EXPECT_EQ(to_string(atom_of("a\\b")), "'a\\\\b'");
  EXPECT_EQ(to_string(atom_of("a\"b")), "'a\"b'");
  // A space is printable: no \s.
  EXPECT_EQ(to_string(atom_of("a b")), "'a b'");
}

// -- strings: io_lib:printable_latin1_list/1, io_lib:write_string/2 -----------

TEST(print, charlists_print_as_strings_when_printable_latin1) {
  EXPECT_EQ(to_string(make_charlist("hi")), "\"hi\"");
  EXPECT_EQ(to_string(make_charlist("\x1b\v\b\f\n\r\t")),
            "\"\\e\\v\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(to_string(make_charlist("\"\\'")), "\"\\\"\\\\'\"");
  EXPECT_EQ(to_string(chars({0xe9})), "\"\xc3\xa9\"");
  EXPECT_EQ(to_string(chars({0xa0, 0xff})), "\"\xc2\xa0\xc3\xbf\"");
  // Not printable: DEL, other controls, C1, beyond Latin-1, negative.
  EXPECT_EQ(to_string(chars({0x7f})), "[127]");
  EXPECT_EQ(to_string(chars({'a', 0x0e})), "[97,14]");
  EXPECT_EQ(to_string(chars({0})), "[0]");
  EXPECT_EQ(to_string(chars({0x85})), "[133]");
  EXPECT_EQ(to_string(chars({0x3bb})), "[955]");
  EXPECT_EQ(to_string(chars({-1})), "[-1]");
  EXPECT_EQ(to_string(term{list{{term{97}}, term{atom{"b"}}}}), "[97|b]");
  EXPECT_EQ(to_string(term{}), "[]");
}

// -- binaries: io_lib_pretty for ~tp ------------------------------------------

TEST(print, binaries_print_as_text_like_tp) {
  EXPECT_EQ(to_string(bin("abc")), "<<\"abc\">>");
  EXPECT_EQ(to_string(bin("\"\\'")), "<<\"\\\"\\\\'\">>");
  EXPECT_EQ(to_string(bin("\x1b\v\b\f\n\r\t")),
            "<<\"\\e\\v\\b\\f\\n\\r\\t\">>");
  // Valid UTF-8, all characters printable Latin-1: /utf8.
  EXPECT_EQ(to_string(bin("h\xc3\xa9")), "<<\"h\xc3\xa9\"/utf8>>");
  // Valid UTF-8 beyond Latin-1: bytes (io_lib_pretty does not fall back to
  // Latin-1 for valid UTF-8).
  EXPECT_EQ(to_string(bin("\xce\xbb")), "<<206,187>>");
  EXPECT_EQ(to_string(bin("\xc2\x80")), "<<194,128>>");
  // Not UTF-8, all bytes printable Latin-1: one character per byte.
  EXPECT_EQ(to_string(bin("\xe9")), "<<\"\xc3\xa9\">>");
  EXPECT_EQ(to_string(bin("\xff\xfe")), "<<\"\xc3\xbf\xc3\xbe\">>");
  // Anything else: bytes.
  EXPECT_EQ(to_string(bin("\x0e")), "<<14>>");
  EXPECT_EQ(to_string(bin("a\x7f")), "<<97,127>>");
  EXPECT_EQ(to_string(bin(std::string_view{"\0", 1})), "<<0>>");
  EXPECT_EQ(to_string(bin("")), "<<>>");
  EXPECT_EQ(to_string(term{bitstring{"ab\xc0", 2}}), "<<97,98,3:2>>");
}

// Every character below U+0300, and some beyond, in every kind of text:
// printed, then parsed, it is the same term.
TEST(print, every_character_reads_back) {
  std::vector<uint32_t> cps;
  for (uint32_t c = 0; c < 0x300; ++c)
    cps.push_back(c);
  for (uint32_t c : {0xd7ffu, 0xe000u, 0xfffdu, 0xfffeu, 0xffffu, 0x10000u,
                     0x1f600u, 0x10ffffu})
    cps.push_back(c);
  size_t checked = 0;
  for (auto c : cps) {
    std::string utf8 = "a";
    cafe::test::append_utf8(utf8, c);
    std::vector<term> xs{atom_of(utf8), atom_of(utf8.substr(1)),
                         chars({int64_t{c}}), chars({'a', int64_t{c}}),
                         bin(utf8)};
    if (c <= 0xff)
      xs.push_back(bin(std::string(1, static_cast<char>(c))));
    for (auto& x : xs) {
      auto text = to_string(x);
      auto back = parse(text);
      ++checked;
      if (!back)
        ADD_FAILURE() << "U+" << std::hex << c << ": " << text << " -> "
                      << back.error().reason << " at " << std::dec
                      << back.error().offset;
      else
        EXPECT_TRUE(same_term(*back, x))
          << "U+" << std::hex << c << ": " << text << " -> " << *back;
    }
  }
  EXPECT_GE(checked, 5u * cps.size());
}

// Property: parse(to_string(t)) is t, for every term that has a literal
// syntax.
TEST(print, random_terms_read_back) {
  auto seed = cafe::test::test_seed();
  auto n = env_uint("CAFE_TEST_TERMS", 20000);
  random_term_generator gen{seed};
  size_t checked = 0;
  size_t with_identifiers = 0;
  size_t failures = 0;
  coverage seen;
  std::ostringstream log;
  for (size_t i = 0; i < n; ++i) {
    auto x = sample(gen);
    if (has_identifier(x)) {
      ++with_identifiers;
      continue;
    }
    ++checked;
    auto text = to_string(x);
    seen.add(x, text);
    auto back = parse(text);
    std::string problem;
    if (!back)
      problem = "parse failed: " + back.error().reason + " at "
                + std::to_string(back.error().offset);
    else if (!same_term(*back, x))
      problem = "read back as " + to_string(*back);
    else if (cafe::test::has_canonical_map_order(x) && to_string(*back) != text)
      problem = "reprinted as " + to_string(*back);
    if (problem.empty() || failures++ >= 5)
      continue;
    log << "--- term " << i << " of seed " << seed << ": " << problem
        << "\n  printed: " << text.substr(0, 600)
        << "\n  etf: " << cafe::test::to_hex(term_to_binary(x)).substr(0, 600)
        << '\n';
  }
  std::cout << "[ print    ] seed " << seed << ": " << checked
            << " terms read back, " << with_identifiers
            << " with pids/ports/refs/funs skipped; atoms with controls "
            << seen.control_atoms << ", quotes " << seen.quote_atoms
            << ", backslashes " << seen.backslash_atoms << ", non-ASCII "
            << seen.non_ascii_atoms << "; text binaries " << seen.text_binaries
            << ", utf8 binaries " << seen.utf8_binaries << ", strings "
            << seen.strings << std::endl;
  EXPECT_EQ(failures, 0u) << failures << " of " << checked
                          << " terms did not read back (seed " << seed << "):\n"
                          << log.str()
                          << cafe::test::reproduce("bridge.etf.print", seed,
                                                   "CAFE_TEST_TERMS="
                                                     + std::to_string(n));
  // Not vacuous: most terms are checked, and they reach the escapes.
  EXPECT_GE(checked, n / 2);
  EXPECT_GE(seen.control_atoms, n / 100);
  EXPECT_GE(seen.quote_atoms, n / 100);
  EXPECT_GE(seen.backslash_atoms, n / 100);
  EXPECT_GE(seen.non_ascii_atoms, n / 100);
  EXPECT_GE(seen.text_binaries, n / 100);
  EXPECT_GE(seen.utf8_binaries, n / 200);
  EXPECT_GE(seen.strings, n / 100);
}
