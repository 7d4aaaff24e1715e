#!/usr/bin/env bash
# Builds bench_etf in Release (-O2) and runs it with 3 repetitions, printing
# medians and the cafe/ei summary tables. Extra arguments go to the binary,
# e.g. --benchmark_filter=decode.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CAFE_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCAFE_BUILD_TESTS=OFF -DCAFE_BUILD_APPS=OFF -DCAFE_BUILD_BENCH=ON \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
  "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
ninja -C "$build" -j2 bench_etf
# The numbers mean little on a busy machine: show how busy it is.
echo "load before run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$build/bench/bench_etf" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true "$@"
echo "load after run: $(cut -d' ' -f1-3 /proc/loadavg)"
