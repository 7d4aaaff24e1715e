#!/usr/bin/env bash
# erpc benchmark (issue #9): calls per second from an Erlang caller into a
# BEAM node (rpc_bench:add/2, the baseline) and into cafe-node
# (cafe_demo:add/2, C++ on the CAF scheduler), sequential and with 50
# concurrent callers, the two targets alternating in one run so the ratio
# compares like with like. Builds cafe-node in Release, starts a private
# epmd, prints a Markdown table of medians over RUNS runs (default 3).
#
#   bench/run_rpc.sh [RUNS]
#
# Environment: CAFE_BENCH_RPC_SEQ_CALLS (20000), CAFE_BENCH_RPC_PAR_CALLS
# (100000), CAFE_BENCH_RPC_BUILD_DIR (build-bench-rpc). Every node is an OS
# process on 127.0.0.1, bounded in time and killed by PID at the end.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CAFE_BENCH_RPC_BUILD_DIR:-$root/build-bench-rpc}
runs=${1:-3}
seq_calls=${CAFE_BENCH_RPC_SEQ_CALLS:-20000}
par_calls=${CAFE_BENCH_RPC_PAR_CALLS:-100000}
cookie=cafebench

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCAFE_BUILD_TESTS=OFF >&2
ninja -C "$build" -j2 cafe-node >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-rpc.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

erlc -o "$work" "$root/bench/rpc/rpc_bench.erl"

# A private epmd on a free loopback port.
port=
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 20000))
  if ! ss -ltnH "sport = :$candidate" | grep -q .; then
    port=$candidate
    break
  fi
done
[[ -n $port ]] || { echo "no free port for epmd" >&2; exit 1; }
ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$port" >"$work/epmd.log" 2>&1 &
pids+=($!)
export ERL_EPMD_PORT=$port
for _ in $(seq 1 50); do
  epmd -port "$port" -names >/dev/null 2>&1 && break
  sleep 0.1
done

erl_flags=(-noshell -setcookie "$cookie" -pa "$work"
  -kernel inet_dist_use_interface "{127,0,0,1}")

# The two servers, up for the whole run.
timeout 600 erl "${erl_flags[@]}" -name beam_srv@127.0.0.1 \
  >"$work/beam_srv.log" 2>&1 &
pids+=($!)
timeout 600 "$build/apps/cafe-node" --name cafe_srv@127.0.0.1 \
  --cookie "$cookie" --epmd-port "$port" --listen 127.0.0.1 \
  >"$work/cafe_srv.log" 2>&1 &
pids+=($!)
for name in beam_srv cafe_srv; do
  for _ in $(seq 1 100); do
    epmd -port "$port" -names 2>/dev/null | grep -q "name $name " && break
    sleep 0.1
  done
done

one_run() { # NODE MODULE CALLERS CALLS -> calls per second
  local out
  out=$(timeout 150 erl "${erl_flags[@]}" -name "cli_$RANDOM@127.0.0.1" \
    -run rpc_bench run "$1" "$2" "$3" "$4")
  sed -n 's/^RESULT calls_per_s=//p' <<<"$out"
}

median() {
  sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

declare -A results
for r in $(seq 1 "$runs"); do
  for callers in 1 50; do
    calls=$seq_calls
    ((callers > 1)) && calls=$par_calls
    results[beam_$callers]+="$(one_run beam_srv@127.0.0.1 rpc_bench "$callers" "$calls") "
    results[cafe_$callers]+="$(one_run cafe_srv@127.0.0.1 cafe_demo "$callers" "$calls") "
  done
  echo "run $r of $runs done" >&2
done

echo "| erpc:call from erl | BEAM node (calls/s) | cafe node (calls/s) | cafe / BEAM |"
echo "|---|---|---|---|"
for callers in 1 50; do
  b=$(tr ' ' '\n' <<<"${results[beam_$callers]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${results[cafe_$callers]}" | grep . | median)
  label="sequential"
  ((callers > 1)) && label="$callers concurrent callers"
  printf '| %s | %.0f | %.0f | %.2fx |\n' "$label" "$b" "$c" \
    "$(awk -v c="$c" -v b="$b" 'BEGIN {print c / b}')"
  echo "samples $label: BEAM ${results[beam_$callers]}/ cafe ${results[cafe_$callers]}" >&2
done
