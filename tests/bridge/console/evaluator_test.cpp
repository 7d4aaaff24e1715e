#include "cafe/console/evaluator.hpp"
#include "cafe/console/expand.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"

#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

using namespace cafe;
using namespace std::literals;

namespace {

etf::term parse(std::string_view text) {
  auto x = etf::parse(text);
  if (!x)
    throw std::runtime_error("bad test term: " + std::string{text});
  return *x;
}

/// Runs calls against a real export table; records sends.
class fake_host : public console::host {
public:
  fake_host() {
    table.add("cafe_demo", "add", [](int64_t a, int64_t b) { return a + b; });
    table.add_raw("cafe_demo", "echo", 1,
                  [](const rpc::call& c) { return c.args[0]; });
    table.add_raw("cafe_demo", "fail", 0, [](const rpc::call&) -> etf::term {
      rpc::raise_error(etf::atom{"badarg"});
    });
    table.add_raw("cafe_demo", "whoami", 0, [](const rpc::call& c) {
      return c.caller ? etf::term{*c.caller} : etf::term{etf::atom{"none"}};
    });
    table.add_async("cafe_demo", "later", 1,
                    [](const rpc::call& c, rpc::responder done) {
                      done(rpc::outcome::returned(
                        etf::make_tuple(etf::atom{"later"}, c.args[0])));
                    });
    table.add_raw("erlang", "node", 0, [](const rpc::call&) {
      return etf::term{etf::atom{"cafe@host"}};
    });
  }

  rpc::outcome apply(const rpc::call& c) override {
    rpc::outcome result;
    table.apply(c, [&](rpc::outcome x) { result = std::move(x); });
    return result;
  }

  bool send(const etf::term& to, const etf::term& msg) override {
    if (to.is<etf::atom>() && to.get<etf::atom>().text() != "known")
      return false;
    sent.emplace_back(to, msg);
    return true;
  }

  etf::term self() override {
    return etf::pid{etf::atom{"cafe@host"}, 77, 0, 1};
  }

  std::vector<etf::term> flush() override {
    return std::exchange(mailbox, {});
  }

  rpc::exports table;
  std::vector<std::pair<etf::term, etf::term>> sent;
  std::vector<etf::term> mailbox;
};

class evaluator_test : public testing::Test {
protected:
  /// The shell's text for one form.
  std::string shell(std::string_view form) {
    return console::format_shell(eval.eval(form));
  }

  fake_host h;
  console::evaluator eval{h};
};

} // namespace

TEST_F(evaluator_test, calls_the_export_table) {
  EXPECT_EQ(shell("cafe_demo:add(40, 2).\n"), "42\n");
  EXPECT_EQ(shell("cafe_demo:later(x).\n"), "{later,x}\n");
  EXPECT_EQ(shell("cafe_demo:echo({a, [1,2|3], #{a => b}, 1.5, \"abc\"}).\n"),
            "{a,[1,2|3],#{a => b},1.5,\"abc\"}\n");
  EXPECT_EQ(shell("cafe_demo:whoami().\n"), "#Pid<cafe@host.77.0>\n");
  EXPECT_EQ(shell("node().\n"), "cafe@host\n");
  EXPECT_EQ(shell("M = cafe_demo, F = add, M:F(1, 2).\n"), "3\n");
}

