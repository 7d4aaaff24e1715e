#!/usr/bin/env bash
# Phoenix.PubSub broadcast fan-out (issue #10): one publisher, subscribers
# spread over two nodes (500 + 500 by default), N broadcasts of
# {fanout, Seq, SentNs}; delivered messages per second (all deliveries on
# both nodes, from the first broadcast to the last arrival) and latency
# percentiles (SentNs is CLOCK_REALTIME, read again by each subscriber).
# Scenarios, each on fresh nodes, interleaved within every run:
#
#   elixir_elixir  publisher + subscribers on Elixir node A, subscribers on
#                  Elixir node B: the Phoenix.PubSub test double's baseline
#                  (tests/support/phoenix_pubsub/bench_fanout.exs)
#   cafe_cafe      publisher + CAF-actor subscribers (groups::topics) on cafe
#                  node A, CAF-actor subscribers on cafe node B
#                  (bench/pubsub/pubsub_node.cpp)
#   cafe_elixir    cafe node A (publisher + actors), Elixir node B
#   elixir_cafe    Elixir node A (publisher + processes), cafe node B
#   cafe_cafe_process
#                  cafe_cafe with plain node processes as subscribers (no
#                  CAF actor, no bridge): what the node and the pubsub
#                  cost by themselves
#
# Prints, per run, one line per scenario and the ratios to elixir_elixir,
# then the medians over the runs (ratios: taken per run, then the median):
#
#   elixir_elixir delivered_per_s=... p99_us=... messages=2000 subscribers=1000 ...
#   cafe_cafe/elixir_elixir delivered_per_s ratio=X
#
#   bench/run_pubsub.sh [RUNS]        # default 3
#
# Environment: CAFE_BENCH_PUBSUB_MESSAGES (2000 measured broadcasts, after
# CAFE_BENCH_PUBSUB_WARMUP, 200), CAFE_BENCH_PUBSUB_SUBSCRIBERS_PER_NODE
# (500), CAFE_BENCH_PUBSUB_RATE (broadcasts/s, 0 = as fast as the publisher
# can), CAFE_BENCH_PUBSUB_POOL_SIZE (1, the same on every node),
# CAFE_BENCH_PUBSUB_SCENARIOS ("elixir_elixir cafe_cafe cafe_elixir
# elixir_cafe cafe_cafe_process"), CAFE_BENCH_PUBSUB_BUILD_DIR (build-bench-pubsub; "" skips
# configure and build when CAFE_BENCH_PUBSUB_NODE names a binary).
#
# Every node is a separate OS process on 127.0.0.1 with a private epmd on a
# free port (tests/support/phoenix_pubsub/peer_lib.sh): each is started in
# its own process group, recorded, and killed by PID on every exit path (a
# watchdog does it if this script is SIGKILLed); cafe nodes also end by
# themselves after their --deadline-s, each measurement waits at most 60 s,
# the script at most PHX_DEADLINE_S (default 300 s per run).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
messages=${CAFE_BENCH_PUBSUB_MESSAGES:-2000}
warmup=${CAFE_BENCH_PUBSUB_WARMUP:-200}
per_node=${CAFE_BENCH_PUBSUB_SUBSCRIBERS_PER_NODE:-500}
rate=${CAFE_BENCH_PUBSUB_RATE:-0}
pool=${CAFE_BENCH_PUBSUB_POOL_SIZE:-1}
scenarios=${CAFE_BENCH_PUBSUB_SCENARIOS:-elixir_elixir cafe_cafe cafe_elixir elixir_cafe cafe_cafe_process}
build=${CAFE_BENCH_PUBSUB_BUILD_DIR-$root/build-bench-pubsub}
node_bin=${CAFE_BENCH_PUBSUB_NODE:-$build/bench/pubsub/bench_pubsub_node}
topic=fanout
# Longest wait for one measurement (warm-up + measured run) and a node's
# longest life.
measure_timeout=150
node_deadline=240

