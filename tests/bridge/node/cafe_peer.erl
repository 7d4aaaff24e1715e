%% The erl side of the bridge.node interop suites (interop_fixture.cpp).
%%
%% main/0 reads one Erlang expression per line from stdin, evaluates it and
%% answers on stdout with one line: "@@cafe " followed by the hex of
%% term_to_binary({ok, Value}) or of {error, Class, Reason}. The tests decode
%% that with cafe::etf, so pids and references come back as real terms.
%% End of stdin halts the node: the test process owns its lifetime.
%%
%% The helpers below are what the expressions call. Every wait is bounded,
%% so a broken peer fails a test instead of hanging it.
-module(cafe_peer).

-export([main/0]).
-export([start_collector/1, take/2, check_seq/3, send_seq/2]).
-export([pattern/1, check_big/2]).
-export([start_echo/1, spawn_agent/2, connect_at/2]).
-export([start_node_watch/0, node_events/0]).

main() ->
    %% The test waits for this line: distribution is up, and so is the loop.
    reply({ok, node()}),
    loop().

loop() ->
    case io:get_line("") of
        eof -> erlang:halt(0);
        {error, _} -> erlang:halt(1);
        Line ->
            reply(eval(Line)),
            loop()
    end.

eval(Line) ->
    try
        {ok, Tokens, _} = erl_scan:string(Line),
        {ok, Exprs} = erl_parse:parse_exprs(Tokens),
        {value, Value, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
        {ok, Value}
    catch
        Class:Reason -> {error, Class, Reason}
    end.

reply(Result) ->
    Hex = binary:encode_hex(term_to_binary(Result)),
    io:put_chars(["@@cafe ", Hex, "\n"]).

%% -- collectors: registered processes that keep what they receive ----------

start_collector(Name) ->
    Self = self(),
    Pid = spawn(fun() ->
                        register(Name, self()),
                        Self ! {registered, self()},
                        collector(queue:new(), queue:new())
                end),
    receive {registered, Pid} -> Pid after 5000 -> exit(collector_timeout) end.

collector(Msgs, Waiters) ->
    receive
        {'$take', From, Tag} -> dispatch(Msgs, queue:in({From, Tag}, Waiters));
        Msg -> dispatch(queue:in(Msg, Msgs), Waiters)
    end.

dispatch(Msgs, Waiters) ->
    case {queue:out(Msgs), queue:out(Waiters)} of
        {{{value, Msg}, Ms}, {{value, {From, Tag}}, Ws}} ->
            From ! {Tag, Msg},
            dispatch(Ms, Ws);
        _ ->
            collector(Msgs, Waiters)
    end.

%% The oldest message the collector `Name` holds, or `timeout`.
take(Name, Timeout) ->
    Tag = make_ref(),
    Name ! {'$take', self(), Tag},
    receive {Tag, X} -> X after Timeout -> timeout end.

%% Takes {seq, 1} .. {seq, N} from the collector `Name`, in order.
check_seq(Name, N, Timeout) ->
    Deadline = erlang:monotonic_time(millisecond) + Timeout,
    check_seq(Name, 1, N, Deadline).

check_seq(_, I, N, _) when I > N -> {ok, N};
check_seq(Name, I, N, Deadline) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    case take(Name, Left) of
        {seq, I} -> check_seq(Name, I + 1, N, Deadline);
        Other -> {error, {expected, I}, {got, Other}}
    end.

send_seq(To, N) ->
    lists:foreach(fun(I) -> To ! {seq, I} end, lists:seq(1, N)),
    ok.

%% -- large binaries ---------------------------------------------------------

%% Byte I is I rem 251: since 251 is prime, no two 64 KiB fragments of a
%% large binary look alike, so a lost, doubled or reordered fragment shows.
pattern(Size) ->
    Block = list_to_binary(lists:seq(0, 250)),
    binary:part(binary:copy(Block, Size div 251 + 1), 0, Size).

%% Takes {big, Bin} from the collector and compares it with pattern/1.
check_big(Name, Timeout) ->
    case take(Name, Timeout) of
        {big, Bin} when is_binary(Bin) ->
            case Bin =:= pattern(byte_size(Bin)) of
                true -> {ok, byte_size(Bin)};
                false -> {mismatch, byte_size(Bin), first_diff(Bin, 0)}
            end;
        Other ->
            {error, Other}
    end.

first_diff(<<X, Rest/binary>>, I) when X =:= I rem 251 ->
    first_diff(Rest, I + 1);
first_diff(<<>>, _) -> none;
first_diff(_, I) -> I.

%% -- processes for signal tests ---------------------------------------------

%% {Pid, Term} -> Pid ! {self(), Term}, like the echo of apps/cafe-node.
start_echo(Name) ->
    Self = self(),
    Pid = spawn(fun() ->
                        register(Name, self()),
                        Self ! {registered, self()},
                        echo()
                end),
    receive {registered, Pid} -> Pid after 5000 -> exit(echo_timeout) end.

echo() ->
    receive
        {From, Term} when is_pid(From) -> From ! {self(), Term};
        _ -> ok
    end,
    echo().

%% A process that does what it is told and reports to `ReportTo` (a pid or
%% {Name, Node}). With `Trap`, exit signals arrive as messages and are
%% reported like any other message: {agent, self(), Msg}.
spawn_agent(ReportTo, Trap) ->
    spawn(fun() ->
                  process_flag(trap_exit, Trap),
                  agent(ReportTo)
          end).

agent(ReportTo) ->
    receive
        {cmd, exit, Reason} ->
            exit(Reason);
        {cmd, exit, Pid, Reason} ->
            exit(Pid, Reason),
            ReportTo ! {agent, self(), {exited, Pid}};
        {cmd, link, Pid} ->
            link(Pid),
            ReportTo ! {agent, self(), {linked, Pid}};
        {cmd, monitor, Pid} ->
            Ref = monitor(process, Pid),
            ReportTo ! {agent, self(), {monitoring, Pid, Ref}};
        Msg ->
            ReportTo ! {agent, self(), Msg}
    end,
    agent(ReportTo).

%% Waits until the wall clock reaches `AtUs` (os:system_time(microsecond),
%% the clock the C++ side uses too), then connects: for simultaneous
%% connects from both ends. timer:sleep/1 oversleeps by up to a
%% millisecond, so the last 2 ms are spent spinning.
connect_at(Node, AtUs) ->
    Sleep = (AtUs - os:system_time(microsecond)) div 1000 - 2,
    if Sleep > 0, Sleep < 10000 -> timer:sleep(Sleep);
       true -> ok
    end,
    spin_until(AtUs, 1000000),
    net_kernel:connect_node(Node).

spin_until(_, 0) -> ok;
spin_until(AtUs, Bound) ->
    case os:system_time(microsecond) >= AtUs of
        true -> ok;
        false -> spin_until(AtUs, Bound - 1)
    end.

%% -- node events ------------------------------------------------------------

%% Starts the registered process `cafe_node_watch`, which records
%% nodeup/nodedown for all nodes (visible and hidden).
start_node_watch() ->
    Self = self(),
    Pid = spawn(fun() ->
                        register(cafe_node_watch, self()),
                        ok = net_kernel:monitor_nodes(true, [{node_type, all}]),
                        Self ! {registered, self()},
                        node_watch([])
                end),
    receive {registered, Pid} -> Pid after 5000 -> exit(watch_timeout) end.

node_watch(Events) ->
    receive
        {'$events', From, Tag} ->
            From ! {Tag, lists:reverse(Events)},
            node_watch(Events);
        {nodeup, Node, _} ->
            node_watch([{up, Node} | Events]);
        {nodedown, Node, _} ->
            node_watch([{down, Node} | Events])
    end.

%% Every nodeup/nodedown so far, oldest first.
node_events() ->
    Tag = make_ref(),
    cafe_node_watch ! {'$events', self(), Tag},
    receive {Tag, Events} -> Events after 5000 -> timeout end.
