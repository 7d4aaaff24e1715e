#pragma once

#include <filesystem>
#include <optional>
#include <source_location>
#include <string_view>

namespace cafe::test {

/// Searches `PATH` for an executable file called `name`.
std::optional<std::filesystem::path> find_tool(std::string_view name);

/// Like `find_tool`, but a missing tool fails the calling test: it throws
/// `std::runtime_error` naming the tool, the caller and the searched `PATH`,
/// which GoogleTest reports as a failure of the running test. Suites that
/// drive a real peer must never pass, or skip, without having run it.
std::filesystem::path
require_tool(std::string_view name,
             std::source_location where = std::source_location::current());

} // namespace cafe::test
