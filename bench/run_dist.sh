#!/usr/bin/env bash
# Distribution benchmark (issue #3): message throughput and ping-pong round
# trips over loopback between real erl nodes and cafe nodes, every pairing in
# the same run, so the ratios compare like with like. Builds bench_dist_node
# and cafe-node in Release, compiles bench/distribution/dist_bench.erl,
# starts a private epmd, and prints Markdown tables of medians over RUNS runs
# (default 3).
#
#   bench/run_dist.sh [RUNS]
#
# Two groups of tests (CAFE_BENCH_DIST_GROUPS, default "dist caf"):
#   dist  node processes only (bench_dist_node, no CAF actor): throughput
#         and round trips (issue #3)
#   caf   the CAF-actor path (issue #9): gen_server:call from a BEAM node
#         into a BEAM gen_server and into cafe-node's `counter` actor, one
#         caller and CAFE_BENCH_DIST_CALLERS callers; echo round trips into a
#         BEAM process, a cafe node process and cafe-node's `echo` actor;
#         the idle CPU of each callee after the calls
#
# Environment: CAFE_BENCH_DIST_COUNT (1000000 messages),
# CAFE_BENCH_DIST_ROUNDS (20000 round trips after CAFE_BENCH_DIST_WARMUP,
# 2000), CAFE_BENCH_DIST_IO_THREADS (1 io thread per cafe node),
# CAFE_BENCH_DIST_SPIN_US (50: the io threads' poll budget in the cafe+spin
# rows), CAFE_BENCH_DIST_BUILD_DIR (build-bench-dist);
# CAFE_BENCH_DIST_CALLS (20000 sequential calls after 2000 warm-up),
# CAFE_BENCH_DIST_CALLERS (50) and CAFE_BENCH_DIST_CALLS_EACH (2000 calls
# each), CAFE_BENCH_DIST_BASELINE_NODE (a cafe-node binary of another build,
# e.g. an older commit: its rows run beside this build's, as "baseline").
# Every node is a separate OS process on 127.0.0.1; each one is bounded in
# time and killed by PID at the end.
#
# Placement: throughput runs unpinned (sender and receiver each need a
# core). Round trips run twice: both nodes on CPU 0 ("same CPU"), and pinger
# on CPU 0, echo on CPU 1 ("split CPUs"). On this VM waking an idle vCPU
# costs ~50 us, so an unpinned ping-pong is a lottery between ~35 and ~140 us
# depending on where the scheduler puts the two processes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CAFE_BENCH_DIST_BUILD_DIR:-$root/build-bench-dist}
runs=${1:-3}
count=${CAFE_BENCH_DIST_COUNT:-1000000}
rounds=${CAFE_BENCH_DIST_ROUNDS:-20000}
warmup=${CAFE_BENCH_DIST_WARMUP:-2000}
io_threads=${CAFE_BENCH_DIST_IO_THREADS:-1}
spin_us=${CAFE_BENCH_DIST_SPIN_US:-50}
groups=" ${CAFE_BENCH_DIST_GROUPS:-dist caf} "
calls=${CAFE_BENCH_DIST_CALLS:-20000}
callers=${CAFE_BENCH_DIST_CALLERS:-50}
calls_each=${CAFE_BENCH_DIST_CALLS_EACH:-2000}
baseline_node=${CAFE_BENCH_DIST_BASELINE_NODE:-}
# The callee's CPU is sampled this long after the sequential calls, while
# the caller stays connected.
idle_seconds=5
cookie=cafebench
# Longest wait for a node to register its process / for a test to finish.
ready_timeout=30
test_timeout=150

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCAFE_BUILD_TESTS=OFF -DCAFE_BUILD_BENCH=ON >&2
ninja -C "$build" -j2 bench_dist_node cafe-node >&2
node_bin=$build/bench/distribution/bench_dist_node
cafe_node_bin=$build/apps/cafe-node
if [[ -n $baseline_node && ! -x $baseline_node ]]; then
  echo "CAFE_BENCH_DIST_BASELINE_NODE: $baseline_node is no executable" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-dist.XXXXXX")
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

erlc -o "$work" "$root/bench/distribution/dist_bench.erl"
host=$(hostname -s)

# A private epmd on a free loopback port: no collision with other runs or a
# system epmd.
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
epmd -port "$port" -names >/dev/null

