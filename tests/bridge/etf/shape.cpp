#include "shape.hpp"

#include "cafe/test/hex.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cafe::test {

namespace {

using namespace cafe::etf;

[[noreturn]] void malformed(std::string_view what, std::string_view token) {
  throw std::invalid_argument("malformed shape: " + std::string{what} + " in '"
                              + std::string{token.substr(0, 80)} + "'");
}

template <class T>
T parse_number(std::string_view str) {
  T result{};
  auto [ptr, ec] = std::from_chars(str.data(), str.data() + str.size(), result);
  if (ec != std::errc{} || ptr != str.data() + str.size())
    malformed("number", str);
  return result;
}

std::vector<std::string_view> split(std::string_view str, char sep) {
  std::vector<std::string_view> result;
  while (true) {
    auto pos = str.find(sep);
    result.push_back(str.substr(0, pos));
    if (pos == std::string_view::npos)
      return result;
    str.remove_prefix(pos + 1);
  }
}

std::string hex_text(std::string_view hex) {
  auto bytes = from_hex(hex);
  return std::string{bytes.begin(), bytes.end()};
}

atom hex_atom(std::string_view hex) {
  auto result = atom::make(hex_text(hex));
  if (!result)
    malformed("atom rejected by atom::make", hex);
  return *result;
}

/// Decimal text to a normalized integer term, by schoolbook arithmetic on a
/// little-endian magnitude (independent of big_integer's own parsing).
term make_integer(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative)
    text.remove_prefix(1);
  if (text.empty())
    malformed("integer", text);
  std::vector<uint8_t> mag;
  for (auto c : text) {
    if (c < '0' || c > '9')
      malformed("integer", text);
    unsigned carry = static_cast<unsigned>(c - '0');
    for (auto& byte : mag) {
      auto x = byte * 10u + carry;
      byte = static_cast<uint8_t>(x & 0xff);
      carry = x >> 8;
    }
    while (carry > 0) {
      mag.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  // `term` keeps integers that fit int64_t as int64_t.
  return term{big_integer{negative, std::move(mag)}};
}

class parser {
public:
  explicit parser(std::string_view text) : rest_(text) {}

  term parse() {
    auto tok = next();
    if (tok.empty())
      malformed("empty token", tok);
    auto body = tok.substr(1);
    switch (tok.front()) {
      case 'n': return term{};
      case 'i': return make_integer(body);
      case 'f': {
        auto bytes = from_hex(body);
        if (bytes.size() != 8)
          malformed("float", tok);
        uint64_t bits = 0;
        for (auto b : bytes)
          bits = bits << 8 | b;
        return term{std::bit_cast<double>(bits)};
      }
      case 'a': return term{hex_atom(body)};
      case 'b': return term{binary{hex_text(body)}};
      case 's': {
        auto parts = split(body, ':');
        if (parts.size() != 2)
          malformed("bitstring", tok);
        bitstring bits;
        bits.bytes = hex_text(parts[1]);
        bits.tail_bits
          = static_cast<uint8_t>(parse_number<size_t>(parts[0]) % 8);
        return term{std::move(bits)};
      }
      case 'l': {
        auto n = parse_number<size_t>(body);
        std::vector<term> xs;
        for (size_t i = 0; i < n; ++i)
          xs.push_back(parse());
        auto tail = parse();
        if (tail.is_nil())
          return term{list{std::move(xs)}};
        return term{list{std::move(xs), std::move(tail)}};
      }
      case 't': {
        auto n = parse_number<size_t>(body);
        std::vector<term> xs;
        for (size_t i = 0; i < n; ++i)
          xs.push_back(parse());
        return term{tuple{std::move(xs)}};
      }
      case 'm': {
        auto n = parse_number<size_t>(body);
        std::vector<std::pair<term, term>> xs;
        for (size_t i = 0; i < n; ++i) {
          auto key = parse();
          auto value = parse();
          xs.emplace_back(std::move(key), std::move(value));
        }
        return term{map{std::move(xs)}};
      }
      case 'p': return term{make_pid(tok)};
      case 'o': {
        auto parts = split(body, ':');
        if (parts.size() != 3)
          malformed("port", tok);
        port x;
        x.node = hex_atom(parts[0]);
        x.id = parse_number<uint64_t>(parts[1]);
        x.creation = parse_number<uint32_t>(parts[2]);
        return term{x};
      }
      case 'r': {
        auto parts = split(body, ':');
        if (parts.size() < 3 || parts.size() - 2 > reference::max_words)
          malformed("reference", tok);
        reference x;
        x.node = hex_atom(parts[0]);
        x.creation = parse_number<uint32_t>(parts[1]);
        x.size = static_cast<uint8_t>(parts.size() - 2);
        for (size_t i = 0; i < x.size; ++i)
          x.words[i] = parse_number<uint32_t>(parts[i + 2]);
        return term{x};
      }
      case 'e': {
        auto parts = split(body, ':');
        if (parts.size() != 3)
          malformed("export", tok);
        export_fun x;
        x.module = hex_atom(parts[0]);
        x.function = hex_atom(parts[1]);
        x.arity = parse_number<uint8_t>(parts[2]);
        return term{x};
      }
      case 'u': {
        auto parts = split(body, ':');
        if (parts.size() != 7)
          malformed("fun", tok);
        auto data = std::make_shared<fun::data>();
        data->arity = parse_number<uint8_t>(parts[0]);
        auto uniq = from_hex(parts[1]);
        if (uniq.size() != data->uniq.size())
          malformed("fun uniq", tok);
        std::memcpy(data->uniq.data(), uniq.data(), uniq.size());
        data->index = parse_number<uint32_t>(parts[2]);
        data->old_index = parse_number<int64_t>(parts[3]);
        data->old_uniq = parse_number<int64_t>(parts[4]);
        data->module = hex_atom(parts[5]);
        auto num_free = parse_number<size_t>(parts[6]);
        data->pid = make_pid(next());
        for (size_t i = 0; i < num_free; ++i)
          data->free_vars.push_back(parse());
        fun x;
        x.ptr = std::move(data);
        return term{std::move(x)};
      }
      default: malformed("unknown token", tok);
    }
  }

  bool done() const noexcept {
    return rest_.empty();
  }

private:
  std::string_view next() {
    if (rest_.empty())
      malformed("unexpected end", rest_);
    auto pos = rest_.find(' ');
    auto tok = rest_.substr(0, pos);
    rest_.remove_prefix(pos == std::string_view::npos ? rest_.size() : pos + 1);
    return tok;
  }

  static pid make_pid(std::string_view tok) {
    if (tok.empty() || tok.front() != 'p')
      malformed("pid", tok);
    auto parts = split(tok.substr(1), ':');
    if (parts.size() != 4)
      malformed("pid", tok);
    pid x;
    x.node = hex_atom(parts[0]);
    x.id = parse_number<uint32_t>(parts[1]);
    x.serial = parse_number<uint32_t>(parts[2]);
    x.creation = parse_number<uint32_t>(parts[3]);
    return x;
  }

  std::string_view rest_;
};

} // namespace

etf::term parse_shape(std::string_view text) {
  parser p{text};
  auto result = p.parse();
  if (!p.done())
    malformed("trailing tokens", text);
  return result;
}

} // namespace cafe::test
