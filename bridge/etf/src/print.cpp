#include "cafe/etf/print.hpp"

#include "atom_syntax.hpp"
#include "utf8.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <ostream>
#include <vector>

namespace cafe::etf {

namespace {

using detail::append_utf8;
using detail::decode_utf8;

// -- characters, as io_lib writes them ----------------------------------------

/// erl_scan:f_reserved_word/1, plus `maybe` and `else`, which are keywords
/// once the maybe_expr feature is on (the default from OTP 27): quoting them
/// costs nothing and keeps the text readable by every OTP release.
bool is_reserved_word(std::string_view x) {
  static constexpr std::array<std::string_view, 29> words = {
    "after", "and",  "andalso", "band",  "begin", "bnot", "bor",    "bsl",
    "bsr",   "bxor", "case",    "catch", "cond",  "div",  "end",    "fun",
    "if",    "let",  "maybe",   "not",   "of",    "or",   "orelse", "receive",
    "rem",   "try",  "when",    "xor",   "else"};
  for (auto w : words)
    if (w == x)
      return true;
  return false;
}

/// One character inside quotes, as io_lib:string_char/4 writes it for
/// Unicode output: the quote and the backslash escaped, printable ASCII and
/// everything from U+00A0 up as is (in UTF-8), the control characters that
/// have a letter as \n \r \t \v \b \f \e \d, every other character below
/// U+00A0 (C0 and C1 controls) as three octal digits.
void write_char(std::string& out, uint32_t c, char quote) {
  if (c == static_cast<unsigned char>(quote) || c == '\\') {
    out += '\\';
    out += static_cast<char>(c);
    return;
  }
  if (c >= 0x20 && c <= 0x7E) {
    out += static_cast<char>(c);
    return;
  }
  if (c >= 0xA0) {
    append_utf8(out, c);
    return;
  }
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case 0x1B: out += "\\e"; return;
    case 0x7F: out += "\\d"; return;
    default:
      out += '\\';
      out += static_cast<char>('0' + (c >> 6));
      out += static_cast<char>('0' + ((c >> 3) & 7));
      out += static_cast<char>('0' + (c & 7));
  }
}

using detail::atom_char;
using detail::atom_start;

/// io_lib:printable_latin1_list/1, per character: what `~p` and `~tp` show
/// as text in a "string" or a <<"binary">> (with the default printable
/// range, latin1).
bool printable_latin1(uint32_t c) {
  return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xFF) || c == '\n'
         || c == '\r' || c == '\t' || c == '\v' || c == '\b' || c == '\f'
         || c == 0x1B;
}

/// io_lib:write_atom/1.
void print_atom(std::string& out, atom x) {
  auto text = x.text();
  std::vector<uint32_t> chars;
  if (!decode_utf8(text, chars)) // Cannot happen: atoms hold valid UTF-8.
    chars.assign(reinterpret_cast<const unsigned char*>(text.data()),
                 reinterpret_cast<const unsigned char*>(text.data())
                   + text.size());
  bool bare = !chars.empty() && atom_start(chars[0]) && !is_reserved_word(text);
  for (size_t i = 1; bare && i < chars.size(); ++i)
    bare = atom_char(chars[i]);
  if (bare) {
    out += text;
    return;
  }
  out += '\'';
  for (auto c : chars)
    write_char(out, c, '\'');
  out += '\'';
}

void print_double(std::string& out, double x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  std::string text{buf, res.ptr};
  // Erlang always shows a fraction: 1.0, 1.0e100, 2.5e-7.
  auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  if (mantissa.find('.') == std::string::npos)
    mantissa += ".0";
  out += mantissa;
  if (e != std::string::npos) {
    auto exponent = text.substr(e + 1);
    if (!exponent.empty() && exponent[0] == '+')
      exponent.erase(0, 1);
    out += 'e';
    out += exponent;
  }
}

void print(std::string& out, const term& x);

