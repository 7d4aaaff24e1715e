#include "cafe/runtime/open_files_limit.hpp"

#include <sys/resource.h>

namespace cafe::runtime {

open_files_limit raise_open_files_limit() noexcept {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return {};
  if (lim.rlim_cur < lim.rlim_max) {
    auto raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      lim = raised;
  }
  return {static_cast<uint64_t>(lim.rlim_cur),
          static_cast<uint64_t>(lim.rlim_max)};
}

} // namespace cafe::runtime
