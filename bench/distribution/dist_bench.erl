%% The BEAM side of bench/run_dist.sh: the same four roles as
%% bench_dist_node (sink, source, echo, ping), so every pairing of BEAM and
%% cafe runs the same protocol:
%%
%%   source -> {sink, Node}:  Count x {seq, I}, then {done, self()}
%%   sink   -> source:        {sink_result, Received, Nanoseconds}
%%   ping   -> {echo, Node}:  {self(), I};  echo -> ping: {EchoPid, I}
%%
%% Started with `-run dist_bench Role Args...`, so each role takes its
%% arguments as one list of strings. Results go to stdout as one
%% `RESULT ...` line; `READY` tells the script that a registered process is
%% in place. Every receive has a timeout and every node halts itself after
%% a deadline, so nothing outlives a run.
-module(dist_bench).
-export([sink/1, source/1, echo/0, ping/1]).

%% Longest wait for any single message: a peer that went away.
-define(STEP_TIMEOUT, 30000).
%% Longest life of a benchmark node.
-define(DEADLINE, 120000).

watchdog() ->
    spawn(fun() ->
                  receive after ?DEADLINE ->
                          io:format(standard_error, "deadline reached~n", []),
                          halt(2)
                  end
          end).

arg_int(A) when is_atom(A) -> list_to_integer(atom_to_list(A));
arg_int(L) when is_list(L) -> list_to_integer(L);
arg_int(I) when is_integer(I) -> I.

arg_node(A) when is_atom(A) -> A;
arg_node(L) when is_list(L) -> list_to_atom(L).

%% -- throughput: receiver ------------------------------------------------------

%% Counts `Count` {seq, _} messages, timing from the first to the last.
sink([CountArg]) ->
    watchdog(),
    Count = arg_int(CountArg),
    register(sink, self()),
    io:format("READY~n"),
    receive
        {seq, _} ->
            T0 = erlang:monotonic_time(nanosecond),
            {N, T1} = sink_loop(Count - 1, 1, T0),
            receive
                {done, From} ->
                    From ! {sink_result, N, T1 - T0}
            after ?STEP_TIMEOUT -> ok
            end,
            report_rate(N, T1 - T0)
    after ?STEP_TIMEOUT ->
            io:format("RESULT error=no_messages~n")
    end,
    halt(0).

sink_loop(0, N, _T0) ->
    {N, erlang:monotonic_time(nanosecond)};
sink_loop(Left, N, T0) ->
    receive
        {seq, _} -> sink_loop(Left - 1, N + 1, T0)
    after ?STEP_TIMEOUT ->
            {N, erlang:monotonic_time(nanosecond)}
    end.

report_rate(N, Ns) ->
    io:format("RESULT count=~b ns=~b rate=~b~n",
              [N, Ns, round(N * 1.0e9 / max(Ns, 1))]).

%% -- throughput: sender --------------------------------------------------------

%% Sends {seq, I} to {sink, Node} Count times (the runtime suspends us while
%% the distribution buffer is busy), then waits for the sink's verdict.
source([NodeArg, CountArg]) ->
    watchdog(),
    Node = arg_node(NodeArg),
    Count = arg_int(CountArg),
    Dest = {sink, Node},
    source_loop(Dest, 1, Count),
    Dest ! {done, self()},
    receive
        {sink_result, N, Ns} -> report_rate(N, Ns)
    after ?STEP_TIMEOUT ->
            io:format("RESULT error=no_sink_result~n")
    end,
    halt(0).

source_loop(_Dest, I, Count) when I > Count -> ok;
source_loop(Dest, I, Count) ->
    Dest ! {seq, I},
    source_loop(Dest, I + 1, Count).

%% -- ping-pong -----------------------------------------------------------------

%% Answers {From, X} with {self(), X} until `stop` or silence.
echo() ->
    watchdog(),
    register(echo, self()),
    io:format("READY~n"),
    echo_loop(),
    halt(0).

echo_loop() ->
    receive
        {From, X} when is_pid(From) ->
            From ! {self(), X},
            echo_loop();
        stop -> ok
    after ?DEADLINE -> ok
    end.

%% Warmup + Rounds round trips to {echo, Node}, one at a time; prints the
%% median and p99 of the timed ones and stops the echo.
ping([NodeArg, RoundsArg, WarmupArg]) ->
    watchdog(),
    Node = arg_node(NodeArg),
    Rounds = arg_int(RoundsArg),
    Warmup = arg_int(WarmupArg),
    Dest = {echo, Node},
    case ping_loop(Dest, 1, Warmup, []) of
        error -> io:format("RESULT error=timeout~n");
        _ ->
            case ping_loop(Dest, 1, Rounds, []) of
                error -> io:format("RESULT error=timeout~n");
                Samples -> report_rtt(lists:sort(Samples))
            end
    end,
    Dest ! stop,
    %% Let `stop` reach the socket before the node goes.
    receive after 100 -> ok end,
    halt(0).

ping_loop(_Dest, I, Rounds, Acc) when I > Rounds -> Acc;
ping_loop(Dest, I, Rounds, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    Dest ! {self(), I},
    receive
        {_, I} ->
            T1 = erlang:monotonic_time(nanosecond),
            ping_loop(Dest, I + 1, Rounds, [T1 - T0 | Acc])
    after ?STEP_TIMEOUT -> error
    end.

report_rtt(Sorted) ->
    N = length(Sorted),
    Median = lists:nth(max(1, (N + 1) div 2), Sorted),
    P99 = lists:nth(max(1, ceil(N * 0.99)), Sorted),
    io:format("RESULT rounds=~b median_ns=~b p99_ns=~b~n", [N, Median, P99]).
