#pragma once

#include <string_view>

namespace cafe::runtime {

/// Why the runtime could not do what was asked.
enum class errc {
  /// `--help` was given: the usage text is the message, exit status 0.
  help_requested = 1,
  /// An unknown option, a bad value or a conflicting combination.
  invalid_option,
  /// The `--config` file could not be read.
  config_file_unreadable,
};

std::string_view to_string(errc x) noexcept;

} // namespace cafe::runtime
