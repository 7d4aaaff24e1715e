%% The erl side of bridge.actor.interop, next to cafe_peer (which drives the
%% node): a fresh process per exchange, so a reply is never mistaken for a
%% leftover in the shell loop's mailbox, and a small gen_server for CAF
%% requests to call. Every wait is bounded.
-module(interop_peer).
-behaviour(gen_server).

-export([exchange/2, exchange/3, start_store/2, watch_node/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

%% Runs Fun(Self) in a fresh process, which then returns the first message
%% it receives within Timeout (or `timeout`).
exchange(Fun, Timeout) ->
    exchange(Fun, 1, Timeout).

%% The same for the first N messages, as a list.
exchange(Fun, N, Timeout) ->
    Parent = self(),
    Tag = make_ref(),
    spawn(fun() ->
                  Fun(self()),
                  Parent ! {Tag, collect(N, Timeout)}
          end),
    receive
        {Tag, [One]} when N =:= 1 -> One;
        {Tag, Many} -> Many
    after Timeout + 1000 -> exchange_timeout
    end.

collect(0, _) -> [];
collect(N, Timeout) ->
    receive
        X -> [X | collect(N - 1, Timeout)]
    after Timeout -> [timeout]
    end.

%% A registered gen_server holding one value: `get` answers it, `{put, X}`
%% replaces it, `{stop, Reason}` ends the server with Reason.
start_store(Name, Value) ->
    gen_server:start({local, Name}, ?MODULE, Value, []).

%% A process that calls monitor_node(Node, true) and hands every message it
%% receives to the collector `Collector`.
watch_node(Node, Collector) ->
    Self = self(),
    Pid = spawn(fun() ->
                        true = monitor_node(Node, true),
                        Self ! {watching, self()},
                        forward(Collector)
                end),
    receive {watching, Pid} -> Pid after 5000 -> exit(watch_timeout) end.

forward(Collector) ->
    receive X -> Collector ! X end,
    forward(Collector).

init(Value) -> {ok, Value}.

handle_call(get, _From, Value) -> {reply, Value, Value};
handle_call({put, X}, _From, _) -> {reply, ok, X};
handle_call({stop, Reason}, _From, Value) -> {stop, Reason, ok, Value}.

handle_cast(_, Value) -> {noreply, Value}.

handle_info(_, Value) -> {noreply, Value}.
