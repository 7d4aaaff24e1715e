#include "cafe/runtime/open_files_limit.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <sys/resource.h>

namespace {

rlimit current() {
  rlimit lim{};
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  return lim;
}

TEST(open_files_limit, raises_the_soft_limit_to_the_hard_one) {
  // Start from a soft limit below the hard one, as a login shell's 1,024.
  auto lim = current();
  lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
  auto got = cafe::runtime::raise_open_files_limit();
  auto now = current();
  EXPECT_EQ(now.rlim_cur, now.rlim_max);
  EXPECT_EQ(got.soft, static_cast<uint64_t>(now.rlim_cur));
  EXPECT_EQ(got.hard, static_cast<uint64_t>(now.rlim_max));
  // Already raised: nothing changes.
  auto again = cafe::runtime::raise_open_files_limit();
  EXPECT_EQ(again.soft, got.soft);
  EXPECT_EQ(again.hard, got.hard);
}

} // namespace
