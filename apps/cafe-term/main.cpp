// cafe-term: converts between Erlang term text and the External Term Format,
// with the same codec a cafe node uses on the wire.
//
//   cafe-term encode '{chat, <<"bob">>, "hi"}'   -> hex of term_to_binary
//   cafe-term decode 836804...                    -> the term, Erlang syntax
//   cafe-term decode < file.etf                   -> same, raw bytes on stdin

#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace {

int usage() {
  std::cerr
    << "usage: cafe-term encode TERM\n"
       "       cafe-term decode [HEX]   (raw bytes on stdin if no HEX)\n";
  return 2;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0)
    return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    auto hi = nibble(text[i]);
    auto lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

int encode(std::string_view text) {
  auto x = cafe::etf::parse(text);
  if (!x) {
    std::cerr << "cafe-term: cannot parse term: " << x.error().reason
              << " at offset " << x.error().offset << '\n';
    return 1;
  }
  for (auto byte : cafe::etf::term_to_binary(*x))
    std::printf("%02x", byte);
  std::printf("\n");
  return 0;
}

int decode(const std::vector<uint8_t>& bytes) {
  auto x = cafe::etf::binary_to_term(bytes);
  if (!x) {
    std::cerr << "cafe-term: cannot decode: " << to_string(x.error()) << '\n';
    return 1;
  }
  std::cout << cafe::etf::to_string(*x) << '\n';
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return usage();
  std::string_view cmd = argv[1];
  if (cmd == "encode" && argc == 3)
    return encode(argv[2]);
  if (cmd == "decode" && argc == 3) {
    auto bytes = from_hex(argv[2]);
    if (!bytes) {
      std::cerr << "cafe-term: not a hex string\n";
      return 1;
    }
    return decode(*bytes);
  }
  if (cmd == "decode" && argc == 2) {
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>{std::cin},
                               std::istreambuf_iterator<char>{}};
    return decode(bytes);
  }
  return usage();
}