last_pid=
# start_node KIND CPU NAME LOG ROLE ARGS...: KIND is beam, cafe, or
# cafe-spin (io threads poll spin_us before blocking), or cafe-node (this
# build's apps/cafe-node, ROLE and ARGS ignored: it always hosts `echo` and
# `counter`), cafe-node-nospin (the same with --io-spin 0) or
# cafe-node-base (CAFE_BENCH_DIST_BASELINE_NODE); CPU is a CPU number for
# taskset, or "" for none. The pid lands in last_pid (and in pids, for the
# cleanup).
start_node() {
  local kind=$1 cpu=$2 name=$3 log=$4 pin=()
  shift 4
  [[ -z $cpu ]] || pin=(taskset -c "$cpu")
  case $kind in
    beam)
      # erl execs the emulator, so $! is beam.smp itself.
      "${pin[@]}" erl -sname "$name" -setcookie "$cookie" -noshell \
        -kernel inet_dist_use_interface '{127,0,0,1}' \
        -pa "$work" -run dist_bench "$@" >"$log" 2>&1 &
      ;;
    cafe | cafe-spin)
      local spin=0
      [[ $kind == cafe ]] || spin=$spin_us
      "${pin[@]}" "$node_bin" --name "$name" --cookie "$cookie" \
        --epmd-port "$port" --io-threads "$io_threads" --spin-us "$spin" \
        "$@" >"$log" 2>&1 &
      ;;
    cafe-node | cafe-node-nospin | cafe-node-base)
      local bin=$cafe_node_bin extra=()
      [[ $kind != cafe-node-nospin ]] || extra=(--io-spin 0)
      [[ $kind != cafe-node-base ]] || bin=$baseline_node
      # cafe-node serves until a signal: timeout bounds it even if this
      # script dies, and passes our kill on to it.
      "${pin[@]}" timeout "$test_timeout" "$bin" --sname "$name" \
        --cookie "$cookie" --epmd-port "$port" --listen 127.0.0.1 \
        "${extra[@]}" >"$log" 2>&1 &
      ;;
  esac
  last_pid=$!
  pids+=("$last_pid")
}

# wait_ready PID LOG [PATTERN]: until the node printed READY, or PATTERN
# (bounded).
wait_ready() {
  local _ pattern=${3:-^READY}
  for _ in $(seq 1 $((ready_timeout * 20))); do
    grep -qs "$pattern" "$2" && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  echo "node $1 not ready; log:" >&2
  cat "$2" >&2
  return 1
}

# wait_exit PID: until the process ended (bounded), else kill it.
wait_exit() {
  local _
  for _ in $(seq 1 $((test_timeout * 20))); do
    kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  echo "process $1 did not finish: killed" >&2
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  return 1
}

# ready_pattern KIND: what the node of KIND prints once it serves.
ready_pattern() {
  case $1 in
    cafe-node*) echo '^cafe node ' ;;
    *) echo '^READY' ;;
  esac
}

# os_pid KIND PID: the pid of the node itself (cafe-node runs under
# timeout).
os_pid() {
  case $1 in
    cafe-node*) pgrep -P "$2" | head -n 1 ;;
    *) echo "$2" ;;
  esac
}

# cpu_percent PID SECONDS: the CPU time (user + system, all threads) PID
# uses over the next SECONDS, in percent of one core; "-" if it went away.
cpu_percent() {
  local t0 t1
  cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
  t0=$(cpu_ticks "$1" 2>/dev/null) || { echo "-"; return; }
  sleep "$2"
  t1=$(cpu_ticks "$1" 2>/dev/null) || { echo "-"; return; }
  awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$2" \
    'BEGIN { printf "%.1f", d * 100 / hz / s }'
}