TEST_F(evaluator_test, errors_print_as_in_the_erlang_shell) {
  EXPECT_EQ(shell("cafe_demo:nope().\n"),
            "** exception error: undefined function cafe_demo:nope/0\n");
  EXPECT_EQ(shell("foo:bar(1).\n"),
            "** exception error: undefined function foo:bar/1\n");
  EXPECT_EQ(shell("1 = 2.\n"),
            "** exception error: no match of right hand side value 2\n");
  EXPECT_EQ(shell("cafe_demo:fail().\n"),
            "** exception error: bad argument\n     in function  "
            "cafe_demo:fail/0\n        called as cafe_demo:fail()\n");
  EXPECT_EQ(shell("cafe_demo:add(a, 1).\n"),
            "** exception error: bad argument\n     in function  "
            "cafe_demo:add/2\n        called as cafe_demo:add(a,1)\n");
  EXPECT_EQ(shell("throw({a,b}).\n"), "** exception throw: {a,b}\n");
  EXPECT_EQ(shell("exit(normal).\n"), "** exception exit: normal\n");
  EXPECT_EQ(shell("error({foo,1}).\n"), "** exception error: {foo,1}\n");
  EXPECT_EQ(shell("hello(1).\n"),
            "** exception error: undefined shell command hello/1\n");
  EXPECT_EQ(shell("1 + a.\n"),
            "** exception error: an error occurred when evaluating an "
            "arithmetic expression\n     in operator  +/2\n        called as "
            "1 + a\n");
  EXPECT_EQ(shell("foo ! x.\n"),
            "** exception error: bad argument\n     in operator  !/2\n"
            "        called as foo ! x\n");
  EXPECT_EQ(shell("Y.\n"), "* 1:1: variable 'Y' is unbound\n");
  EXPECT_EQ(shell("_.\n"), "* 1:1: variable '_' is unbound\n");
  EXPECT_EQ(shell("foo:bar(X1).\n"), "* 1:9: variable 'X1' is unbound\n");
}

TEST_F(evaluator_test, syntax_errors_name_the_token_and_position) {
  EXPECT_EQ(shell("foo(.\n"), "* 1:5: syntax error before: '.'\n");
  EXPECT_EQ(shell("1 2.\n"), "* 1:3: syntax error before: 2\n");
  EXPECT_EQ(shell("x ,.\n"), "* 1:4: syntax error before: '.'\n");
  EXPECT_EQ(shell(")\n1.\n"), "* 1:1: syntax error before: ')'\n");
  EXPECT_EQ(shell("ab cd ef.\n"), "* 1:4: syntax error before: cd\n");
  EXPECT_EQ(shell("a:b(\nX = \nX2 = {1,2}, X2 = {1,3}.\n"),
            "* 3:23: syntax error before: '.'\n");
  EXPECT_EQ(shell("2#102.\n"), "* 1:5: syntax error before: 2\n");
}

TEST_F(evaluator_test, variables_bind_once) {
  EXPECT_EQ(shell("X = 1.\n"), "1\n");
  EXPECT_EQ(shell("X = 2.\n"),
            "** exception error: no match of right hand side value 2\n");
  EXPECT_EQ(shell("X.\n"), "1\n");
  EXPECT_EQ(shell("X = 1.\n"), "1\n");
  EXPECT_EQ(shell("{A, [B | T]} = {x, [1, 2, 3]}.\n"), "{x,[1,2,3]}\n");
  EXPECT_EQ(shell("{A, B, T}.\n"), "{x,1,[2,3]}\n");
  EXPECT_EQ(shell("{P, P} = {1, 2}.\n"),
            "** exception error: no match of right hand side value {1,2}\n");
  // A failed form binds nothing.
  EXPECT_EQ(shell("Z = 5, foo:bar().\n"),
            "** exception error: undefined function foo:bar/0\n");
  EXPECT_EQ(shell("Z.\n"), "* 1:1: variable 'Z' is unbound\n");
  EXPECT_EQ(shell("Q = R = 7, {Q, R}.\n"), "{7,7}\n");
  EXPECT_EQ(shell("b().\n"),
            "A = x\nB = 1\nQ = 7\nR = 7\nT = [2,3]\nX = 1\nok\n");
  EXPECT_EQ(shell("f(X).\n"), "ok\n");
  EXPECT_EQ(shell("X = 2.\n"), "2\n");
  EXPECT_EQ(shell("f().\n"), "ok\n");
  EXPECT_EQ(shell("b().\n"), "ok\n");
  EXPECT_EQ(shell("{1, _} = {1, 2}.\n"), "{1,2}\n");
  EXPECT_EQ(shell("-1 = -1.\n"), "-1\n");
  EXPECT_EQ(shell("foo:bar() = 1.\n"), "* 1:1: illegal pattern\n");
}

