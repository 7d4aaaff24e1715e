#!/usr/bin/env bash
# Baseline: broadcast fan-out with the Phoenix.PubSub test double between
# two Elixir nodes (no cafe involved): one publisher on bench_a, 500
# subscribers on bench_a and 500 on bench_b, N broadcasts each carrying its
# send time (see bench_fanout.exs for the clock). Prints one line on stdout:
#
#   elixir_elixir delivered_per_s=... p99_us=... messages=2000 subscribers=1000 ...
#
# delivered_per_s: deliveries to subscribers (both nodes) per second, from
# the first broadcast to the last arrival. By default the publisher sends as
# fast as it can, so p99 is mostly queueing behind earlier broadcasts (at
# bench_b's worker, which dispatches each message to 500 local pids);
# PHX_BENCH_RATE=R paces it to R broadcasts/s for a latency below
# saturation.
#
# Environment: PHX_BENCH_MESSAGES (2000), PHX_BENCH_SUBSCRIBERS_PER_NODE
# (500), PHX_BENCH_POOL_SIZE (1), PHX_BENCH_WARMUP (200), PHX_BENCH_RATE
# (0 = unpaced). Bounded: each
# measurement waits at most 60 s, the script at most PHX_DEADLINE_S (240).
set -euo pipefail

# shellcheck source=peer_lib.sh
source "$(cd "$(dirname "$0")" && pwd)/peer_lib.sh"

messages=${PHX_BENCH_MESSAGES:-2000}
per_node=${PHX_BENCH_SUBSCRIBERS_PER_NODE:-500}
pool=${PHX_BENCH_POOL_SIZE:-1}
warmup=${PHX_BENCH_WARMUP:-200}
rate=${PHX_BENCH_RATE:-0}
export PHX_DEADLINE_S=${PHX_DEADLINE_S:-240}

phx_init
phx_start_epmd
phx_launch bench_a pool_size="$pool"
phx_launch bench_b pool_size="$pool"
phx_wait_ready bench_a
phx_wait_ready bench_b

for n in bench_a bench_b; do
  phx_eval $n "Code.require_file(\"$phx_dir/bench_fanout.exs\"); :ok"
done
phx_expect bench_a 'Node.connect(:"bench_b@127.0.0.1")' 'true'
for n in bench_a bench_b; do
  phx_expect $n "Enum.map(Phoenix.PubSub.PG2.group_names(PhxPeer.adapter_name(), $pool), &PhxPeer.wait_member_nodes(&1, [:\"bench_a@127.0.0.1\", :\"bench_b@127.0.0.1\"])) |> Enum.uniq()" '[:ok]'
  phx_eval $n "PhxPeer.FanoutBench.start_subscribers($per_node, \"fanout\")"
done

phx_eval bench_a "PhxPeer.FanoutBench.run($messages, \"fanout\", :\"bench_b@127.0.0.1\", warmup: $warmup, rate: $rate, timeout_ms: 60_000)" 150
# ok "elixir_elixir ..." -> the line itself
line=${PHX_REPLY#ok \"}
line=${line%\"}
printf '%s\n' "$line"
