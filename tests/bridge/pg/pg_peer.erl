%% The erl side of the bridge.pg.interop suite (interop_test.cpp), beside
%% cafe_peer.erl (tests/bridge/node), which evaluates the test's
%% expressions. These helpers look at a pg scope the way an application
%% would (pg:get_members/2 and friends) and, for the test's own checks, at
%% the scope's state. Every wait is bounded.
-module(pg_peer).

-export([start_scope/1, scope_pids/1, view/2, peers/1]).
-export([spawn_member/0, spawn_members/1, join/3, leave/3, stop/1]).
-export([start_watch/1, watch_events/1]).

%% -- scopes -----------------------------------------------------------------

%% Starts the scope `Scope`, unlinked (pg:start/1): it must outlive the
%% process that evaluates the test's expressions if that one fails.
start_scope(Scope) ->
    {ok, Pid} = pg:start(Scope),
    Pid.

%% [{Scope, Pid | undefined}]: a scope that restarted has another pid.
scope_pids(Scopes) ->
    [{S, whereis(S)} || S <- Scopes].

%% What the node's applications see of `Group` in `Scope`.
view(Scope, Group) ->
    {pg:get_members(Scope, Group),
     pg:get_local_members(Scope, Group),
     lists:member(Group, pg:which_groups(Scope)),
     lists:member(Group, pg:which_local_groups(Scope))}.

%% The peer scopes `Scope` syncs with, from its state (#state.remote, a map
%% keyed by the peer scope pid).
peers(Scope) ->
    State = sys:get_state(Scope, 5000),
    state = element(1, State),
    Remote = element(4, State),
    true = is_map(Remote),
    lists:sort(maps:keys(Remote)).

%% -- members ----------------------------------------------------------------

%% A process that waits for `stop` (or a kill).
spawn_member() ->
    spawn(fun() -> receive stop -> ok end end).

spawn_members(N) ->
    [spawn_member() || _ <- lists:seq(1, N)].

join(Scope, Group, PidOrPids) ->
    pg:join(Scope, Group, PidOrPids).

leave(Scope, Group, PidOrPids) ->
    pg:leave(Scope, Group, PidOrPids).

%% Kills `Pid` and waits until it is gone.
stop(Pid) ->
    Ref = monitor(process, Pid),
    exit(Pid, kill),
    receive {'DOWN', Ref, process, Pid, _} -> ok
    after 5000 -> exit(stop_timeout)
    end.

%% -- watches ----------------------------------------------------------------

%% A process holding pg:monitor_scope(Scope): its first answer is the
%% membership when the watch began, then every {join | leave, Group, Pids}.
start_watch(Scope) ->
    Self = self(),
    Pid = spawn(fun() ->
                        {Ref, Groups} = pg:monitor_scope(Scope),
                        Self ! {watching, self()},
                        watch(Ref, Groups, [])
                end),
    receive {watching, Pid} -> Pid after 5000 -> exit(watch_timeout) end.

watch(Ref, Groups, Events) ->
    receive
        {'$events', From, Tag} ->
            From ! {Tag, {Groups, lists:reverse(Events)}},
            watch(Ref, Groups, Events);
        {Ref, Action, Group, Pids} ->
            watch(Ref, Groups, [{Action, Group, Pids} | Events])
    end.

%% {GroupsAtStart, Events}, events oldest first.
watch_events(Pid) ->
    Tag = make_ref(),
    Pid ! {'$events', self(), Tag},
    receive {Tag, X} -> X after 5000 -> timeout end.