TEST_F(evaluator_test, terms_and_operators) {
  EXPECT_EQ(shell("16#FF.\n"), "255\n");
  EXPECT_EQ(shell("$a.\n"), "97\n");
  EXPECT_EQ(shell("1_000.\n"), "1000\n");
  EXPECT_EQ(shell("-5.\n"), "-5\n");
  EXPECT_EQ(shell("- 5.\n"), "-5\n");
  EXPECT_EQ(shell("\"abc\" \"def\".\n"), "\"abcdef\"\n");
  EXPECT_EQ(shell("\"abc\ndef\".\n"), "\"abc\\ndef\"\n");
  EXPECT_EQ(shell("'Hello'.\n"), "'Hello'\n");
  EXPECT_EQ(shell("<<\"abc\">>.\n"), "<<\"abc\">>\n");
  EXPECT_EQ(shell("<<1,2>>.\n"), "<<1,2>>\n");
  EXPECT_EQ(shell("123456789012345678901234567890.\n"),
            "123456789012345678901234567890\n");
  EXPECT_EQ(shell("16#FFFFFFFFFFFFFFFFFF.\n"), "4722366482869645213695\n");
  EXPECT_EQ(shell("[1,2,\n3].\n"), "[1,2,3]\n");
  EXPECT_EQ(shell("[1|2].\n"), "[1|2]\n");
  EXPECT_EQ(shell("#{a => 1, a => 2}.\n"), "#{a => 2}\n");
  EXPECT_EQ(shell("1 + 2 * 3 - 4 div 2 - 7 rem 4.\n"), "2\n");
  EXPECT_EQ(shell("1 / 2.\n"), "0.5\n");
  EXPECT_EQ(shell("1 / 0.\n").substr(0, 26), "** exception error: an err");
  EXPECT_EQ(shell("1 div 0.\n").substr(0, 26), "** exception error: an err");
  EXPECT_EQ(shell("[1,2] ++ [3] ++ [4].\n"), "[1,2,3,4]\n");
  EXPECT_EQ(shell("[1,2,3,2] -- [2].\n"), "[1,3,2]\n");
  EXPECT_EQ(shell("1 == 1.0.\n"), "true\n");
  EXPECT_EQ(shell("1 =:= 1.0.\n"), "false\n");
  EXPECT_EQ(shell("a < 1.\n"), "false\n");
  EXPECT_EQ(shell("not (1 < 2).\n"), "false\n");
  EXPECT_EQ(shell("(1 + 2) * 3.\n"), "9\n");
  EXPECT_EQ(shell("9223372036854775807 + 1.\n").substr(0, 34),
            "** exception error: {cafe_console,");
}

TEST_F(evaluator_test, send_and_self) {
  EXPECT_EQ(shell("self() ! hi.\n"), "hi\n");
  EXPECT_EQ(shell("known ! {x, 1}.\n"), "{x,1}\n");
  EXPECT_EQ(shell("{known, 'other@host'} ! y.\n"), "y\n");
  EXPECT_EQ(shell("{1, 2} ! y.\n").substr(0, 32),
            "** exception error: bad argument");
  ASSERT_EQ(h.sent.size(), 3u);
  EXPECT_EQ(h.sent[0].first, h.self());
  EXPECT_EQ(h.sent[0].second, etf::term{etf::atom{"hi"}});
  EXPECT_EQ(h.sent[2].first, parse("{known, 'other@host'}"));
  h.mailbox.push_back(parse("{hello, 1}"));
  EXPECT_EQ(shell("flush().\n"), "Shell got {hello,1}\nok\n");
}

TEST_F(evaluator_test, shell_commands) {
  auto help = shell("help().\n");
  EXPECT_NE(help.find("q()"), std::string::npos);
  EXPECT_TRUE(help.ends_with("true\n"));
  EXPECT_EQ(eval.eval("q().\n").what, console::evaluation::status::quit);
  EXPECT_EQ(eval.eval("init:stop().\n").what,
            console::evaluation::status::exception); // undef in this table
}

