#!/usr/bin/env bash
# scripts/demo.sh, the README's main command: it brings up the three-node
# chat on embedded defaults (every interface, ports 8080-8082, the first
# node's embedded EPMD on 4369, ~/.erlang.cookie), so it runs in a private
# network namespace with only loopback and a fresh HOME. Once it prints its
# URLs, demo_check.mjs drives the official Phoenix client against two of
# the nodes and the README's second command (the Elixir peer) posts into
# room:lobby; then the demo gets Ctrl-C and must stop every node.
#
# Usage: demo_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work/home"
unshare_args=(-n)
((EUID == 0)) || unshare_args=(-r -n)
log=$work/demo.log
check_log=$work/check.log
: >"$log"
# Inside the namespace: the demo in the background, the checks once it is
# up, then SIGINT to the demo (its Ctrl-C) and its exit status.
inside='
set -u
ip link set lo up
src=$1 log=$2 check_log=$3
HOME=$4 ERL_CRASH_DUMP_SECONDS=0 setsid "$src/scripts/demo.sh" >"$log" 2>&1 &
demo=$!
for ((i = 0; i < 1800; i++)); do
  grep -q "Ctrl-C stops the cluster" "$log" && break
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
status=0
if grep -q "Ctrl-C stops the cluster" "$log"; then
  HOME=$4 ERL_CRASH_DUMP_SECONDS=0 node "$src/tests/apps/demo_check.mjs" \
    "$src" >"$check_log" 2>&1 || status=$?
else
  echo "no ready line within 180 s" >"$check_log"
  status=1
fi
kill -INT -- -"$demo" 2>/dev/null
for ((i = 0; i < 150; i++)); do
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$demo" 2>/dev/null; then
  echo "demo still running 15 s after Ctrl-C" >>"$check_log"
  kill -KILL -- -"$demo" 2>/dev/null
  status=1
fi
exit $status
'
setsid unshare "${unshare_args[@]}" bash -c "$inside" demo "$src" "$log" \
  "$check_log" "$work/home" &
pid=$!
trap 'kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
status=0
wait "$pid" || status=$?
if ((status != 0)); then
  echo "demo: failed (status $status)" >&2
  echo "--- demo output" >&2
  cat "$log" >&2
  echo "--- checks" >&2
  cat "$check_log" >&2 || true
  logs=$(sed -n 's/.*(logs in \([^)]*\)).*/\1/p' "$log" | head -1)
  for f in "${logs:-/nonexistent}"/*.log; do
    [[ -f $f ]] || continue
    echo "--- $f" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
fi
cat "$check_log"
grep -q "stopping the chat nodes" "$log" || {
  echo "demo: Ctrl-C did not stop the nodes" >&2
  cat "$log" >&2
  exit 1
}
echo "demo: the three-node chat ran, answered and stopped"
rm -rf "$work"