if [[ -n $build ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCAFE_BUILD_TESTS=OFF -DCAFE_BUILD_APPS=OFF -DCAFE_BUILD_BENCH=ON >&2
  ninja -C "$build" -j2 bench_pubsub_node >&2
fi
[[ -x $node_bin ]] || { echo "no bench_pubsub_node at $node_bin" >&2; exit 1; }

export PHX_DEADLINE_S=${PHX_DEADLINE_S:-$((120 + 300 * runs))}
# shellcheck source=../tests/support/phoenix_pubsub/peer_lib.sh
source "$root/tests/support/phoenix_pubsub/peer_lib.sh"
phx_init
phx_start_epmd

# -- Elixir nodes (peer.exs through peer_lib.sh) ------------------------------

# elixir_node ID: an Elixir node running the test double, bench_fanout.exs
# loaded, PER_NODE subscribers on the topic.
elixir_node() {
  phx_launch "$1" pool_size="$pool"
  phx_wait_ready "$1"
  phx_eval "$1" "Code.require_file(\"$phx_dir/bench_fanout.exs\"); :ok"
  phx_eval "$1" "PhxPeer.FanoutBench.start_subscribers($per_node, \"$topic\")"
}

# elixir_publish A B LABEL [ELIXIR_NODES...]: connects A to B, waits until
# A (and the other Elixir nodes given) see both nodes' workers in every
# group, runs FanoutBench.run on A; its line, with LABEL as the first word,
# goes to result_line.
elixir_publish() {
  local a=$1 b=$2 label=$3 n line
  shift 3
  phx_expect "$a" "Node.connect(:\"$b@127.0.0.1\")" 'true'
  for n in "$a" "$@"; do
    phx_expect "$n" "Enum.map(Phoenix.PubSub.PG2.group_names(PhxPeer.adapter_name(), $pool), &PhxPeer.wait_member_nodes(&1, [:\"$a@127.0.0.1\", :\"$b@127.0.0.1\"])) |> Enum.uniq()" '[:ok]'
  done
  phx_eval "$a" "PhxPeer.FanoutBench.run($messages, \"$topic\", :\"$b@127.0.0.1\", warmup: $warmup, rate: $rate, timeout_ms: 60_000)" "$measure_timeout"
  # ok "elixir_elixir ..." -> the line itself, relabelled
  line=${PHX_REPLY#ok \"}
  line=${line%\"}
  result_line="$label ${line#* }"
}

# -- cafe nodes (bench_pubsub_node) -------------------------------------------

declare -A CAFE_PID=()

# cafe_node ID [ARGS...]: starts ID@127.0.0.1 (own process group, recorded
# for the cleanup); stdout to $PHX_WORK/ID.out.
cafe_node() {
  local id=$1
  shift
  setsid "$node_bin" --name "$id@127.0.0.1" --cookie "$PHX_COOKIE" \
    --epmd-port "$ERL_EPMD_PORT" --listen 127.0.0.1 \
    --pubsub MyApp.PubSub --pool-size "$pool" --subscribers "$per_node" \
    --topic "$topic" --capacity $((warmup + messages + 100)) \
    --deadline-s "$node_deadline" "$@" \
    </dev/null >"$PHX_WORK/$id.out" 2>"$PHX_WORK/$id.err" &
  CAFE_PID[$id]=$!
  phx_track "${CAFE_PID[$id]}"
}

# cafe_wait_ready ID: until it printed READY (bounded).
cafe_wait_ready() {
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    grep -qs '^READY' "$PHX_WORK/$1.out" && return 0
    phx_alive "${CAFE_PID[$1]}" || phx_die "cafe node $1 exited"
    sleep 0.05
  done
  phx_die "cafe node $1 not ready"
}

# cafe_wait_line ID: until the publisher ID exited (bounded); its result
# line goes to result_line.
cafe_wait_line() {
  local id=$1 deadline=$((SECONDS + measure_timeout))
  while phx_alive "${CAFE_PID[$id]}" && ((SECONDS < deadline)); do
    sleep 0.1
  done
  phx_alive "${CAFE_PID[$id]}" && phx_die "cafe publisher $id did not finish"
  wait "${CAFE_PID[$id]}" 2>/dev/null || phx_die "cafe publisher $id failed"
  result_line=$(grep -m 1 'delivered_per_s=' "$PHX_WORK/$id.out") ||
    phx_die "cafe publisher $id printed no result"
}

# cafe_stop ID: SIGTERM to its group, SIGKILL after 5 s; reaps it.
cafe_stop() {
  local pid=${CAFE_PID[$1]} deadline=$((SECONDS + 5))
  kill -TERM -- "-$pid" 2>/dev/null || true
  while phx_alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.05
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "CAFE_PID[$1]"
}

# -- scenarios ----------------------------------------------------------------

# scenario NAME RUN: one measurement on fresh nodes; its line goes to
# result_line. (Not in a subshell: the nodes it starts must be recorded
# in this shell for the cleanup.)
result_line=
scenario() {
  local name=$1 a="${1}_${2}_a" b="${1}_${2}_b"
  case $name in
    elixir_elixir)
      elixir_node "$a"
      elixir_node "$b"
      elixir_publish "$a" "$b" "$name" "$b"
      phx_stop "$a"
      phx_stop "$b"
      ;;
    cafe_cafe | cafe_cafe_process)
      local kind=actor
      [[ $name == cafe_cafe ]] || kind=process
      cafe_node "$b" --kind "$kind"
      cafe_wait_ready "$b"
      cafe_node "$a" --kind "$kind" --publish "$b@127.0.0.1" \
        --messages "$messages" --warmup "$warmup" --rate "$rate" \
        --label "$name"
      cafe_wait_line "$a"
      cafe_stop "$b"
      ;;
    cafe_elixir)
      elixir_node "$b"
      cafe_node "$a" --publish "$b@127.0.0.1" --messages "$messages" \
        --warmup "$warmup" --rate "$rate" --label "$name"
      cafe_wait_line "$a"
      phx_stop "$b"
      ;;
    elixir_cafe)
      cafe_node "$b"
      cafe_wait_ready "$b"
      elixir_node "$a"
      elixir_publish "$a" "$b" "$name"
      phx_stop "$a"
      cafe_stop "$b"
      ;;
    *) phx_die "unknown scenario $name" ;;
  esac
}