TEST_F(evaluator_test, unsupported_forms_say_so) {
  for (auto form :
       {"case 1 of _ -> 2 end.\n", "fun() -> 1 end.\n", "F = 1, F(2).\n",
        "[X || X <- [1]].\n", "#{a := 1} = #{}.\n", "<<X>>.\n", "1 bor 2.\n",
        "a andalso b.\n", "receive x -> 1 end.\n"}) {
    auto text = shell(form);
    EXPECT_TRUE(text.starts_with("* 1:")) << form << " -> " << text;
    EXPECT_TRUE(text.find("not supported") != std::string::npos
                || text.find("unbound") != std::string::npos)
      << form << " -> " << text;
  }
}

TEST_F(evaluator_test, forms_end_at_a_dot_and_white_space) {
  using console::evaluator;
  EXPECT_EQ(evaluator::form_length("1.\n"), 2u);
  EXPECT_EQ(evaluator::form_length("1."), std::nullopt);
  EXPECT_EQ(evaluator::form_length("1.5"), std::nullopt);
  EXPECT_EQ(evaluator::form_length("\"a. b\""), std::nullopt);
  EXPECT_EQ(evaluator::form_length("'a. b'. "), 7u);
  EXPECT_EQ(evaluator::form_length("$. "), std::nullopt);
  EXPECT_EQ(evaluator::form_length("% x. y\n1. "), 9u);
  EXPECT_EQ(evaluator::form_length("1. 2.\n"), 2u);
  EXPECT_EQ(evaluator::form_length("\"abc"), std::nullopt);
}

TEST(eval_str, answers_like_erl_eval) {
  fake_host h;
  auto str = [&](std::string_view text) {
    return etf::to_string(console::eval_str(h, text));
  };
  EXPECT_EQ(str("cafe_demo:add(40, 2).\n"), "{ok,42}");
  EXPECT_EQ(str("X = 1, X + 1.\n"), "{ok,2}");
  EXPECT_EQ(str("cafe_demo:add(40, 2)."),
            "{error,\"Incomplete form (missing .<cr>)??\"}");
  EXPECT_EQ(str("1. 2.\n"),
            "{error,\"Non-white space found after end-of-form :2.\\n\"}");
  EXPECT_EQ(str("foo(.\n"), "{error,\"*** syntax error before: '.'\"}");
  EXPECT_EQ(str("throw(x).\n"), "{error,\"*** eval: x\"}");
  EXPECT_EQ(str("exit(x).\n"), "{error,\"*** eval: {'EXIT',x}\"}");
  EXPECT_EQ(str("foo:bar(1).\n"),
            "{error,\"*** eval: {'EXIT',{undef,[{foo,bar,[1],[]}]}}\"}");
  EXPECT_EQ(str("X.\n"),
            "{error,\"*** eval: {'EXIT',{{unbound_var,'X'},[]}}\"}");
  EXPECT_EQ(str("help().\n"),
            "{error,\"*** eval: {'EXIT',{undef,[{erl_eval,help,0,[]}]}}\"}");
}

