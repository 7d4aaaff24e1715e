#include "scanner.hpp"

#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cafe::console::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_lower(unsigned char c) {
  // a-z, and the lead bytes of UTF-8 Latin-1 letters (U+00C0..U+00FF) are
  // treated by their code point below.
  return c >= 'a' && c <= 'z';
}

bool is_upper(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_name_char(unsigned char c) {
  return is_lower(c) || is_upper(c) || is_digit(static_cast<char>(c))
         || c == '@' || c >= 0x80;
}

constexpr std::array<std::string_view, 29> reserved = {
  "after",   "and",  "andalso", "band",  "begin", "bnot", "bor",  "bsl",
  "bsr",     "bxor", "case",    "catch", "cond",  "div",  "else", "end",
  "fun",     "if",   "let",     "maybe", "not",   "of",   "or",   "orelse",
  "receive", "rem",  "try",     "when",  "xor",
};

constexpr std::array<std::string_view, 19> long_puncts = {
  "=:=", "=/=", "...", "<<", ">>", "=>", ":=", "->", "==", "/=",
  "=<",  ">=",  "++",  "--", "||", "<-", "<=", "::", "..",
};

/// Skips a quoted text starting at `i` (the quote); the index after the
/// closing quote, or npos when it does not end.
size_t skip_quoted(std::string_view in, size_t i) {
  auto quote = in[i++];
  while (i < in.size()) {
    if (in[i] == '\\') {
      i += 2;
      continue;
    }
    if (in[i] == quote)
      return i + 1;
    ++i;
  }
  return std::string_view::npos;
}

/// Skips `$c` or `$\...` at `i` (the '$').
size_t skip_char(std::string_view in, size_t i) {
  ++i;
  if (i >= in.size())
    return in.size();
  if (in[i] == '\\') {
    ++i;
    if (i < in.size() && in[i] == 'x' && i + 1 < in.size()
        && in[i + 1] == '{') {
      auto close = in.find('}', i);
      return close == std::string_view::npos ? in.size() : close + 1;
    }
    if (i < in.size() && in[i] >= '0' && in[i] <= '7') {
      auto j = i;
      while (j < in.size() && j < i + 3 && in[j] >= '0' && in[j] <= '7')
        ++j;
      return j;
    }
    if (i < in.size() && in[i] == 'x')
      return std::min(in.size(), i + 3);
    if (i < in.size() && in[i] == '^')
      return std::min(in.size(), i + 2);
  }
  // One UTF-8 character.
  auto c = static_cast<unsigned char>(in[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(in.size(), i + n);
}

} // namespace

std::optional<size_t> form_length(std::string_view in) {
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '%') {
      auto nl = in.find('\n', i);
      if (nl == std::string_view::npos)
        return std::nullopt;
      i = nl + 1;
    } else if (c == '"' || c == '\'') {
      i = skip_quoted(in, i);
      if (i == std::string_view::npos)
        return std::nullopt;
    } else if (c == '$') {
      i = skip_char(in, i);
    } else if (is_digit(c)) {
      // 1.5 is a float, not a form end.
      while (i < in.size()
             && (is_digit(in[i]) || std::isalpha((unsigned char)in[i])
                 || in[i] == '_' || in[i] == '#'))
        ++i;
      if (i + 1 < in.size() && in[i] == '.' && is_digit(in[i + 1]))
        ++i;
    } else if (c == '.') {
      if (i + 1 < in.size() && (is_space(in[i + 1]) || in[i + 1] == '%'))
        return i + 1;
      ++i;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

namespace {

class scanner {
public:
  explicit scanner(std::string_view in) : in_(in) {}

  std::vector<token> run(std::optional<scan_error>& error) {
    std::vector<token> out;
    for (;;) {
      skip_blank();
      token t;
      t.offset = pos_;
      t.line = line_;
      t.column = column_;
      if (pos_ >= in_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      if (!next(t)) {
        error = scan_error{std::move(message_), t.line, t.column};
        return out;
      }
      t.text = std::string{in_.substr(t.offset, pos_ - t.offset)};
      out.push_back(std::move(t));
    }
  }

private:
  void advance(size_t n) {
    for (size_t k = 0; k < n && pos_ < in_.size(); ++k) {
      auto c = static_cast<unsigned char>(in_[pos_++]);
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column_;
      }
    }
  }

  void skip_blank() {
    while (pos_ < in_.size()) {
      if (is_space(in_[pos_])) {
        advance(1);
      } else if (in_[pos_] == '%') {
        while (pos_ < in_.size() && in_[pos_] != '\n')
          advance(1);
      } else {
        return;
      }
    }
  }

  bool fail(std::string message) {
    message_ = std::move(message);
    return false;
  }

  /// A literal parsed by the term parser from `text`.
  bool literal(token& t, std::string_view text) {
    auto x = etf::parse(text);
    if (!x)
      return fail(x.error().reason);
    t.value = std::move(*x);
    return true;
  }

  bool next(token& t) {
    auto c = static_cast<unsigned char>(in_[pos_]);
    auto start = pos_;
    if (c == '"' || c == '\'') {
      auto end = skip_quoted(in_, pos_);
      if (end == std::string_view::npos)
        return fail("unterminated " + std::string{c == '"' ? "string" : "atom"}
                    + " starting with " + std::string{in_.substr(pos_, 1)});
      advance(end - pos_);
      t.kind = c == '"' ? token_kind::literal : token_kind::atom;
      return literal(t, in_.substr(start, end - start));
    }
    if (c == '$') {
      auto end = skip_char(in_, pos_);
      if (end <= pos_ + 1)
        return fail("unterminated character");
      advance(end - pos_);
      // "\n" and friends through the string reader: [C].
      std::string text = "\"";
      auto body = in_.substr(start + 1, end - start - 1);
      text += body == "\"" ? "\\\"" : std::string{body};
      text += '"';
      auto x = etf::parse(text);
      if (!x || !x->is<etf::list>() || x->get<etf::list>().size() != 1)
        return fail("invalid character literal");
      t.kind = token_kind::literal;
      t.value = x->get<etf::list>()[0];
      return true;
    }
    if (is_digit(static_cast<char>(c)))
      return number(t);
    // Latin-1 letters are two bytes in UTF-8: 0xC3 0x80..0x9E upper case
    // (a variable), 0xC3 0x9F..0xBF lower case (an atom).
    bool latin1 = c == 0xC3 && pos_ + 1 < in_.size();
    auto second = latin1 ? static_cast<unsigned char>(in_[pos_ + 1]) : 0;
    if (is_lower(c) || (latin1 && second >= 0x9F)) {
      while (pos_ < in_.size()
             && is_name_char(static_cast<unsigned char>(in_[pos_])))
        advance(1);
      auto text = in_.substr(start, pos_ - start);
      if (std::find(reserved.begin(), reserved.end(), text) != reserved.end()) {
        t.kind = token_kind::keyword;
        return true;
      }
      auto a = etf::atom::make(text);
      if (!a)
        return fail("invalid atom");
      t.kind = token_kind::atom;
      t.value = *a;
      return true;
    }
    if (is_upper(c) || latin1) {
      while (pos_ < in_.size()
             && is_name_char(static_cast<unsigned char>(in_[pos_])))
        advance(1);
      t.kind = token_kind::var;
      return true;
    }
    if (c == '.'
        && (pos_ + 1 >= in_.size() || is_space(in_[pos_ + 1])
            || in_[pos_ + 1] == '%')) {
      advance(1);
      t.kind = token_kind::dot;
      return true;
    }
    for (auto p : long_puncts) {
      if (in_.substr(pos_, p.size()) == p) {
        advance(p.size());
        t.kind = token_kind::punct;
        return true;
      }
    }
    if (std::string_view{"()[]{},|:!=<>+-*/#;."}.find(static_cast<char>(c))
        != std::string_view::npos) {
      advance(1);
      t.kind = token_kind::punct;
      return true;
    }
    return fail("illegal character");
  }

  /// 42, 1_000, 16#FF, 1.5, 2.5e-3.
  bool number(token& t) {
    auto start = pos_;
    auto digits = [&](int base) {
      auto first = pos_;
      while (pos_ < in_.size()) {
        auto c = static_cast<unsigned char>(in_[pos_]);
        int v = is_digit(static_cast<char>(c)) ? c - '0'
                : std::isalpha(c)              ? std::tolower(c) - 'a' + 10
                                               : -1;
        if (c == '_' && pos_ > first && pos_ + 1 < in_.size()
            && std::isalnum(static_cast<unsigned char>(in_[pos_ + 1]))) {
          advance(1);
          continue;
        }
        if (v < 0 || v >= base)
          break;
        advance(1);
      }
      return pos_ > first;
    };
    digits(10);
    t.kind = token_kind::literal;
    auto plain = [&](size_t from) {
      std::string text;
      for (auto ch : in_.substr(from, pos_ - from))
        if (ch != '_')
          text += ch;
      return text;
    };
    if (pos_ < in_.size() && in_[pos_] == '#') {
      auto base_text = plain(start);
      auto base = base_text.size() <= 2 ? std::stoi(base_text) : 0;
      if (base < 2 || base > 36)
        return fail("illegal base '" + base_text + "'");
      advance(1);
      auto from = pos_;
      if (!digits(base))
        return fail("illegal integer");
      // Accumulate in a big integer through its decimal form.
      etf::term value = int64_t{0};
      auto text = plain(from);
      // Small values directly; larger ones by repeated multiply in text.
      std::vector<uint32_t> dec{0}; // little-endian base 1e9
      for (auto ch : text) {
        auto u = static_cast<unsigned char>(ch);
        uint64_t carry = is_digit(ch) ? u - '0' : std::tolower(u) - 'a' + 10;
        for (auto& limb : dec) {
          auto v = uint64_t{limb} * static_cast<uint64_t>(base) + carry;
          limb = static_cast<uint32_t>(v % 1000000000u);
          carry = v / 1000000000u;
        }
        while (carry > 0) {
          dec.push_back(static_cast<uint32_t>(carry % 1000000000u));
          carry /= 1000000000u;
        }
      }
      std::string out = std::to_string(dec.back());
      for (size_t i = dec.size() - 1; i-- > 0;) {
        auto part = std::to_string(dec[i]);
        out += std::string(9 - part.size(), '0') + part;
      }
      return literal(t, out);
    }
    if (pos_ + 1 < in_.size() && in_[pos_] == '.' && is_digit(in_[pos_ + 1])) {
      advance(1);
      digits(10);
      if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
        auto save = pos_;
        advance(1);
        if (pos_ < in_.size() && (in_[pos_] == '-' || in_[pos_] == '+'))
          advance(1);
        if (!digits(10))
          pos_ = save;
      }
    }
    return literal(t, plain(start));
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t column_ = 1;
  std::string message_;
};

} // namespace

std::vector<token> scan(std::string_view input,
                        std::optional<scan_error>& error) {
  return scanner{input}.run(error);
}

std::string describe(const token& x) {
  switch (x.kind) {
    case token_kind::atom: return etf::to_string(x.value);
    case token_kind::var:
    case token_kind::literal: return x.text;
    case token_kind::keyword:
    case token_kind::punct: return "'" + x.text + "'";
    case token_kind::dot: return "'.'";
    case token_kind::end: break;
  }
  return "end of input";
}

} // namespace cafe::console::detail
