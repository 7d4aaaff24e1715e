#include "cafe/etf/parse.hpp"

#include "cafe/etf/compare.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace cafe::etf {

namespace {

/// Recursive-descent parser over the text; depth is bounded like the
/// decoder's so a hostile command line cannot overflow the stack.
class parser {
public:
  explicit parser(std::string_view text) : text_(text) {}

  expected<term, parse_error> run() {
    term result;
    if (!value(result, 0))
      return unexpected{error_};
    skip_space();
    if (peek() == '.') {
      ++pos_;
      skip_space();
    }
    if (pos_ != text_.size()) {
      fail("unexpected text after the term");
      return unexpected{error_};
    }
    return result;
  }

private:
  static constexpr size_t max_depth = 512;

  bool fail(std::string reason) {
    error_ = parse_error{std::move(reason), pos_};
    return false;
  }

  char peek() const {
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  void skip_space() {
    while (pos_ < text_.size()
           && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }

  bool expect(char c) {
    skip_space();
    if (peek() != c)
      return fail(std::string{"expected '"} + c + "'");
    ++pos_;
    return true;
  }

  bool value(term& out, size_t depth) {
    if (depth > max_depth)
      return fail("nesting too deep");
    skip_space();
    char c = peek();
    if (c == '{')
      return tuple_value(out, depth);
    if (c == '[')
      return list_value(out, depth);
    if (c == '#')
      return map_value(out, depth);
    if (c == '<')
      return binary_value(out);
    if (c == '"') {
      std::string text;
      if (!quoted('"', text))
        return false;
      out = make_charlist(text);
      return true;
    }
    if (c == '\'') {
      std::string text;
      if (!quoted('\'', text))
        return false;
      return make_atom(text, out);
    }
    if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c)))
      return number(out);
    if (std::islower(static_cast<unsigned char>(c))) {
      auto start = pos_;
      while (pos_ < text_.size()
             && (std::isalnum(static_cast<unsigned char>(text_[pos_]))
                 || text_[pos_] == '_' || text_[pos_] == '@'))
        ++pos_;
      return make_atom(text_.substr(start, pos_ - start), out);
    }
    if (c == '\0')
      return fail("unexpected end of text");
    return fail(std::string{"unexpected character '"} + c + "'");
  }

  bool make_atom(std::string_view text, term& out) {
    auto res = atom::make(text);
    if (!res)
      return fail("invalid atom");
    out = *res;
    return true;
  }

  /// Reads `x, y, ...` up to `close`. For lists, stops before a '|' and
  /// sets `at_bar` instead.
  bool elements(char close, std::vector<term>& xs, size_t depth,
                bool* at_bar = nullptr) {
    skip_space();
    if (peek() == close) {
      ++pos_;
      return true;
    }
    for (;;) {
      if (!value(xs.emplace_back(), depth + 1))
        return false;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == close) {
        ++pos_;
        return true;
      }
      if (at_bar != nullptr && peek() == '|') {
        *at_bar = true;
        return true;
      }
      return fail(std::string{"expected ',' or '"} + close + "'");
    }
  }

  bool tuple_value(term& out, size_t depth) {
    ++pos_;
    std::vector<term> xs;
    if (!elements('}', xs, depth))
      return false;
    out = tuple{std::move(xs)};
    return true;
  }

  bool list_value(term& out, size_t depth) {
    ++pos_;
    std::vector<term> xs;
    bool at_bar = false;
    if (!elements(']', xs, depth, &at_bar))
      return false;
    if (!at_bar) {
      out = list{std::move(xs)};
      return true;
    }
    ++pos_; // '|'
    if (xs.empty())
      return fail("a list tail needs a head");
    term tail;
    if (!value(tail, depth + 1) || !expect(']'))
      return false;
    out = list{std::move(xs), std::move(tail)};
    return true;
  }

  bool map_value(term& out, size_t depth) {
    ++pos_;
    if (!expect('{'))
      return false;
    map m;
    skip_space();
    if (peek() == '}') {
      ++pos_;
      out = std::move(m);
      return true;
    }
    for (;;) {
      term key;
      term val;
      if (!value(key, depth + 1))
        return false;
      skip_space();
      if (text_.substr(pos_, 2) != "=>")
        return fail("expected '=>'");
      pos_ += 2;
      if (!value(val, depth + 1))
        return false;
      if (m.find(key) != nullptr)
        return fail("duplicate map key");
      m.entries.emplace_back(std::move(key), std::move(val));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (!expect('}'))
        return false;
      sort_keys(m);
      out = std::move(m);
      return true;
    }
  }

  bool binary_value(term& out) {
    if (text_.substr(pos_, 2) != "<<")
      return fail("expected '<<'");
    pos_ += 2;
    std::string bytes;
    skip_space();
    if (text_.substr(pos_, 2) == ">>") {
      pos_ += 2;
      out = binary{std::move(bytes)};
      return true;
    }
    for (;;) {
      skip_space();
      if (peek() == '"') {
        std::string text;
        if (!quoted('"', text))
          return false;
        bytes += text;
      } else {
        term byte;
        if (!number(byte))
          return false;
        auto i = byte.get_if<int64_t>();
        if (i == nullptr || *i < 0 || *i > 255)
          return fail("a binary segment must be a byte or a string");
        bytes.push_back(static_cast<char>(*i));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (text_.substr(pos_, 2) != ">>")
        return fail("expected ',' or '>>'");
      pos_ += 2;
      out = binary{std::move(bytes)};
      return true;
    }
  }

  bool quoted(char quote, std::string& out) {
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == quote)
        return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
        break;
      char e = text_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 's': out += ' '; break;
        case 'e': out += '\x1B'; break;
        case '0': out += '\0'; break;
        default: out += e; // \\ \' \" and any other char stand for itself
      }
    }
    return fail("unterminated quoted text");
  }

  bool number(term& out) {
    auto start = pos_;
    if (peek() == '-' || peek() == '+')
      ++pos_;
    auto digits = pos_;
    while (std::isdigit(static_cast<unsigned char>(peek())))
      ++pos_;
    if (pos_ == digits)
      return fail("expected a number");
    bool is_float = false;
    if (peek() == '.' && pos_ + 1 < text_.size()
        && std::isdigit(static_cast<unsigned char>(text_[pos_ + 1]))) {
      is_float = true;
      ++pos_;
      while (std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_;
      if (peek() == 'e' || peek() == 'E') {
        ++pos_;
        if (peek() == '-' || peek() == '+')
          ++pos_;
        while (std::isdigit(static_cast<unsigned char>(peek())))
          ++pos_;
      }
    }
    auto text = text_.substr(start, pos_ - start);
    if (is_float) {
      double value = 0;
      auto first = text.data() + (text[0] == '+' ? 1 : 0);
      auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
      if (ec != std::errc{} || !std::isfinite(value))
        return fail("invalid float");
      out = value;
      return true;
    }
    auto big = big_integer::from_string(text);
    if (!big)
      return fail("invalid integer");
    out = term{std::move(*big)};
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  parse_error error_;
};

} // namespace

expected<term, parse_error> parse(std::string_view text) {
  return parser{text}.run();
}

} // namespace cafe::etf