// Bad input of every kind: an answer, never a crash or an exception.
TEST(evaluator_input, never_crashes) {
  fake_host h;
  console::evaluator e{h};
  std::vector<std::string> inputs = {
    ".\n",
    " .\n",
    ",.\n",
    "(.\n",
    ").\n",
    "{.\n",
    "}.\n",
    "[.\n",
    "].\n",
    "#.\n",
    "#{.\n",
    "<<.\n",
    ">>.\n",
    "<<1.\n",
    "<<\"a\"/utf16>>.\n",
    "$.\n",
    "16#.\n",
    "99#1.\n",
    "1e5.\n",
    "1.0e.\n",
    "'\\x{110000}'.\n",
    "\"\\x{D800}\".\n",
    "\xff\xfe.\n",
    "a:.\n",
    "a:b.\n",
    ":b().\n",
    "a:b:c().\n",
    "X = .\n",
    "= 1.\n",
    "! 1.\n",
    "1 !.\n",
    "- .\n",
    "not.\n",
    "- a.\n",
    "not 1.\n",
    "a ++ b.\n",
    "[a|b] ++ [].\n",
    "f(1).\n",
    "q(1).\n",
    "self(1).\n",
    "error().\n",
    "1:2().\n",
    "@.\n",
    "\\.\n",
    "a@b.\n",
    "'\n.\n",
    "X = X.\n",
    "[X | X] = [1].\n",
    "<<>>.\n",
    "#{}.\n",
    "{}.\n",
    "[].\n",
    "\"\".\n",
    "''.\n",
    std::string(500, '(') + "1" + std::string(500, ')') + ".\n",
    std::string(500, '[') + std::string(500, ']') + ".\n",
    std::string(100000, 'a') + ".\n",
    "'" + std::string(300, 'a') + "'.\n",
  };
  // Random printable noise, each ending in a form terminator.
  uint64_t seed = 1;
  if (auto s = std::getenv("CAFE_TEST_SEED"))
    seed = std::strtoull(s, nullptr, 10);
  std::mt19937_64 rng{seed};
  const std::string alphabet = "aZ_09(){}[]<>#$'\".,:!=+-*/|% \n\\x@";
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    auto n = rng() % 20;
    for (size_t k = 0; k < n; ++k)
      s += alphabet[rng() % alphabet.size()];
    inputs.push_back(s + ".\n");
  }
  size_t checked = 0;
  for (auto& in : inputs) {
    SCOPED_TRACE("CAFE_TEST_SEED=" + std::to_string(seed) + " input: " + in);
    auto n = console::evaluator::form_length(in);
    if (!n)
      continue;
    auto text
      = console::format_shell(e.eval(std::string_view{in}.substr(0, *n)));
    EXPECT_FALSE(text.empty());
    auto str = console::eval_str(h, in);
    EXPECT_TRUE(str.is<etf::tuple>());
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
}

// Tab completion answers as OTP 25's edlin_expand:expand/1 does.
TEST(expand, completes_modules_and_functions) {
  fake_host h;
  h.table.add_raw("cafe_demo", "add_all", 1,
                  [](const rpc::call&) { return etf::term{}; });
  h.table.add_raw("cafe_other", "ping", 0,
                  [](const rpc::call&) { return etf::term{}; });
  auto expand = [&](std::string_view text) {
    std::vector<etf::term> xs;
    for (auto i = text.rbegin(); i != text.rend(); ++i)
      xs.emplace_back(int64_t{static_cast<unsigned char>(*i)});
    return etf::to_string(console::expand(h.table, etf::list{std::move(xs)}));
  };
  EXPECT_EQ(expand("cafe_d"), "{yes,\"emo:\",[]}");
  EXPECT_EQ(expand("caf"), "{yes,\"e_\",[]}");
  EXPECT_EQ(expand("cafe_"),
            "{yes,[],[{\"cafe_demo\",[]},{\"cafe_other\",[]}]}");
  EXPECT_EQ(expand("x = cafe_other:p"), "{yes,\"ing()\",[]}");
  EXPECT_EQ(expand("cafe_demo:ad"), "{yes,\"d\",[]}");
  EXPECT_EQ(expand("cafe_demo:add"), "{yes,[],[{\"add\",2},{\"add_all\",1}]}");
  EXPECT_EQ(expand("cafe_demo:e"), "{yes,\"cho(\",[]}");
  EXPECT_EQ(expand("cafe_demo :  wh"), "{yes,\"oami()\",[]}");
  EXPECT_EQ(expand("nothing:x"), "{no,[],[]}");
  EXPECT_EQ(expand("zz"), "{no,[],[]}");
  EXPECT_EQ(expand(""), "{no,[],[]}");
  EXPECT_EQ(expand("cafe_demo:"),
            "{no,[],[{\"add\",2},{\"add_all\",1},{\"echo\",1},"
            "{\"fail\",0},{\"later\",1},{\"whoami\",0}]}");
  // Not a charlist: an answer all the same.
  EXPECT_EQ(etf::to_string(console::expand(h.table, etf::atom{"x"})),
            "{no,[],[]}");
  EXPECT_EQ(etf::to_string(console::expand(h.table, etf::make_list(-1))),
            "{no,[],[]}");
}

