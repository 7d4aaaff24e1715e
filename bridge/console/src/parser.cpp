#include "parser.hpp"

#include "cafe/etf/parse.hpp"
#include "scanner.hpp"

#include <array>

namespace cafe::console::detail {

namespace {

/// Deep enough for any term a person types; shallow enough that hostile
/// input cannot overflow the stack.
constexpr size_t max_depth = 200;

class parser {
public:
  parser(std::string_view text, std::vector<token> tokens)
    : text_(text), tokens_(std::move(tokens)) {}

  std::vector<expr> form() {
    std::vector<expr> result;
    result.push_back(expression(0));
    while (is_punct(","))
      result.push_back((++pos_, expression(0)));
    if (peek().kind != token_kind::dot)
      fail_before();
    ++pos_;
    if (peek().kind != token_kind::end)
      fail_before();
    return result;
  }

private:
  const token& peek() const {
    return tokens_[pos_];
  }

  bool is_punct(std::string_view p) const {
    return peek().kind == token_kind::punct && peek().text == p;
  }

  bool is_keyword(std::string_view k) const {
    return peek().kind == token_kind::keyword && peek().text == k;
  }

  [[noreturn]] void fail(std::string message, const token& at) {
    throw syntax_failure{std::move(message), at.line, at.column};
  }

  [[noreturn]] void fail_before() {
    fail("syntax error before: " + describe(peek()), peek());
  }

  void expect(std::string_view p) {
    if (!is_punct(p))
      fail_before();
    ++pos_;
  }

  expr make(expr::kind k, const token& at) {
    expr e;
    e.what = k;
    e.line = at.line;
    e.column = at.column;
    return e;
  }

  void enter(size_t depth) {
    if (depth > max_depth)
      fail("expression nested too deeply", peek());
  }

  // expr_100: expr_150 ('=' | '!') expr_100, right associative.
  expr expression(size_t depth) {
    enter(depth);
    auto lhs = comparison(depth + 1);
    if (is_punct("=") || is_punct("!")) {
      auto& op = peek();
      auto e = make(op.text == "=" ? expr::kind::match : expr::kind::send, op);
      ++pos_;
      e.xs.push_back(std::move(lhs));
      e.xs.push_back(expression(depth + 1));
      return e;
    }
    if (is_keyword("andalso") || is_keyword("orelse"))
      unsupported();
    return lhs;
  }

  // expr_200: list_op comp_op list_op, not associative.
  expr comparison(size_t depth) {
    static constexpr std::array<std::string_view, 8> ops
      = {"==", "/=", "=<", "<", ">=", ">", "=:=", "=/="};
    auto lhs = list_op(depth + 1);
    for (auto op : ops) {
      if (is_punct(op)) {
        auto e = binary(lhs, depth);
        return e;
      }
    }
    return lhs;
  }

  expr binary(expr& lhs, size_t depth) {
    auto& op = peek();
    auto e = make(expr::kind::binary_op, op);
    e.name = op.text;
    ++pos_;
    e.xs.push_back(std::move(lhs));
    e.xs.push_back(list_op(depth + 1));
    return e;
  }

  // expr_300: add_op ('++' | '--') expr_300, right associative.
  expr list_op(size_t depth) {
    enter(depth);
    auto lhs = additive(depth + 1);
    if (is_punct("++") || is_punct("--")) {
      auto& op = peek();
      auto e = make(expr::kind::binary_op, op);
      e.name = op.text;
      ++pos_;
      e.xs.push_back(std::move(lhs));
      e.xs.push_back(list_op(depth + 1));
      return e;
    }
    return lhs;
  }

  // expr_400 and expr_500, left associative.
  expr additive(size_t depth) {
    auto lhs = multiplicative(depth + 1);
    while (is_punct("+") || is_punct("-")) {
      auto& op = peek();
      auto e = make(expr::kind::binary_op, op);
      e.name = op.text;
      ++pos_;
      e.xs.push_back(std::move(lhs));
      e.xs.push_back(multiplicative(depth + 1));
      lhs = std::move(e);
    }
    if (is_keyword("bor") || is_keyword("bxor") || is_keyword("bsl")
        || is_keyword("bsr") || is_keyword("or") || is_keyword("xor"))
      unsupported();
    return lhs;
  }

  expr multiplicative(size_t depth) {
    auto lhs = prefix(depth + 1);
    while (is_punct("*") || is_punct("/") || is_keyword("div")
           || is_keyword("rem")) {
      auto& op = peek();
      auto e = make(expr::kind::binary_op, op);
      e.name = op.text;
      ++pos_;
      e.xs.push_back(std::move(lhs));
      e.xs.push_back(prefix(depth + 1));
      lhs = std::move(e);
    }
    if (is_keyword("band") || is_keyword("and"))
      unsupported();
    return lhs;
  }

  // expr_600: prefix operators. A minus before a number literal folds.
  expr prefix(size_t depth) {
    enter(depth);
    if (is_punct("-") || is_punct("+") || is_keyword("not")) {
      auto& op = peek();
      auto e = make(expr::kind::unary_op, op);
      e.name = op.text;
      ++pos_;
      e.xs.push_back(prefix(depth + 1));
      return e;
    }
    if (is_keyword("bnot"))
      unsupported();
    return call(depth + 1);
  }

