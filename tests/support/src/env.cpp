#include "cafe/test/env.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace cafe::test {

std::optional<std::string> get_env(std::string_view name) {
  auto value = std::getenv(std::string{name}.c_str());
  if (value == nullptr)
    return std::nullopt;
  return std::string{value};
}

uint64_t env_uint(std::string_view name, uint64_t fallback) {
  auto str = get_env(name);
  if (!str || str->empty())
    return fallback;
  uint64_t result = 0;
  auto first = str->data();
  auto last = first + str->size();
  auto [ptr, ec] = std::from_chars(first, last, result);
  if (ec != std::errc{} || ptr != last)
    throw std::runtime_error(std::string{name} + "='" + *str
                             + "' is not an unsigned number");
  return result;
}

uint64_t test_seed(uint64_t fallback) {
  return env_uint("CAFE_TEST_SEED", fallback);
}

std::string reproduce(std::string_view suite, uint64_t seed,
                      std::string_view extra) {
  std::string pattern;
  for (auto c : suite) {
    if (c == '.')
      pattern += '\\';
    pattern += c;
  }
  auto seed_text = std::to_string(seed);
  std::string result = "seed " + seed_text
                       + "; reproduce: CAFE_TEST_SEED=" + seed_text + ' ';
  if (!extra.empty())
    result.append(extra).append(" ");
  result += "ctest --test-dir " + binary_dir().string() + " -R '^" + pattern
            + "$' --output-on-failure";
  return result;
}

std::filesystem::path source_dir() {
  auto dir = get_env("CAFE_SOURCE_DIR");
  if (!dir || dir->empty())
    throw std::runtime_error("CAFE_SOURCE_DIR is not set: run the suite "
                             "through ctest, or export it to the source tree");
  return *dir;
}

std::filesystem::path binary_dir() {
  if (auto dir = get_env("CAFE_BINARY_DIR"); dir && !dir->empty())
    return *dir;
  return std::filesystem::temp_directory_path();
}

temp_dir::temp_dir() {
  auto parent = binary_dir() / "test-tmp";
  std::filesystem::create_directories(parent);
  auto pattern = (parent / "XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(),
                            "mkdtemp " + pattern);
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec; // Cleanup must not throw from a destructor.
  std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot open " + path.string() + ": "
                             + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

} // namespace cafe::test