// Tab completion under `iex --remsh` answers as IEx 1.14's
// IEx.Autocomplete.expand/2 does for loaded Erlang modules (the shapes were
// taken from a real IEx 1.14 on OTP 25), and reads the console's Erlang
// syntax as edlin does, in IEx's shape.
TEST(expand, answers_iex_in_its_shape) {
  fake_host h;
  h.table.add_raw("cafe_demo", "add_all", 1,
                  [](const rpc::call&) { return etf::term{}; });
  h.table.add_raw("cafe_other", "ping", 0,
                  [](const rpc::call&) { return etf::term{}; });
  auto expand = [&](std::string_view text) {
    std::vector<etf::term> xs;
    for (auto i = text.rbegin(); i != text.rend(); ++i)
      xs.emplace_back(int64_t{static_cast<unsigned char>(*i)});
    return etf::to_string(
      console::iex_expand(h.table, etf::list{std::move(xs)}));
  };
  // IEx's spelling: modules after ':', functions after ':mod.'.
  EXPECT_EQ(expand(":cafe_d"), "{yes,\"emo\",[]}");
  EXPECT_EQ(expand(":cafe_demo"), "{yes,\".\",[]}");
  EXPECT_EQ(expand(":caf"), "{yes,\"e_\",[]}");
  EXPECT_EQ(expand(":cafe_"), "{yes,[],[\"cafe_demo\",\"cafe_other\"]}");
  EXPECT_EQ(expand(":cafe_demo."),
            "{yes,[],[\"add/2\",\"add_all/1\",\"echo/1\",\"fail/0\","
            "\"later/1\",\"whoami/0\"]}");
  EXPECT_EQ(expand(":cafe_demo.a"), "{yes,\"dd\",[]}");
  EXPECT_EQ(expand(":cafe_demo.add"), "{yes,[],[\"add/2\",\"add_all/1\"]}");
  EXPECT_EQ(expand(":cafe_demo.e"), "{yes,\"cho\",[]}");
  EXPECT_EQ(expand(":cafe_demo.echo"), "{yes,[],[\"echo/1\"]}");
  EXPECT_EQ(expand("x = :cafe_other.p"), "{yes,\"ing\",[]}");
  EXPECT_EQ(expand("(:cafe_demo.wh"), "{yes,\"oami\",[]}");
  EXPECT_EQ(expand(":cafe_demo.x"), "{no,[],[]}");
  EXPECT_EQ(expand(":nothing."), "{no,[],[]}");
  EXPECT_EQ(expand(":zz"), "{no,[],[]}");
  // The Erlang syntax the console evaluates: edlin's additions, IEx's
  // entries.
  EXPECT_EQ(expand("cafe_d"), "{yes,\"emo:\",[]}");
  EXPECT_EQ(expand("cafe_"), "{yes,[],[\"cafe_demo\",\"cafe_other\"]}");
  EXPECT_EQ(expand("cafe_demo:"),
            "{yes,[],[\"add/2\",\"add_all/1\",\"echo/1\",\"fail/0\","
            "\"later/1\",\"whoami/0\"]}");
  EXPECT_EQ(expand("cafe_demo:e"), "{yes,\"cho(\",[]}");
  EXPECT_EQ(expand("X = cafe_other:p"), "{yes,\"ing()\",[]}");
  EXPECT_EQ(expand("cafe_demo :  wh"), "{yes,\"oami()\",[]}");
  EXPECT_EQ(expand("zz"), "{no,[],[]}");
  EXPECT_EQ(expand(""), "{no,[],[]}");
  // Not a charlist: an answer all the same.
  EXPECT_EQ(etf::to_string(console::iex_expand(h.table, etf::atom{"x"})),
            "{no,[],[]}");
  EXPECT_EQ(etf::to_string(console::iex_expand(h.table, etf::make_list(-1))),
            "{no,[],[]}");
}
