#include "cafe/test/tools.hpp"

#include "cafe/test/env.hpp"

#include <stdexcept>
#include <string>
#include <unistd.h>

namespace cafe::test {

std::optional<std::filesystem::path> find_tool(std::string_view name) {
  if (name.empty())
    return std::nullopt;
  // A name with a slash is a path, as for execvp.
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path path{name};
    if (::access(path.c_str(), X_OK) == 0)
      return path;
    return std::nullopt;
  }
  auto path_var = get_env("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  std::string_view rest = path_var;
  while (true) {
    auto sep = rest.find(':');
    auto dir = rest.substr(0, sep);
    // An empty PATH entry means the current directory.
    auto candidate = std::filesystem::path{dir.empty() ? "." : dir} / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)
        && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (sep == std::string_view::npos)
      return std::nullopt;
    rest.remove_prefix(sep + 1);
  }
}

std::filesystem::path require_tool(std::string_view name, call_site where) {
  if (auto path = find_tool(name))
    return *path;
  std::string msg = "required tool '";
  msg += name;
  msg += "' not found on PATH (";
  msg += get_env("PATH").value_or("<unset>");
  msg += "), needed by ";
  msg += where.file;
  msg += ':';
  msg += std::to_string(where.line);
  msg += "; install it (see ENVIRONMENT.md) instead of skipping this test";
  throw std::runtime_error(msg);
}

} // namespace cafe::test
