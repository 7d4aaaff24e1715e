#include "etf_fixture.hpp"

#include "cafe/etf/print.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"

namespace cafe::test {

namespace {

std::string clip(std::string str, size_t max_len) {
  if (str.size() > max_len) {
    auto total = str.size();
    str.resize(max_len);
    str += "... (" + std::to_string(total) + " chars)";
  }
  return str;
}

} // namespace

std::filesystem::path etf_golden_file() {
  return source_dir() / "tests/bridge/etf/golden/golden.txt";
}

std::filesystem::path etf_golden_generator() {
  return source_dir() / "tests/bridge/etf/golden/gen_golden.erl";
}

std::filesystem::path etf_peer_source() {
  return source_dir() / "tests/bridge/etf/etf_peer.erl";
}

const std::vector<golden_vector>& etf_golden() {
  static const auto vectors = load_golden(etf_golden_file());
  return vectors;
}

std::string show(const etf::term& x, size_t max_len) {
  return clip(etf::to_string(x), max_len);
}

std::string show(std::span<const uint8_t> bytes, size_t max_len) {
  return clip(to_hex(bytes), max_len);
}

} // namespace cafe::test