# field LINE KEY: the value of KEY=... in LINE.
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

read -r -a order <<<"$scenarios"
declare -A rates=() p99s=() p50s=() ratios=() line=()
for r in $(seq 1 "$runs"); do
  phx_section "run $r of $runs"
  # Rotated each run, so no scenario always goes first.
  line=()
  for i in "${!order[@]}"; do
    s=${order[$(((i + r - 1) % ${#order[@]}))]}
    phx_section "  $s"
    scenario "$s" "$r"
    line[$s]=$result_line
  done
  for s in "${order[@]}"; do
    printf '%s\n' "${line[$s]}"
    rates[$s]+="$(field "${line[$s]}" delivered_per_s) "
    p99s[$s]+="$(field "${line[$s]}" p99_us) "
    p50s[$s]+="$(field "${line[$s]}" p50_us) "
  done
  if [[ -n ${line[elixir_elixir]:-} ]]; then
    base=$(field "${line[elixir_elixir]}" delivered_per_s)
    for s in "${order[@]}"; do
      [[ $s != elixir_elixir ]] || continue
      x=$(ratio "$(field "${line[$s]}" delivered_per_s)" "$base")
      ratios[$s]+="$x "
      echo "$s/elixir_elixir delivered_per_s ratio=$x"
    done
  fi
done

echo "medians over $runs runs (messages=$messages warmup=$warmup subscribers=$((2 * per_node)) rate=$rate pool_size=$pool):"
for s in "${order[@]}"; do
  printf '%s delivered_per_s=%s p50_us=%s p99_us=%s (delivered_per_s of the runs: %s)\n' "$s" \
    "$(tr ' ' '\n' <<<"${rates[$s]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${p50s[$s]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${p99s[$s]}" | grep . | median)" "${rates[$s]% }"
done
for s in "${order[@]}"; do
  [[ -n ${ratios[$s]:-} ]] || continue
  printf '%s/elixir_elixir delivered_per_s ratio=%s (runs: %s)\n' "$s" \
    "$(tr ' ' '\n' <<<"${ratios[$s]}" | grep . | median)" "${ratios[$s]% }"
done