  // expr_700/800: [Mod ':'] Fun '(' Args ')'.
  expr call(size_t depth) {
    auto head = primary(depth + 1);
    if (is_punct(":")) {
      ++pos_;
      auto fun = primary(depth + 1);
      if (!is_punct("("))
        fail_before();
      auto e = make(expr::kind::remote_call, peek());
      e.line = head.line;
      e.column = head.column;
      e.xs.push_back(std::move(head));
      e.xs.push_back(std::move(fun));
      arguments(e, depth);
      return e;
    }
    if (is_punct("(")) {
      if (head.what != expr::kind::literal || !head.value.is<etf::atom>())
        fail("calling a fun is not supported by the cafe console (a C++ "
             "node runs no Erlang code)",
             peek());
      auto e = make(expr::kind::local_call, peek());
      e.line = head.line;
      e.column = head.column;
      e.name = std::string{head.value.get<etf::atom>().text()};
      arguments(e, depth);
      return e;
    }
    return head;
  }

  void arguments(expr& e, size_t depth) {
    expect("(");
    if (is_punct(")")) {
      ++pos_;
      return;
    }
    e.xs.push_back(expression(depth + 1));
    while (is_punct(",")) {
      ++pos_;
      e.xs.push_back(expression(depth + 1));
    }
    expect(")");
  }

  [[noreturn]] void unsupported() {
    auto& t = peek();
    if (t.text == "fun")
      fail("funs are not supported by the cafe console (a C++ node runs no "
           "Erlang code)",
           t);
    fail("'" + t.text + "' is not supported by the cafe console (see help())",
         t);
  }

  expr primary(size_t depth) {
    enter(depth);
    auto& t = peek();
    switch (t.kind) {
      case token_kind::var: {
        auto e = make(expr::kind::var, t);
        e.name = t.text;
        ++pos_;
        return e;
      }
      case token_kind::atom: {
        auto e = make(expr::kind::literal, t);
        e.value = t.value;
        ++pos_;
        return e;
      }
      case token_kind::literal: {
        auto e = make(expr::kind::literal, t);
        e.value = t.value;
        bool is_string = t.text.starts_with('"');
        ++pos_;
        // Adjacent strings are one string, as in erl_parse.
        while (is_string && peek().kind == token_kind::literal
               && peek().text.starts_with('"')) {
          auto& more = peek().value.get<etf::list>().elements;
          auto& xs = e.value.get_if<etf::list>()->elements;
          xs.insert(xs.end(), more.begin(), more.end());
          ++pos_;
        }
        return e;
      }
      case token_kind::keyword: unsupported();
      case token_kind::punct: break;
      case token_kind::dot:
      case token_kind::end: fail_before();
    }
    if (t.text == "(") {
      ++pos_;
      auto e = expression(depth + 1);
      expect(")");
      return e;
    }
    if (t.text == "{") {
      auto e = make(expr::kind::tuple, t);
      ++pos_;
      if (!is_punct("}")) {
        e.xs.push_back(expression(depth + 1));
        while (is_punct(",")) {
          ++pos_;
          e.xs.push_back(expression(depth + 1));
        }
      }
      expect("}");
      return e;
    }
    if (t.text == "[") {
      auto e = make(expr::kind::list, t);
      ++pos_;
      if (!is_punct("]")) {
        e.xs.push_back(expression(depth + 1));
        while (is_punct(",")) {
          ++pos_;
          e.xs.push_back(expression(depth + 1));
        }
        if (is_punct("|")) {
          ++pos_;
          e.xs.push_back(expression(depth + 1));
          e.has_tail = true;
        } else if (is_punct("||")) {
          fail("list comprehensions are not supported by the cafe console",
               peek());
        }
      }
      expect("]");
      return e;
    }
    if (t.text == "#") {
      auto e = make(expr::kind::map, t);
      ++pos_;
      expect("{");
      if (!is_punct("}")) {
        for (;;) {
          e.xs.push_back(expression(depth + 1));
          if (is_punct(":="))
            fail("map patterns and updates are not supported by the cafe "
                 "console",
                 peek());
          expect("=>");
          e.xs.push_back(expression(depth + 1));
          if (!is_punct(","))
            break;
          ++pos_;
        }
      }
      expect("}");
      return e;
    }
    if (t.text == "<<")
      return binary_literal(t);
    fail_before();
  }

  /// `<<...>>` as a constant, read by the term parser.
  expr binary_literal(const token& open) {
    size_t nesting = 0;
    size_t i = pos_;
    for (; tokens_[i].kind != token_kind::end
           && tokens_[i].kind != token_kind::dot;
         ++i) {
      auto& x = tokens_[i];
      if (x.kind == token_kind::punct && x.text == "<<")
        ++nesting;
      if (x.kind == token_kind::punct && x.text == ">>" && --nesting == 0)
        break;
    }
    if (tokens_[i].kind != token_kind::punct || tokens_[i].text != ">>") {
      pos_ = i;
      fail_before();
    }
    auto text = text_.substr(open.offset, tokens_[i].offset + 2 - open.offset);
    auto x = etf::parse(text);
    if (!x)
      fail("binary not supported by the cafe console (only constant "
           "segments): "
             + x.error().reason,
           open);
    auto e = make(expr::kind::literal, open);
    e.value = std::move(*x);
    pos_ = i + 1;
    return e;
  }

  std::string_view text_;
  std::vector<token> tokens_;
  size_t pos_ = 0;
};

} // namespace

std::vector<expr> parse_form(std::string_view form) {
  std::optional<scan_error> error;
  auto tokens = scan(form, error);
  if (error)
    throw syntax_failure{error->message, error->line, error->column};
  return parser{form, std::move(tokens)}.form();
}

} // namespace cafe::console::detail
