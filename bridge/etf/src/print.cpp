#include "cafe/etf/print.hpp"

#include <array>
#include <charconv>
#include <ostream>

namespace cafe::etf {

namespace {

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

bool needs_quotes(std::string_view x) {
  if (x.empty() || x[0] < 'a' || x[0] > 'z')
    return true;
  for (char c : x) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '@';
    if (!ok)
      return true;
  }
  return is_reserved_word(x);
}

void escape_char(std::string& out, unsigned char c, char quote) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    case '\\': out += "\\\\"; return;
    default:
      if (c == static_cast<unsigned char>(quote)) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7F) {
        out += '\\';
        out += std::to_string(static_cast<int>(c));
      } else {
        out += static_cast<char>(c);
      }
  }
}

void print_atom(std::string& out, atom x) {
  auto text = x.text();
  if (!needs_quotes(text)) {
    out += text;
    return;
  }
  out += '\'';
  for (unsigned char c : text)
    escape_char(out, c, '\'');
  out += '\'';
}

bool printable_byte(int64_t c) {
  return (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t' || c == '\r';
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

void print_bytes(std::string& out, std::string_view bytes, size_t tail_bits) {
  out += "<<";
  bool text = tail_bits == 0 && !bytes.empty();
  for (unsigned char c : bytes)
    text = text && printable_byte(c);
  if (text) {
    out += '"';
    for (unsigned char c : bytes)
      escape_char(out, c, '"');
    out += '"';
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
      bool text = v.proper() && !v.elements.empty();
      for (auto& e : v.elements) {
        auto c = e.template get_if<int64_t>();
        text = text && c != nullptr && printable_byte(*c);
      }
      if (text) {
        out += '"';
        for (auto& e : v.elements)
          escape_char(out,
                      static_cast<unsigned char>(*e.template get_if<int64_t>()),
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
