#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cafe::test {

/// The value of environment variable `name`, if set.
std::optional<std::string> get_env(std::string_view name);

/// An unsigned number from the environment, e.g. a seed or an iteration
/// count overridden for a longer local run; `fallback` when unset. Throws
/// `std::runtime_error` when set but not a number, so a typo cannot silently
/// run the default.
uint64_t env_uint(std::string_view name, uint64_t fallback);

/// The source tree, from `CAFE_SOURCE_DIR` (set for every test by
/// `cafe_add_test`). Throws `std::runtime_error` when unset: a suite run
/// outside ctest must say why it cannot find its fixtures.
std::filesystem::path source_dir();

/// The build tree, from `CAFE_BINARY_DIR`; falls back to the system's
/// temporary directory.
std::filesystem::path binary_dir();

/// A fresh directory, removed with its contents on destruction. Lives under
/// `binary_dir()/test-tmp` so parallel ctest runs never share paths.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept {
    return path_;
  }

private:
  std::filesystem::path path_;
};

/// Reads a whole file; throws `std::runtime_error` with the path on failure.
std::string read_file(const std::filesystem::path& path);

} // namespace cafe::test
