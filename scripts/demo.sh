#!/usr/bin/env bash
# The main job, on embedded defaults: builds cafe, starts a cafe node (with
# its own EPMD when none runs, the cookie from ~/.erlang.cookie as erl uses
# it), lets a real Erlang node join it and talk to it, then keeps the cafe
# node running until Ctrl-C so more erl/iex nodes can join:
#   erl -sname me  ->  net_adm:ping('cafe@HOST'), {echo, 'cafe@HOST'} ! {self(), hi}.
#                      gen_server:call({counter, 'cafe@HOST'}, incr).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on relative paths, so every checkout shares one cache.
export CCACHE_BASEDIR="$PWD"
# Debug info then names the first checkout's directory, which is fine for
# tests; without this every checkout of a -g build misses the cache.
export CCACHE_NOHASHDIR=true

scripts/setup-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target cafe-node

host=$(hostname -s)
node="cafe@$host"
build/apps/cafe-node --sname cafe &
cafe_pid=$!
trap 'kill $cafe_pid 2>/dev/null; wait $cafe_pid 2>/dev/null' EXIT
sleep 1

echo
echo "== a real Erlang node joins $node"
erl -sname "demo_$$" -noshell -kernel inet_dist_use_interface '{127,0,0,1}' \
  -eval "
  Cafe = '$node',
  io:format(\"net_adm:ping(~p) -> ~p~n\", [Cafe, net_adm:ping(Cafe)]),
  io:format(\"nodes() -> ~p~n\", [nodes()]),
  {echo, Cafe} ! {self(), {hello, <<\"from erl\">>, [1.5, 1 bsl 70, #{k => v}]}},
  receive {From, Reply} ->
    io:format(\"echo from ~p (on ~p): ~p~n\", [From, node(From), Reply])
  after 5000 -> io:format(\"no reply from echo~n\")
  end,
  Counter = {counter, Cafe},
  io:format(\"gen_server:call(counter, incr) -> ~p~n\", [gen_server:call(Counter, incr)]),
  io:format(\"gen_server:call(counter, {add, 41}) -> ~p~n\", [gen_server:call(Counter, {add, 41})]),
  Kv = {kv, Cafe},
  ok = gen_server:call(Kv, {put, <<\"lang\">>, [erlang, {cpp, caf}]}),
  io:format(\"gen_server:call(kv, {get, <<\\\"lang\\\">>}) -> ~p~n\", [gen_server:call(Kv, {get, <<\"lang\">>})]),
  halt()."

echo
echo "== $node keeps running; join it from another shell:"
echo "   erl -sname me -eval \"net_adm:ping('$node')\"     (or: iex --sname me)"
echo "   Ctrl-C stops it."
wait $cafe_pid
