%% The erl side of the bridge.global.interop suite (interop_test.cpp), beside
%% cafe_peer.erl (tests/bridge/node), which evaluates the test's
%% expressions. Every wait is bounded.
-module(global_peer).

-export([capture_log/0, global_log/0, log/2]).
-export([sync/1, spawn_proc/0, register/2, take/1, watch/1, down_reason/2]).
-export([known/0, register_async/2, register_result/2]).

%% -- what the node logs -----------------------------------------------------

%% Keeps every event of level notice and above in a table, for global_log/0.
capture_log() ->
    Self = self(),
    spawn(fun() ->
                  ets:new(global_peer_log, [named_table, public, bag]),
                  Self ! ready,
                  receive never -> ok end
          end),
    receive ready -> ok after 5000 -> exit(log_table_timeout) end,
    ok = logger:add_handler(global_peer, ?MODULE, #{level => notice}),
    %% Proves the capture works: this one must be seen, then is dropped.
    logger:warning("global_peer: global log capture check"),
    [_ | _] = global_log(),
    ets:delete_all_objects(global_peer_log),
    ok.

log(#{level := Level, msg := Msg, meta := Meta}, _Config) ->
    Text = case Msg of
               {string, S} -> S;
               {report, R} -> io_lib:format("~tp", [R]);
               {F, A} -> io_lib:format(F, A)
           end,
    Mod = case Meta of
              #{mfa := {M, _, _}} -> M;
              _ -> undefined
          end,
    ets:insert(global_peer_log,
               {event, Level, Mod, unicode:characters_to_binary(Text)}).

%% [{Level, Module, Text}] of events logged by global or mentioning it.
global_log() ->
    [{L, M, T} || {event, L, M, T} <- ets:tab2list(global_peer_log),
                  M =:= global orelse binary:match(T, <<"global">>) =/= nomatch].

%% -- global -------------------------------------------------------------------

%% global:sync() with a bound: ok, or timeout.
sync(Timeout) ->
    Self = self(),
    Ref = make_ref(),
    Pid = spawn(fun() -> Self ! {Ref, global:sync()} end),
    receive {Ref, R} -> R
    after Timeout -> exit(Pid, kill), timeout
    end.

%% The nodes global knows and has synced with.
known() ->
    {lists:sort(gen_server:call(global_name_server, get_known, 5000)),
     lists:sort(gen_server:call(global_name_server, get_synced, 5000))}.

%% A process that keeps what it receives (take/1 collects it).
spawn_proc() ->
    spawn(fun() -> proc([]) end).

proc(Got) ->
    receive
        {'$take', From, Ref} -> From ! {Ref, lists:reverse(Got)}, proc([]);
        '$stop' -> ok;
        Msg -> proc([Msg | Got])
    end.

take(Pid) ->
    Ref = make_ref(),
    Pid ! {'$take', self(), Ref},
    receive {Ref, Got} -> Got after 5000 -> exit(take_timeout) end.

register(Name, Pid) ->
    global:register_name(Name, Pid).

%% register_name in a process of its own, started now and collected later
%% (racing registrations from several nodes).
register_async(Name, Pid) ->
    Self = self(),
    Ref = make_ref(),
    spawn(fun() -> Self ! {Ref, global:register_name(Name, Pid)} end),
    Ref.

register_result(Ref, Timeout) ->
    receive {Ref, R} -> R after Timeout -> timeout end.

%% Remembers how `Pid` ends (down_reason/2 tells).
watch(Pid) ->
    Self = self(),
    Ref = make_ref(),
    W = spawn(fun() ->
                      M = monitor(process, Pid),
                      Self ! {Ref, watching},
                      receive {'DOWN', M, process, _, Why} -> watcher(Why) end
              end),
    receive {Ref, watching} -> W after 5000 -> exit(watch_timeout) end.

watcher(Why) ->
    receive {'$reason', From, Ref} -> From ! {Ref, Why}, watcher(Why) end.

down_reason(W, Timeout) ->
    Ref = make_ref(),
    W ! {'$reason', self(), Ref},
    receive {Ref, Why} -> {down, Why} after Timeout -> alive end.
