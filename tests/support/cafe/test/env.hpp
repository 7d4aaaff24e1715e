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

/// The seed of every random and property test: `CAFE_TEST_SEED` (one
/// variable for the whole suite; scripts/test.sh varies it per commit), or
/// `fallback` when unset.
uint64_t test_seed(uint64_t fallback = 1);

/// What a failing random test prints: the seed and a one-line command that
/// reruns `suite` (the ctest name, e.g. "bridge.etf.print") with it, e.g.
/// `seed 7; reproduce: CAFE_TEST_SEED=7 ctest --test-dir build -R
/// '^bridge\.etf\.print$' --output-on-failure`. `extra` (e.g.
/// "CAFE_TEST_TERMS=100") goes before `ctest`.
std::string reproduce(std::string_view suite, uint64_t seed,
                      std::string_view extra = {});

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
