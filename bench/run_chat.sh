#!/usr/bin/env bash
# The chat benchmark (issue #12): N WebSocket clients in one room,
# `room:bench`, each pushing one new_msg a second (random phase, +-10 %
# jitter), every message delivered to every member. The load generator
# (bench/chat/load_gen.cpp, Boost.Beast, one process) counts the new_msg
# frames its clients receive inside the measured window (delivered/s) and
# their latency from the send time in each body (p50/p99). Scenarios, each
# on freshly started servers:
#
#   cafe   3 cafe-chat nodes (one cluster, EPMD-less, discovery epmd), the
#          clients spread round-robin over them
#   node   bench/chat/ws_baseline.mjs: Node.js + npm `ws` on one node,
#          the same frames and fan-out, no presence, history or limits
#
# then, on fresh servers again, the RSS per idle client: the servers' RSS
# with CLIENTS_IDLE clients joined and silent (heartbeats only) minus their
# RSS with none, divided by CLIENTS_IDLE (all 3 cafe-chat nodes summed).
#
#   bench/run_chat.sh [RUNS]          # default 1; medians over the runs
#
# Environment: CAFE_BENCH_CHAT_CLIENTS ("1000 5000"), CAFE_BENCH_CHAT_RATES
# ("1": new_msg per client per second; a list sweeps),
# CAFE_BENCH_CHAT_WARMUP (5 s), CAFE_BENCH_CHAT_DURATION (20 s measured),
# CAFE_BENCH_CHAT_THREADS (2 generator threads),
# CAFE_BENCH_CHAT_IDLE_CLIENTS (5000; 0 skips), CAFE_BENCH_CHAT_SCENARIOS
# ("cafe node"), CAFE_BENCH_CHAT_SETTLE_S (300: longest wait for the
# joins' presence frames to stop before sending),
# CAFE_BENCH_CHAT_SERVER_ARGS (extra cafe-chat flags), CAFE_BENCH_CHAT_BUILD_DIR (build-bench-chat,
# Release; "" skips configure and build when CAFE_BENCH_CHAT_GEN and
# CAFE_BENCH_CHAT_SERVER name the binaries).
#
# Everything listens on 127.0.0.0/8. Each server and generator runs in its
# own process group, recorded, and is killed by PID on every exit path; a
# watchdog kills them if this script is killed or overruns its deadline
# (CAFE_BENCH_CHAT_DEADLINE_S, default from the sizes and runs).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
read -r -a sizes <<<"${CAFE_BENCH_CHAT_CLIENTS:-1000 5000}"
read -r -a scenarios <<<"${CAFE_BENCH_CHAT_SCENARIOS:-cafe node}"
read -r -a msg_rates <<<"${CAFE_BENCH_CHAT_RATES:-1}"
warmup=${CAFE_BENCH_CHAT_WARMUP:-5}
duration=${CAFE_BENCH_CHAT_DURATION:-20}
threads=${CAFE_BENCH_CHAT_THREADS:-2}
idle_clients=${CAFE_BENCH_CHAT_IDLE_CLIENTS:-5000}
read -r -a server_args <<<"${CAFE_BENCH_CHAT_SERVER_ARGS:-}"
build=${CAFE_BENCH_CHAT_BUILD_DIR-$root/build-bench-chat}
gen=${CAFE_BENCH_CHAT_GEN:-$build/bench/chat/bench_chat_load}
server=${CAFE_BENCH_CHAT_SERVER:-$build/apps/chat/cafe-chat}
baseline=$root/bench/chat/ws_baseline.mjs
connect_timeout=180
settle_timeout=${CAFE_BENCH_CHAT_SETTLE_S:-300}
# One load scenario: start-up, joins, presence settling, warm-up, window,
# drain, stop.
scenario_s=$((60 + connect_timeout + settle_timeout + ${warmup%.*} + ${duration%.*}))
deadline_s=${CAFE_BENCH_CHAT_DEADLINE_S:-$((120 + runs * ${#msg_rates[@]} * ${#sizes[@]} * ${#scenarios[@]} * scenario_s + 2 * (connect_timeout + 120)))}

die() {
  echo "run_chat.sh: $*" >&2
  exit 1
}

command -v node >/dev/null || die "node not found (Debian: apt-get install nodejs)"
[[ -f $root/node_modules/ws/package.json ]] ||
  die "npm ws missing: run 'npm ci' in $root"
if [[ -n $build ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCAFE_BUILD_TESTS=OFF -DCAFE_BUILD_APPS=ON -DCAFE_BUILD_BENCH=ON >&2
  ninja -C "$build" -j2 bench_chat_load cafe-chat >&2
fi
[[ -x $gen ]] || die "no load generator at $gen"
[[ " ${scenarios[*]} " != *" cafe "* || -x $server ]] ||
  die "no cafe-chat at $server"
# N clients are N sockets in the generator and in the servers.
ulimit -n "$(ulimit -Hn)"
most=$idle_clients
for n in "${sizes[@]}"; do ((n > most)) && most=$n; done
(($(ulimit -n) > most + 256)) ||
  die "ulimit -n is $(ulimit -n): too few descriptors for $most clients"

work=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-chat.XXXXXX")
pidfile=$work/pids
: >"$pidfile"
declare -A PID=()

# launch NAME CMD...: in its own process group (setsid execs, so the PID is
# the group), recorded; output in $work/NAME.{out,err}.
launch() {
  local name=$1
  shift
  # Emptied here, not by the background redirection, so no reader sees the
  # previous run's lines.
  : >"$work/$name.out"
  : >"$work/$name.err"
  setsid "$@" </dev/null >>"$work/$name.out" 2>>"$work/$name.err" &
  PID[$name]=$!
  echo "$!" >>"$pidfile"
}

alive() { kill -0 "$1" 2>/dev/null; }

# stop NAME: TERM to its group, KILL after 5 s, reaped.
stop() {
  local pid=${PID[$1]:-} deadline=$((SECONDS + 5))
  [[ -n $pid ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.05; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$1]"
}

stop_all() {
  local n
  for n in "${!PID[@]}"; do stop "$n"; done
}

cleanup() {
  local rc=$?
  stop_all
  [[ -n ${watchdog:-} ]] && kill "$watchdog" 2>/dev/null
  if ((rc != 0)); then
    echo "run_chat.sh: failed; logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# If this shell dies (even by SIGKILL) or overruns, every recorded group is
# killed.
(
  self=$$
  end=$((SECONDS + deadline_s))
  while alive "$self" && ((SECONDS < end)); do sleep 1; done
  while read -r p; do kill -KILL -- "-$p" 2>/dev/null || true; done <"$pidfile"
  alive "$self" && kill -TERM "$self"
) </dev/null >/dev/null 2>&1 &
watchdog=$!

free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# wait_line NAME PATTERN SECONDS: the first line of NAME's stdout matching
# PATTERN, or dies (the process exited, or the time ran out).
wait_line() {
  local name=$1 pattern=$2 deadline=$((SECONDS + $3)) line
  while ((SECONDS < deadline)); do
    if line=$(grep -m1 -e "$pattern" "$work/$name.out" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    alive "${PID[$name]}" || {
      tail -20 "$work/$name.err" >&2
      die "$name exited before printing '$pattern'"
    }
    sleep 0.05
  done
  tail -20 "$work/$name.err" >&2
  die "$name: no '$pattern' within $3 s"
}

# The http://ADDR:PORT of a "... listening on http://ADDR:PORT" line.
listen_addr() { sed -n 's|.*listening on http://\([^ /]*\).*|\1|p' <<<"$1"; }

urls=()
server_pids=()

# start_cafe: three cafe-chat nodes, chat@127.0.0.{1,2,3}, without EPMD on
# one distribution port, clustered by the epmd plugin; HTTP on free ports.
# Returns when every node lists both others in /metrics' cluster gauge, or
# when /readyz says ready if the program has no such gauge.
start_cafe() {
  local dist cookie hosts n addr line deadline
  dist=$(free_port)
  cookie=bench$RANDOM$RANDOM
  hosts=chat@127.0.0.1,chat@127.0.0.2,chat@127.0.0.3
  urls=()
  server_pids=()
  for n in 1 2 3; do
    launch "chat$n" "$server" --name "chat@127.0.0.$n" --cookie "$cookie" \
      --erl-epmd-port "$dist" --listen "127.0.0.$n" --bind 127.0.0.1 \
      --port 0 --discovery epmd --epmd.hosts "$hosts" "${server_args[@]}"
  done
  for n in 1 2 3; do
    line=$(wait_line "chat$n" 'listening on http://' 60)
    addr=$(listen_addr "$line")
    urls+=("ws://$addr/socket/websocket")
    server_pids+=("${PID[chat$n]}")
    deadline=$((SECONDS + 60))
    until curl -fsS -o /dev/null "http://$addr/readyz"; do
      ((SECONDS < deadline)) || die "chat$n not ready (GET /readyz)"
      alive "${PID[chat$n]}" || die "chat$n exited"
      sleep 0.2
    done
  done
  wait_mesh
}

# metric ADDR NAME: a value from cafe-chat's /metrics ("" if absent).
metric() {
  curl -fsS "http://$1/metrics" 2>/dev/null |
    awk -v m="$2" '$1 == m {print $2; exit}' || true
}

addrs() {
  local u a
  for u in "${urls[@]}"; do
    a=${u#ws://}
    echo "${a%%/*}"
  done
}

# wait_mesh: each node connected to the two others and hearing from their
# rooms (bounded).
wait_mesh() {
  local addr n deadline=$((SECONDS + 60))
  for addr in $(addrs); do
    while :; do
      n=$(metric "$addr" cafe_chat_chat_peers)
      [[ -n $n ]] || n=$(metric "$addr" cafe_chat_cluster_nodes)
      [[ -n $n && ${n%.*} -ge 2 ]] && break
      ((SECONDS < deadline)) || die "cluster not formed at $addr ($n peers)"
      sleep 0.2
    done
  done
}

# server_counts: the cafe nodes' dropped slow clients and refused messages,
# summed, as " slow_dropped=N rejected=M" (empty for the baseline).
server_counts() {
  local addr dropped=0 rejected=0 v
  [[ -n ${PID[chat1]:-} ]] || return 0
  for addr in $(addrs); do
    v=$(metric "$addr" cafe_chat_slow_clients_dropped_total)
    v=${v:-0}
    dropped=$((dropped + ${v%.*}))
    v=$(metric "$addr" cafe_chat_messages_rejected_total)
    v=${v:-0}
    rejected=$((rejected + ${v%.*}))
  done
  echo " slow_dropped=$dropped rejected=$rejected"
}

start_node() {
  local line
  launch ws node "$baseline" --port 0 --bind 127.0.0.1
  line=$(wait_line ws 'listening on http://' 30)
  urls=("ws://$(listen_addr "$line")/socket/websocket")
  server_pids=("${PID[ws]}")
}

stop_servers() {
  stop chat1
  stop chat2
  stop chat3
  stop ws
}

url_args() {
  local u
  for u in "${urls[@]}"; do printf -- '--url\n%s\n' "$u"; done
}

# load NAME CLIENTS RATE: one measurement on fresh servers; its line goes
# to result_line.
result_line=
load() {
  local name=$1 clients=$2 rate=$3 args
  case $name in
    cafe) start_cafe ;;
    node) start_node ;;
    *) die "unknown scenario $name" ;;
  esac
  mapfile -t args < <(url_args)
  local cpu0 hz
  cpu0=$(cpu_ticks "${server_pids[@]}")
  hz=$(getconf CLK_TCK)
  launch gen "$gen" "${args[@]}" --clients "$clients" --rate "$rate" \
    --warmup "$warmup" --duration "$duration" --threads "$threads" \
    --connect-timeout "$connect_timeout" --settle-timeout "$settle_timeout" \
    --label "$name"
  result_line=$(wait_line gen 'delivered_per_s=' "$scenario_s")
  result_line+=$(server_counts)
  result_line+=" server_cpu_s=$(awk -v t="$(($(cpu_ticks "${server_pids[@]}") - cpu0))" -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }')"
  stop gen
  grep -h 'first error' "$work/gen.err" >&2 || true
  stop_servers
}

# cpu_ticks PIDS...: user + system clock ticks of these processes, summed.
cpu_ticks() {
  local pid sum=0 f
  for pid in "$@"; do
    # Fields after the command name's closing parenthesis: utime is the
    # 12th, stime the 13th.
    f=$(sed 's/.*) //' "/proc/$pid/stat")
    sum=$((sum + $(awk '{print $12 + $13}' <<<"$f")))
  done
  echo "$sum"
}

rss_kib() {
  local pid sum=0
  for pid in "$@"; do
    sum=$((sum + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")))
  done
  echo "$sum"
}

# idle NAME: RSS per idle client in bytes, into result_line.
idle() {
  local name=$1 before after args
  case $name in
    cafe) start_cafe ;;
    node) start_node ;;
  esac
  before=$(rss_kib "${server_pids[@]}")
  mapfile -t args < <(url_args)
  launch gen "$gen" "${args[@]}" --clients "$idle_clients" \
    --threads "$threads" --connect-timeout "$connect_timeout" \
    --settle-timeout "$settle_timeout" --idle-seconds 60 --label "$name"
  wait_line gen 'IDLE READY' "$((connect_timeout + settle_timeout + 30))" >/dev/null
  # Joins are answered before presence and history settle everywhere:
  # sample until the sum stops growing (at most 20 s).
  local prev=0 deadline=$((SECONDS + 20))
  after=$(rss_kib "${server_pids[@]}")
  while ((after != prev && SECONDS < deadline)); do
    prev=$after
    sleep 2
    after=$(rss_kib "${server_pids[@]}")
  done
  stop gen
  stop_servers
  result_line="$name idle_clients=$idle_clients rss_before_kib=$before rss_after_kib=$after bytes_per_idle_client=$(((after - before) * 1024 / idle_clients))"
}

field() {
  local v=${1##*" $2="}
  echo "${v%% *}"
}

median() {
  sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'
}

ratio() {
  awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "-" }'
}

declare -A rates=() p50s=() p99s=() closed=()
for r in $(seq 1 "$runs"); do
  for rate in "${msg_rates[@]}"; do
    for size in "${sizes[@]}"; do
      for i in "${!scenarios[@]}"; do
        # Rotated each run, so no scenario always goes first.
        s=${scenarios[$(((i + r - 1) % ${#scenarios[@]}))]}
        echo "== run $r/$runs: $s, $size clients, $rate new_msg/client/s" >&2
        load "$s" "$size" "$rate"
        echo "$result_line rate=$rate"
        key="$s $size $rate"
        rates[$key]+="$(field "$result_line" delivered_per_s) "
        p50s[$key]+="$(field "$result_line" p50_us) "
        p99s[$key]+="$(field "$result_line" p99_us) "
        closed[$key]+="$(field "$result_line" closed_clients) "
      done
    done
  done
done

idle_lines=()
if ((idle_clients > 0)); then
  for s in "${scenarios[@]}"; do
    echo "== idle: $s, $idle_clients clients" >&2
    idle "$s"
    echo "$result_line"
    idle_lines+=("$result_line")
  done
fi

med() { tr ' ' '\n' <<<"$1" | { grep . || true; } | median; }
echo
echo "medians over $runs run(s); warmup=${warmup}s window=${duration}s generator threads=$threads"
echo "| clients | new_msg/client/s | server | delivered msg/s | expected msg/s | p50 ms | p99 ms | clients dropped | delivered vs node |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|"
for rate in "${msg_rates[@]}"; do
  for size in "${sizes[@]}"; do
    for s in "${scenarios[@]}"; do
      key="$s $size $rate"
      d=$(med "${rates[$key]}")
      base=$(med "${rates[node $size $rate]:-}")
      awk -v c="$size" -v s="$s" -v d="$d" -v r="$rate" \
        -v p50="$(med "${p50s[$key]}")" -v p99="$(med "${p99s[$key]}")" \
        -v cl="$(med "${closed[$key]}")" -v x="$(ratio "$d" "$base")" \
        'BEGIN {
           lat = d > 0 ? sprintf("%.1f | %.1f", p50 / 1000, p99 / 1000) : "- | -"
           printf "| %d | %s | %s | %.0f | %.0f | %s | %d | %s |\n", c, r, s, d, c * c * r, lat, cl, x
         }'
    done
  done
done
for l in "${idle_lines[@]}"; do
  echo "RSS per idle client: $(field "$l" bytes_per_idle_client) bytes ($l)"
done
