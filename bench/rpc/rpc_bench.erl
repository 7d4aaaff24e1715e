%% The Erlang side of bench/run_rpc.sh: erpc calls from an Erlang caller
%% into a server node, sequentially and from 50 concurrent callers, timed
%% on the caller. The server is a BEAM node running add/2 below (the
%% baseline) or a cafe node running cafe_demo:add/2 (C++).
%%
%%   erl ... -run rpc_bench run Node Module Callers Calls
%%
%% prints `RESULT calls_per_s=R` and halts; every wait is bounded.
-module(rpc_bench).
-export([add/2, run/1]).

-define(DEADLINE, 120000).

add(A, B) -> A + B.

run([NodeArg, ModArg, CallersArg, CallsArg]) ->
    spawn(fun() -> receive after ?DEADLINE -> halt(2) end end),
    Node = list_to_atom(NodeArg),
    Mod = list_to_atom(ModArg),
    Callers = list_to_integer(CallersArg),
    Calls = list_to_integer(CallsArg),
    pong = net_adm:ping(Node),
    %% Warm the connection and the callee.
    [3 = erpc:call(Node, Mod, add, [1, 2]) || _ <- lists:seq(1, 200)],
    Per = Calls div Callers,
    Me = self(),
    T0 = erlang:monotonic_time(nanosecond),
    Pids = [spawn_link(fun() -> loop(Node, Mod, Per), Me ! {done, self()} end)
            || _ <- lists:seq(1, Callers)],
    [receive {done, P} -> ok after ?DEADLINE -> halt(3) end || P <- Pids],
    T1 = erlang:monotonic_time(nanosecond),
    io:format("RESULT calls_per_s=~.1f~n", [Per * Callers * 1.0e9 / (T1 - T0)]),
    halt(0).

loop(_Node, _Mod, 0) -> ok;
loop(Node, Mod, N) ->
    N1 = N + 1,
    N1 = erpc:call(Node, Mod, add, [N, 1]),
    loop(Node, Mod, N - 1).
