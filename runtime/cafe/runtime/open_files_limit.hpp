#pragma once

#include <cstdint>

namespace cafe::runtime {

/// The soft and hard limits on open descriptors (RLIMIT_NOFILE).
struct open_files_limit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

/// Raises this process's soft limit on open descriptors to its hard limit,
/// as Node.js and Go programs do at start: a server's connections are
/// descriptors, and the usual soft default of 1,024 is reached by a few
/// hundred clients plus the node's own. The limits afterwards.
open_files_limit raise_open_files_limit() noexcept;

} // namespace cafe::runtime
