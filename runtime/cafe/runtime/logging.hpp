#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace cafe::runtime {

/// Sets the level of the `cafe` logger. CAF's own logging is compiled out of
/// Debian's build, so this logger is the only one; `system` calls this with
/// `--log-level`, a program may call it earlier.
void init_logging(spdlog::level::level_enum level);

/// The logger every cafe module writes to: named "cafe" (so also reachable
/// as `spdlog::get("cafe")`), writing to stderr, usable before
/// `init_logging` at level info. Stdout stays free for program output.
spdlog::logger& logger();

} // namespace cafe::runtime
