#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace cafe {

/// The logger every cafe module writes to: named "cafe" (so also reachable
/// as `spdlog::get("cafe")`), writing to stderr, at level info until
/// `set_log_level`. Stdout stays free for program output. CAF's own logging
/// is compiled out of Debian's build, so this logger is the only one.
spdlog::logger& logger();

/// Sets the level of the `cafe` logger (`runtime::system` does it with
/// `--log-level`; a program may call it earlier).
void set_log_level(spdlog::level::level_enum level);

} // namespace cafe