# result LOG KEY: the value of KEY in the RESULT line, or "-".
result() {
  local line
  line=$(grep '^RESULT' "$1" | tail -n 1 || true)
  [[ $line == *" $2="* ]] || { echo "-"; return; }
  line=${line##*" $2="}
  echo "${line%% *}"
}

results=$work/results.txt
: >"$results"

# throughput RUN SENDER RECEIVER: Count messages to the receiver's `sink`.
throughput() {
  local run=$1 tx=$2 rx=$3 tag="$2_$3" rx_pid tx_pid rate=-
  local rx_name="bd${run}_t_${tag}_rx" tx_name="bd${run}_t_${tag}_tx"
  start_node "$rx" "" "$rx_name" "$work/$rx_name.log" sink "$count"
  rx_pid=$last_pid
  if wait_ready "$rx_pid" "$work/$rx_name.log"; then
    start_node "$tx" "" "$tx_name" "$work/$tx_name.log" source \
      "$rx_name@$host" "$count"
    tx_pid=$last_pid
    wait_exit "$tx_pid" || true
    wait_exit "$rx_pid" || true
    rate=$(result "$work/$rx_name.log" rate)
    [[ $rate != - ]] || cat "$work/$rx_name.log" "$work/$tx_name.log" >&2
  fi
  kill "$rx_pid" 2>/dev/null || true
  echo "run $run throughput $tx->$rx: $rate msg/s" >&2
  echo "tput $tag $run $rate" >>"$results"
}

# rtt RUN PLACEMENT PINGER ECHO: ping-pong with the echo's `echo` process.
# PLACEMENT is same or split (see the top). PINGER is beam, cafe (pings sent
# from deliver() on the io thread, as an actor would), cafe-mailbox (a
# thread blocked in mailbox::receive), or cafe-spin.
rtt() {
  local run=$1 place=$2 tx=$3 rx=$4 rx_pid tx_pid role=ping kind=$3
  local tag="$2:$3_$4" median=- p99=- tx_cpu=0 rx_cpu=0
  local base="bd${run}_r_${2}_${3//-/_}_${4//-/_}"
  local rx_name="${base}_rx" tx_name="${base}_tx"
  [[ $place == same ]] || rx_cpu=1
  # "any": unpinned, wherever the kernel puts them.
  [[ $place != any ]] || { tx_cpu=; rx_cpu=; }
  if [[ $tx == cafe-mailbox ]]; then
    kind=cafe
    role=ping-mailbox
  fi
  start_node "$rx" "$rx_cpu" "$rx_name" "$work/$rx_name.log" echo
  rx_pid=$last_pid
  if wait_ready "$rx_pid" "$work/$rx_name.log" "$(ready_pattern "$rx")"; then
    start_node "$kind" "$tx_cpu" "$tx_name" "$work/$tx_name.log" "$role" \
      "$rx_name@$host" "$rounds" "$warmup"
    tx_pid=$last_pid
    wait_exit "$tx_pid" || true
    # cafe-node serves on after `stop`: killed below.
    [[ $rx == cafe-node* ]] || wait_exit "$rx_pid" || true
    median=$(result "$work/$tx_name.log" median_ns)
    p99=$(result "$work/$tx_name.log" p99_ns)
    [[ $median != - ]] || cat "$work/$tx_name.log" "$work/$rx_name.log" >&2
  fi
  kill "$rx_pid" 2>/dev/null || true
  echo "run $run rtt $place $tx<->$rx: median $median ns, p99 $p99 ns" >&2
  echo "rtt $tag $run $median $p99" >>"$results"
}

# call RUN MODE PLACEMENT CALLEE: gen_server:call({counter, Callee}, incr)
# from a BEAM node: MODE seq (one caller, `calls` calls, then the callee's
# idle CPU over idle_seconds while the caller stays connected) or conc
# (`callers` processes, `calls_each` each). PLACEMENT any (unpinned) or
# split (caller on CPU 0, callee on CPU 1).
call() {
  local run=$1 mode=$2 place=$3 rx=$4 rx_pid tx_pid tx_cpu= rx_cpu=
  local tag="$2:$3:$4" rate=- median=- p99=- idle=- n=$calls procs=1
  local linger=0 base="bd${run}_c_${2}_${3}_${4//-/_}" _
  local rx_name="${base}_rx" tx_name="${base}_tx"
  [[ $place == any ]] || { tx_cpu=0; rx_cpu=1; }
  if [[ $mode == conc ]]; then
    n=$calls_each
    procs=$callers
  else
    linger=$(((idle_seconds + 2) * 1000))
  fi
  start_node "$rx" "$rx_cpu" "$rx_name" "$work/$rx_name.log" counter
  rx_pid=$last_pid
  if wait_ready "$rx_pid" "$work/$rx_name.log" "$(ready_pattern "$rx")"; then
    start_node beam "$tx_cpu" "$tx_name" "$work/$tx_name.log" call \
      "$rx_name@$host" "$n" "$warmup" "$procs" "$linger"
    tx_pid=$last_pid
    if ((linger > 0)); then
      for _ in $(seq 1 $((test_timeout * 20))); do
        grep -qs '^RESULT' "$work/$tx_name.log" && break
        kill -0 "$tx_pid" 2>/dev/null || break
        sleep 0.05
      done
      if grep -q '^RESULT calls' "$work/$tx_name.log"; then
        idle=$(cpu_percent "$(os_pid "$rx" "$rx_pid")" "$idle_seconds")
      fi
    fi
    wait_exit "$tx_pid" || true
    rate=$(result "$work/$tx_name.log" rate)
    median=$(result "$work/$tx_name.log" median_ns)
    p99=$(result "$work/$tx_name.log" p99_ns)
    [[ $rate != - ]] || cat "$work/$tx_name.log" "$work/$rx_name.log" >&2
  fi
  kill "$rx_pid" 2>/dev/null || true
  echo "run $run call $mode $place BEAM->$rx: $rate calls/s, median" \
    "$median ns, p99 $p99 ns, idle CPU $idle%" >&2
  echo "call $tag $run $rate $median $p99" >>"$results"
  [[ $mode != seq || $place != any ]] || echo "idle $rx $run $idle" >>"$results"
}

# The cafe-node kinds of the caf group: this build, the same without io
# spinning, and the baseline binary if given.
callees=(beam cafe-node cafe-node-nospin)
[[ -z $baseline_node ]] || callees+=(cafe-node-base)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load before: $load_before on $(nproc) cores" >&2
for run in $(seq 1 "$runs"); do
  if [[ $groups == *" caf "* ]]; then
    for rx in "${callees[@]}"; do
      call "$run" seq any "$rx"
    done
    if (($(nproc) > 1)); then
      for rx in "${callees[@]}"; do
        call "$run" seq split "$rx"
      done
    fi
    for rx in "${callees[@]}"; do
      call "$run" conc any "$rx"
    done
    for rx in beam cafe "${callees[@]:1}"; do
      rtt "$run" any beam "$rx"
    done
  fi
  [[ $groups == *" dist "* ]] || continue
  throughput "$run" beam beam
  throughput "$run" cafe beam
  throughput "$run" beam cafe
  throughput "$run" cafe cafe
  throughput "$run" cafe-spin cafe-spin
  rtt "$run" same beam beam
  rtt "$run" same cafe beam
  rtt "$run" same beam cafe
  rtt "$run" same cafe cafe
  rtt "$run" same cafe-mailbox beam
  rtt "$run" same cafe-mailbox cafe
  if (($(nproc) > 1)); then
    rtt "$run" split beam beam
    rtt "$run" split cafe cafe
    rtt "$run" split cafe-spin cafe-spin
    rtt "$run" split cafe-spin beam
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load after: $load_after" >&2

# The tables: medians over the runs; each ratio is taken within a run (same
# load for both sides), then its median (and for the caf group its range)
# over the runs is shown.
awk -v runs="$runs" -v count="$count" -v rounds="$rounds" \
  -v warmup="$warmup" -v io="$io_threads" -v spin="$spin_us" \
  -v lb="$load_before" -v groups="$groups" -v calls="$calls" \
  -v callers="$callers" -v calls_each="$calls_each" \
  -v idle_s="$idle_seconds" -v callees="${callees[*]}" \
  -v la="$load_after" '
function median(key,   n, i, j, t, v) {
  n = 0
  for (i = 1; i <= runs; ++i)
    if ((key, i) in val && val[key, i] != "-")
      v[++n] = val[key, i] + 0
  if (n == 0)
    return "-"
  for (i = 2; i <= n; ++i)
    for (j = i; j > 1 && v[j - 1] > v[j]; --j) {
      t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
    }
  return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
# ratio(a, b): per-run a/b into val["ratio:" a "/" b, run], then the median.
function ratio(a, b,   i, k) {
  k = "ratio:" a "/" b
  for (i = 1; i <= runs; ++i)
    if ((a, i) in val && (b, i) in val && val[a, i] != "-" \
        && val[b, i] != "-" && val[b, i] > 0)
      val[k, i] = val[a, i] / val[b, i]
  return median(k)
}
# spread(key): "min-max" of the values of key over the runs.
function spread(key,   i, lo, hi, x) {
  lo = "-"
  for (i = 1; i <= runs; ++i)
    if ((key, i) in val && val[key, i] != "-") {
      x = val[key, i] + 0
      if (lo == "-" || x < lo) lo = x
      if (hi == "" || x > hi) hi = x
    }
  return lo == "-" ? "-" : sprintf("%.2f-%.2f", lo, hi)
}
function fmt_rate(x) { return x == "-" ? "-" : sprintf("%.0fk", x / 1000) }
function fmt_us(x) { return x == "-" ? "-" : sprintf("%.1f", x / 1000) }
function fmt_x(x) { return x == "-" ? "-" : sprintf("%.2fx", x) }
# "cafe-spin_beam" -> "cafe+spin<->BEAM"
function pair_name(k, arrow) {
  sub("_", arrow, k)
  gsub("beam", "BEAM", k)
  gsub("-spin", "+spin", k)
  return k
}
function verdict(x, target, higher) {
  if (x == "-")
    return "no result"
  if (higher)
    return x >= target ? sprintf("met (%.2fx >= %.1fx)", x, target) \
                       : sprintf("MISSED by %.0f%% (%.2fx < %.1fx)",
                                 (target - x) / target * 100, x, target)
  return x <= target ? sprintf("met (%.2fx <= %.1fx)", x, target) \
                     : sprintf("MISSED by %.0f%% (%.2fx > %.1fx)",
                               (x - target) / target * 100, x, target)
}
$1 == "tput" { val["t:" $2, $3] = $4 }
$1 == "rtt" { val["r:" $2, $3] = $4; val["p:" $2, $3] = $5 }
$1 == "call" {
  val["c:" $2, $3] = $4; val["cm:" $2, $3] = $5; val["cp:" $2, $3] = $6
}
$1 == "idle" { val["i:" $2, $3] = $4 }
function callee_name(k) {
  if (k == "beam") return "BEAM gen_server"
  if (k == "cafe-node") return "cafe-node `counter` (CAF actor)"
  if (k == "cafe-node-nospin") return "cafe-node --io-spin 0"
  if (k == "cafe-node-base") return "baseline cafe-node"
  return k
}
function echo_name(k) {
  if (k == "beam") return "BEAM process"
  if (k == "cafe") return "cafe node process (no CAF)"
  if (k == "cafe-node") return "cafe-node `echo` (CAF actor)"
  if (k == "cafe-node-nospin") return "cafe-node `echo`, --io-spin 0"
  if (k == "cafe-node-base") return "baseline cafe-node `echo`"
  return k
}
function fmt_pct(x) { return x == "-" ? "-" : sprintf("%.1f%%", x) }
function print_caf(   n, ks, m, modes, es, i, j, k, parts, r, x, maxv) {
  printf "CAF-actor path (issue #9): %d runs, medians (min-max of the " \
         "per-run ratios); sequential: %d calls after %d warm-up; " \
         "concurrent: %d callers x %d calls; load %s -> %s\n\n", runs, calls,
         warmup, callers, calls_each, lb, la
  print "| gen_server:call from BEAM into | callers | CPUs | calls/s | " \
        "median us | p99 us | calls/s vs BEAM | median vs BEAM |"
  print "|---|---:|---|---:|---:|---:|---:|---:|"
  n = split(callees, ks, " ")
  m = split("seq:any seq:split conc:any", modes, " ")
  for (i = 1; i <= m; ++i)
    for (j = 1; j <= n; ++j) {
      k = modes[i] ":" ks[j]
      if (median("c:" k) == "-" && modes[i] == "seq:split")
        continue
      split(modes[i], parts, ":")
      r = ratio("c:" k, "c:" modes[i] ":beam")
      x = ratio("cm:" k, "cm:" modes[i] ":beam")
      printf "| %s | %d | %s | %s | %.1f | %.1f | %s (%s) | %s (%s) |\n",
             callee_name(ks[j]), parts[1] == "seq" ? 1 : callers,
             parts[2] == "any" ? "any" : "split", fmt_rate(median("c:" k)),
             median("cm:" k) / 1000, median("cp:" k) / 1000, fmt_x(r),
             spread("ratio:c:" k "/c:" modes[i] ":beam"), fmt_x(x),
             spread("ratio:cm:" k "/cm:" modes[i] ":beam")
    }
  print ""
  print "| echo round trip, BEAM pinger, into | CPUs | median us | p99 us | " \
        "median vs BEAM |"
  print "|---|---|---:|---:|---:|"
  m = split("beam cafe " substr(callees, 6), es, " ")
  for (j = 1; j <= m; ++j) {
    k = "r:any:beam_" es[j]
    x = ratio(k, "r:any:beam_beam")
    printf "| %s | any | %s | %s | %s (%s) |\n", echo_name(es[j]),
           fmt_us(median(k)), fmt_us(median("p:any:beam_" es[j])), fmt_x(x),
           spread("ratio:" k "/r:any:beam_beam")
  }
  print ""
  printf "| idle CPU of the callee, %d s after the sequential calls, caller " \
         "still connected | median | max |\n", idle_s
  print "|---|---:|---:|"
  for (j = 1; j <= n; ++j) {
    maxv = spread("i:" ks[j])
    sub(/^.*-/, "", maxv)
    printf "| %s | %s | %s |\n", callee_name(ks[j]),
           fmt_pct(median("i:" ks[j])), maxv == "-" ? "-" : fmt_pct(maxv)
  }
  print ""
  print "| target (issue #9) | ratio | verdict |"
  print "|---|---:|---|"
  x = ratio("c:seq:any:cafe-node", "c:seq:any:beam")
  printf "| sequential gen_server:call into a CAF actor >= 1.0x BEAM " \
         "(calls/s, unpinned) | %s | %s |\n", fmt_x(x), verdict(x, 1.0, 1)
  print ""
}
END {
  if (groups ~ / caf /)
    print_caf()
  if (groups !~ / dist /)
    exit
  printf "Distribution benchmark: %d runs, medians; %d messages, %d round " \
         "trips after %d warm-up; cafe io threads: %d (+spin: %d us); " \
         "load %s -> %s\n\n", runs, count, rounds, warmup, io, spin, lb, la
  print "| throughput (receiver rate) | msg/s | vs BEAM->BEAM |"
  print "|---|---:|---:|"
  n = split("beam_beam cafe_beam beam_cafe cafe_cafe cafe-spin_cafe-spin",
            ts, " ")
  for (i = 1; i <= n; ++i) {
    k = "t:" ts[i]
    printf "| %s | %s | %s |\n", pair_name(ts[i], "->"), fmt_rate(median(k)),
           fmt_x(ratio(k, "t:beam_beam"))
  }
  print ""
  print "| ping-pong (pinger<->echo) | CPUs | median us | p99 us | " \
        "median vs BEAM<->BEAM |"
  print "|---|---|---:|---:|---:|"
  n = split("same:beam_beam same:cafe_beam same:beam_cafe same:cafe_cafe " \
            "same:cafe-mailbox_beam same:cafe-mailbox_cafe " \
            "split:beam_beam split:cafe_cafe split:cafe-spin_cafe-spin " \
            "split:cafe-spin_beam", rs, " ")
  for (i = 1; i <= n; ++i) {
    split(rs[i], parts, ":")
    if (median("r:" rs[i]) == "-" && parts[1] == "split")
      continue
    printf "| %s | %s | %s | %s | %s |\n", pair_name(parts[2], "<->"),
           parts[1] == "same" ? "same" : "split",
           fmt_us(median("r:" rs[i])), fmt_us(median("p:" rs[i])),
           fmt_x(ratio("r:" rs[i], "r:" parts[1] ":beam_beam"))
  }
  print ""
  print "| target (issue #3) | ratio | verdict |"
  print "|---|---:|---|"
  x = ratio("t:cafe_beam", "t:beam_beam")
  printf "| cafe->BEAM >= 1.0x BEAM->BEAM | %s | %s |\n", fmt_x(x),
         verdict(x, 1.0, 1)
  x = ratio("t:cafe_cafe", "t:beam_beam")
  printf "| cafe->cafe >= 3x BEAM->BEAM | %s | %s |\n", fmt_x(x),
         verdict(x, 3.0, 1)
  x = ratio("r:same:cafe_cafe", "r:same:beam_beam")
  printf "| cafe<->cafe RTT <= 0.5x BEAM<->BEAM (same CPU) | %s | %s |\n",
         fmt_x(x), verdict(x, 0.5, 0)
  x = ratio("r:split:cafe_cafe", "r:split:beam_beam")
  if (x != "-")
    printf "| cafe<->cafe RTT <= 0.5x BEAM<->BEAM (split CPUs) | %s | %s |\n",
           fmt_x(x), verdict(x, 0.5, 0)
}' "$results"
