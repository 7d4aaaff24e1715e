#include "cafe/test/golden.hpp"

#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"

#include <stdexcept>

namespace cafe::test {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> result;
  while (true) {
    auto tab = line.find('\t');
    result.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos)
      return result;
    line.remove_prefix(tab + 1);
  }
}

std::vector<golden_vector> load_golden(const std::filesystem::path& file) {
  auto text = read_file(file);
  std::vector<golden_vector> result;
  std::string_view rest = text;
  size_t line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    auto eol = rest.find('\n');
    auto line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (line.empty())
      continue;
    auto where = file.string() + ":" + std::to_string(line_no) + ": ";
    auto cols = split_tabs(line);
    if (cols.size() != 5)
      throw std::runtime_error(where + "expected 5 tab-separated columns, got "
                               + std::to_string(cols.size()));
    golden_vector vec;
    vec.line = line_no;
    vec.name = cols[0];
    vec.options = cols[1];
    try {
      vec.bytes = from_hex(cols[2]);
      vec.canonical = from_hex(cols[3]);
    } catch (const std::exception& ex) {
      throw std::runtime_error(where + ex.what());
    }
    vec.shape = cols[4];
    if (vec.name.empty() || vec.bytes.empty() || vec.canonical.empty()
        || vec.shape.empty())
      throw std::runtime_error(where + "empty column");
    result.push_back(std::move(vec));
  }
  if (result.empty())
    throw std::runtime_error(file.string() + ": no vectors");
  return result;
}

} // namespace cafe::test
