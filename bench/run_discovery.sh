#!/usr/bin/env bash
# Time to a full mesh per discovery plugin for 4, 8 and 16 cafe nodes, with
# a fast interval (100 ms; dns 500 ms, the issue's figure) and with each
# plugin's default, 3 runs each (medians). Then the same with one node
# started after the others formed their mesh (--late 1): how long until
# everyone is connected to it, and until every earlier node's own plugin
# found it. Loopback only; every node runs inside the benchmark process and
# is stopped before the next run; for dns the benchmark starts (and kills)
# a dnsmasq of its own (package dnsmasq-base).
#
#   bench/run_discovery.sh [BUILD_DIR]
#
# CAFE_BENCH_DISCOVERY_PLUGINS picks the plugins; CAFE_BENCH_DISCOVERY_LATE=0
# skips the late runs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCAFE_BUILD_TESTS=OFF >/dev/null
fi
# Up to date with the sources (a no-op when it is).
cmake --build "$build" --target bench_discovery_convergence >/dev/null
bench=$build/bench/discovery/bench_discovery_convergence
plugins=${CAFE_BENCH_DISCOVERY_PLUGINS:-broadcast gossip local-epmd dns}
lates=0
[[ ${CAFE_BENCH_DISCOVERY_LATE:-1} == 0 ]] || lates="0 1"
for late in $lates; do
  for plugin in $plugins; do
    fast=100
    [[ $plugin == dns ]] && fast=500
    for interval in $fast 0; do
      for nodes in 4 8 16; do
        timeout 300 "$bench" --plugin "$plugin" --nodes "$nodes" \
          --interval "$interval" --runs 3 --timeout 30000 --late "$late" |
          tail -n 1
      done
    done
  done
done
