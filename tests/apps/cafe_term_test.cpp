// apps/cafe-term as a program: `encode` writes what erl's term_to_binary
// writes (erl is the oracle), `decode` reads hex or raw bytes back to the
// text erl would print, and bad input fails with a reason.

#include "cafe/test/env.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"

#include <algorithm>
#include <cctype>
#include <gtest/gtest.h>
#include <sys/wait.h>

using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

const char* const terms[] = {
  R"({chat, <<"bob">>, "hi"})",
  "[1, -1, 255, 256, 1267650600228229401496703205376, 2.5]",
  R"(#{a => [], <<"k">> => {}, 1 => 'Elixir.Foo'})",
  R"('\x{e9}t\x{e9}')",
  "[a | b]",
  R"(<<1, 2, 3:4>>)",
};

run_result cafe_term(std::vector<std::string> args) {
  spawn_options so;
  so.program = binary_dir() / "apps" / "cafe-term";
  so.args = std::move(args);
  return run(so, 30s);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

/// erl's own `term_to_binary(T, [{minor_version, 2}])` of the text `term`,
/// in lower-case hex, and its `~w` printing.
std::pair<std::string, std::string> erl_oracle(const std::string& term) {
  spawn_options so;
  so.program = require_tool("erl");
  so.args = {"-noshell", "-eval",
             "{ok, Ts, _} = erl_scan:string(\"" + term
               + ".\"), {ok, T} = erl_parse:parse_term(Ts),"
                 "io:format(\"~s~n~w\", [binary:encode_hex("
                 "term_to_binary(T, [{minor_version, 2}])), T]), halt()."};
  so.env = {{"ERL_CRASH_DUMP_SECONDS", "0"}};
  auto res = run(so, 30s);
  if (!res.ok())
    throw std::runtime_error("erl: " + res.describe());
  auto nl = res.output.find('\n');
  return {lower(res.output.substr(0, nl)), res.output.substr(nl + 1)};
}

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

} // namespace

TEST(cafe_term, encode_writes_what_erl_writes_and_decode_reads_it_back) {
  for (std::string term : terms) {
    SCOPED_TRACE(term);
    auto [hex, printed] = erl_oracle(escaped(term));
    auto enc = cafe_term({"encode", term});
    ASSERT_TRUE(enc.ok()) << enc.describe();
    EXPECT_EQ(lower(enc.output), hex + "\n");
    auto dec = cafe_term({"decode", hex});
    ASSERT_TRUE(dec.ok()) << dec.describe();
    // Parsed again by cafe-term, the printed text gives the same bytes.
    auto again = cafe_term({"encode", dec.output});
    ASSERT_TRUE(again.ok()) << again.describe() << " for " << dec.output;
    EXPECT_EQ(lower(again.output), hex + "\n") << dec.output;
  }
}

TEST(cafe_term, decode_reads_raw_bytes_from_stdin) {
  spawn_options so;
  so.program = binary_dir() / "apps" / "cafe-term";
  so.args = {"decode"};
  so.pipe_stdin = true;
  so.pipe_stdout = true;
  child_process child{so};
  const uint8_t bytes[] = {131, 104, 2, 100, 0, 2, 111, 107, 97, 42};
  child.write_all(bytes, clock::now() + 10s);
  child.close_stdin();
  std::string out;
  child.read_to_end(out, clock::now() + 10s);
  EXPECT_EQ(out, "{ok,42}\n");
  EXPECT_EQ(child.stop(10s), 0);
}

TEST(cafe_term, bad_input_fails_with_a_reason) {
  for (auto args :
       std::vector<std::vector<std::string>>{{"decode", "83ff"},
                                             {"decode", "not hex"},
                                             {"encode", "{unbalanced"},
                                             {"frobnicate"}}) {
    SCOPED_TRACE(args.front() + " " + (args.size() > 1 ? args[1] : ""));
    auto r = cafe_term(args);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0)
      << r.describe();
    EXPECT_NE(r.output.find("cafe-term"), std::string::npos) << r.output;
  }
}