/// A binary as io_lib_pretty writes it for `~tp`: valid UTF-8 whose
/// characters are all printable (Latin-1 range) as <<"text"/utf8>>, or as
/// <<"text">> when it is plain ASCII; any other binary whose bytes are all
/// printable Latin-1 as <<"text">>, one character per byte; else bytes.
/// Bitstrings always as bytes, the last segment as Value:Bits.
void print_bytes(std::string& out, std::string_view bytes, size_t tail_bits) {
  out += "<<";
  std::vector<uint32_t> chars;
  bool text = tail_bits == 0 && !bytes.empty();
  bool utf8 = false;
  if (text) {
    utf8 = decode_utf8(bytes, chars);
    if (!utf8)
      chars.assign(reinterpret_cast<const unsigned char*>(bytes.data()),
                   reinterpret_cast<const unsigned char*>(bytes.data())
                     + bytes.size());
    for (auto c : chars)
      text = text && printable_latin1(c);
  }
  if (text) {
    out += '"';
    for (auto c : chars)
      write_char(out, c, '"');
    out += '"';
    if (utf8 && chars.size() != bytes.size())
      out += "/utf8";
  } else {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0)
        out += ',';
      auto byte = static_cast<unsigned char>(bytes[i]);
      if (i + 1 == bytes.size() && tail_bits != 0) {
        out += std::to_string(byte >> (8 - tail_bits));
        out += ':';
        out += std::to_string(tail_bits);
      } else {
        out += std::to_string(byte);
      }
    }
  }
  out += ">>";
}

template <class Range>
void print_seq(std::string& out, const Range& xs) {
  bool first = true;
  for (auto& x : xs) {
    if (!first)
      out += ',';
    first = false;
    print(out, x);
  }
}

void print(std::string& out, const term& x) {
  x.visit([&out](const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, int64_t>) {
      out += std::to_string(v);
    } else if constexpr (std::is_same_v<T, big_integer>) {
      out += v.to_string();
    } else if constexpr (std::is_same_v<T, double>) {
      print_double(out, v);
    } else if constexpr (std::is_same_v<T, atom>) {
      print_atom(out, v);
    } else if constexpr (std::is_same_v<T, reference>) {
      out += "#Ref<";
      print_atom(out, v.node);
      for (size_t i = v.size; i > 0; --i) {
        out += '.';
        out += std::to_string(v.words[i - 1]);
      }
      out += '>';
    } else if constexpr (std::is_same_v<T, fun>) {
      out += "#Fun<";
      print_atom(out, v->module);
      out += '.';
      out += std::to_string(v->old_index);
      out += '.';
      out += std::to_string(v->old_uniq);
      out += '>';
    } else if constexpr (std::is_same_v<T, export_fun>) {
      out += "fun ";
      print_atom(out, v.module);
      out += ':';
      print_atom(out, v.function);
      out += '/';
      out += std::to_string(v.arity);
    } else if constexpr (std::is_same_v<T, port>) {
      out += "#Port<";
      print_atom(out, v.node);
      out += '.';
      out += std::to_string(v.id);
      out += '>';
    } else if constexpr (std::is_same_v<T, pid>) {
      out += "#Pid<";
      print_atom(out, v.node);
      out += '.';
      out += std::to_string(v.id);
      out += '.';
      out += std::to_string(v.serial);
      out += '>';
    } else if constexpr (std::is_same_v<T, tuple>) {
      out += '{';
      print_seq(out, v.elements);
      out += '}';
    } else if constexpr (std::is_same_v<T, map>) {
      out += "#{";
      bool first = true;
      for (auto& [key, value] : v.entries) {
        if (!first)
          out += ',';
        first = false;
        print(out, key);
        out += " => ";
        print(out, value);
      }
      out += '}';
    } else if constexpr (std::is_same_v<T, list>) {
      // io_lib:printable_latin1_list/1 decides, as for `~tp`.
      bool text = v.proper() && !v.elements.empty();
      for (auto& e : v.elements) {
        auto c = e.template get_if<int64_t>();
        text = text && c != nullptr && *c >= 0 && *c <= 0xFF
               && printable_latin1(static_cast<uint32_t>(*c));
      }
      if (text) {
        out += '"';
        for (auto& e : v.elements)
          write_char(out, static_cast<uint32_t>(*e.template get_if<int64_t>()),
                     '"');
        out += '"';
        return;
      }
      out += '[';
      print_seq(out, v.elements);
      if (v.tail) {
        out += '|';
        print(out, *v.tail);
      }
      out += ']';
    } else if constexpr (std::is_same_v<T, binary>) {
      print_bytes(out, v.bytes, 0);
    } else {
      print_bytes(out, v.bytes, v.tail_bits);
    }
  });
}

} // namespace

std::string to_string(const term& x) {
  std::string out;
  print(out, x);
  return out;
}

std::ostream& operator<<(std::ostream& out, const term& x) {
  return out << to_string(x);
}

} // namespace cafe::etf
