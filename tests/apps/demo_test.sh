#!/usr/bin/env bash
# scripts/demo.sh, the README's main command, runs until its first "keeps
# running" line: the real erl it starts pings the cafe node, gets echo
# replies and calls its CAF actors. The demo uses the product's defaults
# (every interface, EPMD's port 4369, ~/.erlang.cookie), so it runs in a
# private network namespace with only loopback, and with a fresh HOME; the
# demo and everything it started are killed by process group.
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
: >"$log"
setsid unshare "${unshare_args[@]}" bash -c \
  'ip link set lo up && HOME="$1" ERL_CRASH_DUMP_SECONDS=0 exec "$2/scripts/demo.sh"' \
  demo "$work/home" "$src" >"$log" 2>&1 &
pid=$!
trap 'kill -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for ((i = 0; i < 1200; i++)); do
  grep -q "keeps running" "$log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
fail() {
  echo "demo: $1" >&2
  cat "$log" >&2
  exit 1
}
grep -q "keeps running" "$log" || fail "no 'keeps running' line within 120 s"
grep -qE "^net_adm:ping\(cafe@[^)]*\) -> pong$" "$log" || fail "no pong"
grep -q "^echo from .*{hello,<<\"from erl\">>" "$log" || fail "no echo reply"
grep -q "^gen_server:call(counter, incr) -> 1$" "$log" || fail "counter"
grep -q "^gen_server:call(counter, {add, 41}) -> 42$" "$log" ||
  fail "counter add"
grep -q '^gen_server:call(kv, {get, <<"lang">>}) -> {ok,\[erlang,{cpp,caf}\]}$' \
  "$log" || fail "kv"
echo "demo: ran to its first 'keeps running' line with every answer right"
rm -rf "$work"
