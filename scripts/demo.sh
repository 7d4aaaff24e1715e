#!/usr/bin/env bash
# The main job, on embedded defaults: builds cafe and starts a local
# three-node chat cluster (cafe-chat on ports 8080, 8081, 8082), the nodes
# finding each other through the EPMD the first one embeds (none needs to
# be installed), the cookie from ~/.erlang.cookie as erl uses it. Open any
# of the URLs it prints, in several tabs or browsers: every node shares the
# rooms, the history and who is present. Ctrl-C stops all three.
#
# Add an Elixir node that joins room:lobby over the Phoenix.PubSub wire and
# posts a message (from another shell, while this runs):
#   elixir --sname ex apps/chat/elixir/chat_peer.exs
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on relative paths, so every checkout shares one cache.
export CCACHE_BASEDIR="$PWD"
# Debug info then names the first checkout's directory, which is fine for
# tests; without this every checkout of a -g build misses the cache.
export CCACHE_NOHASHDIR=true

scripts/setup-deps.sh
# The phoenix npm package, whose client cafe-chat serves to the page
# (package-lock.json; the tests' dev packages are left out).
if [[ ! -d node_modules/phoenix \
  || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --omit=dev --ignore-scripts --no-audit --no-fund
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target cafe-chat

pids=()
stop_all() {
  trap - INT TERM EXIT
  ((${#pids[@]})) || return 0
  echo
  echo "== stopping the chat nodes"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

ready_line() { # LOG: waits up to 30 s for cafe-chat's ready line
  local log=$1 i
  for ((i = 0; i < 300; i++)); do
    grep -m1 'listening on' "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "cafe-chat did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

logs=$(mktemp -d)
for n in 1 2 3; do
  port=$((8079 + n))
  build/apps/chat/cafe-chat --sname "chat$n" --port "$port" \
    --discovery local-epmd --local-epmd.interval 1000 \
    >"$logs/chat$n.out" 2>"$logs/chat$n.log" &
  pids+=($!)
  # The first node's embedded EPMD must be up before the others register.
  ready_line "$logs/chat$n.out" >/dev/null
done

echo
echo "== cafe-chat: three nodes, one cluster (logs in $logs)"
for n in 1 2 3; do
  echo "   node chat$n: http://localhost:$((8079 + n))/"
done
echo
echo "   Add an Elixir node that joins room:lobby and posts a message:"
echo "     elixir --sname ex apps/chat/elixir/chat_peer.exs"
echo "   Ctrl-C stops the cluster."
wait "${pids[0]}"
