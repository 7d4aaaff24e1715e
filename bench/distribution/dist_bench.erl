%% The BEAM side of bench/run_dist.sh: the same four roles as
%% bench_dist_node (sink, source, echo, ping), so every pairing of BEAM and
%% cafe runs the same protocol:
%%
%%   source -> {sink, Node}:  Count x {seq, I}, then {done, self()}
%%   sink   -> source:        {sink_result, Received, Nanoseconds}
%%   ping   -> {echo, Node}:  {self(), I};  echo -> ping: {EchoPid, I}
%%
%% and, for the CAF-actor rows, a gen_server as cafe-node's `counter`
%% actor (apps/cafe-node) answers it, plus its callers:
%%
%%   call   -> {counter, Node}:  gen_server:call(_, incr) -> N + 1
%%
%% Started with `-run dist_bench Role Args...`, so each role takes its
%% arguments as one list of strings. Results go to stdout as one
%% `RESULT ...` line; `READY` tells the script that a registered process is
%% in place. Every receive has a timeout and every node halts itself after
%% a deadline, so nothing outlives a run.
-module(dist_bench).
-behaviour(gen_server).
-export([sink/1, source/1, echo/0, ping/1, counter/0, call/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

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

%% -- gen_server:call -----------------------------------------------------------

%% A gen_server registered as `counter`, answering `incr` with the new
%% count, as cafe-node's counter actor does; `stop` ends the node.
counter() ->
    watchdog(),
    {ok, Pid} = gen_server:start({local, counter}, ?MODULE, 0, []),
    Ref = monitor(process, Pid),
    io:format("READY~n"),
    receive
        {'DOWN', Ref, process, Pid, _} -> ok
    after ?DEADLINE -> ok
    end,
    halt(0).

init(N) -> {ok, N}.

handle_call(incr, _From, N) -> {reply, N + 1, N + 1};
handle_call(get, _From, N) -> {reply, N, N}.

handle_cast(_, N) -> {noreply, N}.

handle_info(stop, N) -> {stop, normal, N};
handle_info(_, N) -> {noreply, N}.

terminate(_, _) -> ok.

%% Callers processes each make Calls sequential gen_server:call({counter,
%% Node}, incr), after Warmup calls from one process. Reports the rate of
%% all calls (first start to last finish) and the median and p99 latency of
%% single calls; stays connected Linger ms afterwards (the script measures
%% the callee's idle CPU meanwhile). The script stops the counter's node.
call([NodeArg, CallsArg, WarmupArg, CallersArg, LingerArg]) ->
    watchdog(),
    Node = arg_node(NodeArg),
    Calls = arg_int(CallsArg),
    Warmup = arg_int(WarmupArg),
    Callers = arg_int(CallersArg),
    Linger = arg_int(LingerArg),
    Dest = {counter, Node},
    case call_loop(Dest, Warmup, []) of
        error -> io:format("RESULT error=timeout~n");
        _ ->
            Parent = self(),
            T0 = erlang:monotonic_time(nanosecond),
            Pids = [spawn_link(fun() ->
                                       Parent ! {caller, self(),
                                                 call_loop(Dest, Calls, [])}
                               end)
                    || _ <- lists:seq(1, Callers)],
            case collect(Pids, []) of
                error -> io:format("RESULT error=timeout~n");
                Samples ->
                    T1 = erlang:monotonic_time(nanosecond),
                    report_calls(lists:sort(Samples), T1 - T0)
            end
    end,
    receive after Linger -> ok end,
    halt(0).

call_loop(_Dest, 0, Acc) -> Acc;
call_loop(Dest, Left, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    try gen_server:call(Dest, incr, ?STEP_TIMEOUT) of
        N when is_integer(N) ->
            T1 = erlang:monotonic_time(nanosecond),
            call_loop(Dest, Left - 1, [T1 - T0 | Acc])
    catch
        _:_ -> error
    end.

collect([], Acc) -> Acc;
collect([Pid | Pids], Acc) ->
    receive
        {caller, Pid, error} -> error;
        {caller, Pid, Samples} -> collect(Pids, Samples ++ Acc)
    after ?DEADLINE -> error
    end.

report_calls(Sorted, Ns) ->
    N = length(Sorted),
    Median = lists:nth(max(1, (N + 1) div 2), Sorted),
    P99 = lists:nth(max(1, ceil(N * 0.99)), Sorted),
    io:format("RESULT calls=~b ns=~b rate=~b median_ns=~b p99_ns=~b~n",
              [N, Ns, round(N * 1.0e9 / max(Ns, 1)), Median, P99]).
