#!/usr/bin/env bash
# Time to a full mesh per discovery plugin for 4, 8 and 16 cafe nodes, with
# a fast interval (100 ms) and with each plugin's default, 3 runs each
# (medians). Loopback only; every node runs inside the benchmark process and
# is stopped before the next run.
#
#   bench/run_discovery.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
if [[ ! -x $build/bench/discovery/bench_discovery_convergence ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCAFE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target bench_discovery_convergence
fi
bench=$build/bench/discovery/bench_discovery_convergence
plugins=${CAFE_BENCH_DISCOVERY_PLUGINS:-broadcast gossip local-epmd}
for plugin in $plugins; do
  for interval in 100 0; do
    for nodes in 4 8 16; do
      timeout 300 "$bench" --plugin "$plugin" --nodes "$nodes" \
        --interval "$interval" --runs 3 --timeout 30000 | tail -n 1
    done
  done
done
