#!/usr/bin/env bash
# The whole test suite, as on a fresh Debian 12 machine: installs what it
# needs, builds, runs every suite (real erl/elixir peers included), then the
# distribution suites under four /etc/hosts variants, then the codec and
# protocol-core suites again under ASan+UBSan, then the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on relative paths, so every checkout shares one cache.
export CCACHE_BASEDIR="$PWD"
# Debug info then names the first checkout's directory, which is fine for
# tests; without this every checkout of a -g build misses the cache.
export CCACHE_NOHASHDIR=true

# One seed for every random and property test (tests/support env.hpp
# `test_seed`), varied per commit so CI explores new inputs over time: the
# first 8 hex digits of HEAD as a number, or today's date without git. A
# caller's CAFE_TEST_SEED wins, to rerun a failure.
if [[ -z "${CAFE_TEST_SEED:-}" ]]; then
  if head=$(git rev-parse HEAD 2>/dev/null); then
    CAFE_TEST_SEED=$((16#${head:0:8}))
  else
    CAFE_TEST_SEED=$(date +%Y%m%d)
  fi
fi
export CAFE_TEST_SEED
echo "CAFE_TEST_SEED=$CAFE_TEST_SEED (rerun a suite with it: CAFE_TEST_SEED=$CAFE_TEST_SEED ctest --test-dir build -R '^suite\$')"

scripts/setup-deps.sh

jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure --timeout 600

# The distribution suites again under each way the host name may resolve
# (127.0.0.1, Debian's 127.0.1.1, a container's own address, not at all).
scripts/test-hosts-variants.sh build

# Sanitizer build: only the suites labelled `sanitize` (fuzz, truncation,
# protocol cores) are built and run here, with clang, so that CI also
# compiles the tree once with a second compiler. CMake keeps the compiler a
# build tree was first configured with, so a g++ build-asan starts over.
if [[ -f build-asan/CMakeCache.txt ]] \
  && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++$' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCAFE_SANITIZE=address,undefined \
  -DCAFE_BUILD_APPS=OFF -DCAFE_BUILD_BENCH=OFF
# Only the test executables (and what they link): the libraries no labelled
# suite needs are not worth compiling twice.
asan_targets=$(cmake --build build-asan --target help \
  | sed -n 's/^\(test_[a-z0-9_]*\): .*/\1/p')
# shellcheck disable=SC2086
cmake --build build-asan -j"$jobs" --target $asan_targets
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure -L sanitize

scripts/check-format.sh
