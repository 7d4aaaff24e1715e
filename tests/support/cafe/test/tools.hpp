#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace cafe::test {

/// Where a call was written. Not `std::source_location`: libstdc++ provides
/// that only with `__builtin_source_location`, which clang 14 lacks; the
/// `__builtin_FILE` / `__builtin_LINE` pair works with g++ and clang alike
/// and, in a default argument, names the caller.
struct call_site {
  const char* file;
  unsigned line;
};

/// Searches `PATH` for an executable file called `name`.
std::optional<std::filesystem::path> find_tool(std::string_view name);

/// Like `find_tool`, but a missing tool fails the calling test: it throws
/// `std::runtime_error` naming the tool, the caller and the searched `PATH`,
/// which GoogleTest reports as a failure of the running test. Suites that
/// drive a real peer must never pass, or skip, without having run it.
std::filesystem::path
require_tool(std::string_view name,
             call_site where = {__builtin_FILE(), __builtin_LINE()});

} // namespace cafe::test
