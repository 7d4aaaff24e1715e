#include "cafe/etf/parse.hpp"

#include "atom_syntax.hpp"
#include "bit_builder.hpp"
#include "cafe/etf/compare.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cafe::etf {

namespace {

using detail::append_utf8;

/// A Unicode scalar value: what an atom, a `/utf8` segment or `\x{...}`
/// may hold. (erl_scan also refuses U+FFFE and U+FFFF; atoms may hold them,
/// io_lib writes them as they are, and cafe reads them back.)
bool is_scalar(uint64_t c) {
  return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

using detail::atom_char;
using detail::atom_start;
using detail::bit_builder;

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

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
      std::vector<uint32_t> chars;
      if (!strings(chars))
        return false;
      std::vector<term> xs;
      xs.reserve(chars.size());
      for (auto ch : chars)
        xs.emplace_back(int64_t{ch});
      out = list{std::move(xs)};
      return true;
    }
    if (c == '\'') {
      auto start = pos_;
      std::vector<uint32_t> chars;
      if (!quoted('\'', chars))
        return false;
      std::string text;
      for (auto ch : chars)
        append_utf8(text, ch);
      return make_atom(text, out, start);
    }
    if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c)))
      return number(out);
    uint32_t ch = 0;
    auto n = peek_char(ch);
    if (n > 0 && atom_start(ch)) {
      auto start = pos_;
      while ((n = peek_char(ch)) > 0 && atom_char(ch))
        pos_ += n;
      return make_atom(text_.substr(start, pos_ - start), out, start);
    }
    if (c == '\0' && pos_ >= text_.size())
      return fail("unexpected end of text");
    return fail("unexpected character '"
                + std::string{text_.substr(pos_, std::max(n, size_t{1}))}
                + "'");
  }

  bool make_atom(std::string_view text, term& out, size_t start) {
    auto res = atom::make(text);
    if (!res) {
      pos_ = start;
      return fail("invalid atom");
    }
    out = *res;
    return true;
  }

  /// Length of the UTF-8 character at the current position and its code
  /// point in `c`; 0 at the end or on malformed UTF-8 (overlong forms,
  /// surrogates and values above U+10FFFF included).
  size_t peek_char(uint32_t& c) const {
    if (pos_ >= text_.size())
      return 0;
    auto p = reinterpret_cast<const unsigned char*>(text_.data() + pos_);
    auto avail = text_.size() - pos_;
    c = p[0];
    if (c < 0x80)
      return 1;
    size_t n = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      c &= 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      c &= 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      c &= 0x07;
      min = 0x10000;
    } else {
      return 0;
    }
    if (avail < n)
      return 0;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80)
        return 0;
      c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || !is_scalar(c))
      return 0;
    return n;
  }

  /// Reads one UTF-8 character.
  bool next_char(uint32_t& c) {
    auto n = peek_char(c);
    if (n == 0)
      return fail("invalid UTF-8");
    pos_ += n;
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

  /// `<<Segment, ...>>`, each segment a string or an integer, as Erlang
  /// writes binaries: "text" (one byte per character, up to 255), "text"/utf8,
  /// Int (a byte), Int:Bits (1 to 64 bits; how a bitstring ends) and
  /// Int/utf8. Values must fit their segment: cafe refuses what Erlang would
  /// silently truncate.
  bool binary_value(term& out) {
    if (text_.substr(pos_, 2) != "<<")
      return fail("expected '<<'");
    pos_ += 2;
    bit_builder bits;
    skip_space();
    if (text_.substr(pos_, 2) == ">>") {
      pos_ += 2;
      out = bits.release();
      return true;
    }
    for (;;) {
      if (!segment(bits))
        return false;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (text_.substr(pos_, 2) != ">>")
        return fail("expected ',' or '>>'");
      pos_ += 2;
      out = bits.release();
      return true;
    }
  }

  bool segment(bit_builder& bits) {
    skip_space();
    auto start = pos_;
    if (peek() == '"') {
      std::vector<uint32_t> chars;
      if (!strings(chars))
        return false;
      skip_space();
      if (peek() == ':')
        return fail("a string segment takes no size");
      bool utf8 = false;
      if (!segment_type(utf8))
        return false;
      for (auto c : chars) {
        if (utf8) {
          std::string bytes;
          append_utf8(bytes, c);
          for (unsigned char b : bytes)
            bits.push(b, 8);
        } else if (c > 0xFF) {
          pos_ = start;
          return fail("a character above 255 in a binary string (add /utf8)");
        } else {
          bits.push(c, 8);
        }
      }
      return true;
    }
    term value;
    if (!number(value))
      return false;
    auto i = value.get_if<int64_t>();
    if (i == nullptr) {
      pos_ = start;
      return fail("a binary segment must be an integer or a string");
    }
    size_t size = 8;
    bool sized = false;
    skip_space();
    if (peek() == ':') {
      ++pos_;
      skip_space();
      auto digits = pos_;
      size = 0;
      while (std::isdigit(static_cast<unsigned char>(peek())) && size <= 64)
        size = size * 10 + static_cast<size_t>(text_[pos_++] - '0');
      if (pos_ == digits)
        return fail("expected a segment size");
      if (size < 1 || size > 64) {
        pos_ = digits;
        return fail("a segment size must be 1 to 64 bits");
      }
      sized = true;
    }
    bool utf8 = false;
    if (!segment_type(utf8))
      return false;
    if (utf8) {
      if (sized || *i < 0 || !is_scalar(static_cast<uint64_t>(*i))) {
        pos_ = start;
        return fail("a /utf8 segment must be a Unicode character, unsized");
      }
      std::string bytes;
      append_utf8(bytes, static_cast<uint32_t>(*i));
      for (unsigned char b : bytes)
        bits.push(b, 8);
      return true;
    }
    auto value_bits = static_cast<uint64_t>(*i);
    if (*i < 0 || (size < 64 && (value_bits >> size) != 0)) {
      pos_ = start;
      return fail("a binary segment value must fit its size (8 bits unless "
                  "given)");
    }
    bits.push(value_bits, size);
    return true;
  }

  /// An optional `/utf8`, the only type specifier Erlang prints.
  bool segment_type(bool& utf8) {
    skip_space();
    if (peek() != '/')
      return true;
    ++pos_;
    skip_space();
    auto name = pos_;
    while (std::isalnum(static_cast<unsigned char>(peek())))
      ++pos_;
    if (text_.substr(name, pos_ - name) != "utf8") {
      pos_ = name;
      return fail("unsupported segment type (only /utf8)");
    }
    utf8 = true;
    return true;
  }

  /// One or more adjacent "strings", concatenated as erl_parse does.
  bool strings(std::vector<uint32_t>& out) {
    if (!quoted('"', out))
      return false;
    for (;;) {
      auto after = pos_;
      skip_space();
      if (peek() != '"') {
        pos_ = after;
        return true;
      }
      if (!quoted('"', out))
        return false;
    }
  }

  /// Quoted text as erl_scan reads it: any character but the quote and the
  /// backslash stands for itself (raw control characters and newlines
  /// included); escape sequences as in erl_scan:scan_escape/2.
  bool quoted(char quote, std::vector<uint32_t>& out) {
    ++pos_;
    while (pos_ < text_.size()) {
      uint32_t c = 0;
      if (!next_char(c))
        return false;
      if (c == static_cast<unsigned char>(quote))
        return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size())
        break;
      if (!escape(out))
        return false;
    }
    return fail("unterminated quoted text");
  }

  /// After a backslash: \NNN (1 to 3 octal digits), \xHH, \x{H...},
  /// \^C (control character: C & 31), the letters of
  /// erl_scan:escape_char/1 (\b \d \e \f \n \r \s \t \v), and any other
  /// character for itself (\' \" \\ among them).
  bool escape(std::vector<uint32_t>& out) {
    auto start = pos_ - 1;
    char e = text_[pos_];
    if (is_octal(e)) {
      uint32_t value = 0;
      for (int i = 0; i < 3 && is_octal(peek()); ++i)
        value = value * 8 + static_cast<uint32_t>(text_[pos_++] - '0');
      out.push_back(value);
      return true;
    }
    if (e == 'x') {
      ++pos_;
      if (peek() == '{') {
        ++pos_;
        auto digits = pos_;
        uint64_t value = 0;
        for (int h; (h = hex_value(peek())) >= 0; ++pos_)
          value = std::min<uint64_t>(value * 16 + static_cast<uint64_t>(h),
                                     0x110000);
        if (pos_ == digits || peek() != '}') {
          pos_ = start;
          return fail("\\x{...} needs hex digits and a closing '}'");
        }
        ++pos_;
        if (!is_scalar(value)) {
          pos_ = start;
          return fail("\\x{...} is not a Unicode character");
        }
        out.push_back(static_cast<uint32_t>(value));
        return true;
      }
      auto hi = hex_value(peek());
      auto lo = pos_ + 1 < text_.size() ? hex_value(text_[pos_ + 1]) : -1;
      if (hi < 0 || lo < 0) {
        pos_ = start;
        return fail("\\x needs two hex digits or {...}");
      }
      pos_ += 2;
      out.push_back(static_cast<uint32_t>(hi * 16 + lo));
      return true;
    }
    if (e == '^') {
      ++pos_;
      uint32_t c = 0;
      if (pos_ >= text_.size())
        return fail("unterminated quoted text");
      if (!next_char(c))
        return false;
      out.push_back(c & 31);
      return true;
    }
    uint32_t c = 0;
    if (!next_char(c))
      return false;
    switch (c) {
      case 'b': c = '\b'; break;
      case 'd': c = 0x7F; break;
      case 'e': c = 0x1B; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 's': c = ' '; break;
      case 't': c = '\t'; break;
      case 'v': c = '\v'; break;
      default: break; // Any other character stands for itself.
    }
    out.push_back(c);
    return true;
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
