#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::test {

/// One line of an ETF golden file written by
/// tests/bridge/etf/golden/gen_golden.erl (the generator documents the
/// columns): bytes from a real `term_to_binary` and what they stand for.
struct golden_vector {
  /// 1-based line number, for failure messages.
  size_t line = 0;
  std::string name;
  /// The `term_to_binary/2` options, e.g. `[{minor_version,2}]`, or
  /// `{tweak,What}` for a decode-only form assembled from fields.
  std::string options;
  /// The input bytes (version byte included).
  std::vector<uint8_t> bytes;
  /// `term_to_binary(binary_to_term(Bytes), [{minor_version, 2}])`.
  std::vector<uint8_t> canonical;
  /// The decoded term in the generator's prefix notation.
  std::string shape;

  bool compressed() const noexcept {
    return bytes.size() > 1 && bytes[1] == 80;
  }
};

/// Reads a golden file; throws `std::runtime_error` naming file and line on
/// any malformed line, so a broken fixture fails loudly instead of shrinking
/// the test.
std::vector<golden_vector> load_golden(const std::filesystem::path& file);

/// Splits `line` at tabs.
std::vector<std::string_view> split_tabs(std::string_view line);

} // namespace cafe::test
