%% The erl side of the bridge.rpc.client suite: functions the tests call
%% from cafe with rpc::call, cast and spawn. Every wait is bounded.
-module(client_peer).

-export([echo/1, raise/2, slow/3, print/1, hold/0, trap_and_report/1]).

echo(X) -> X.

%% Ends with the exception of class `Class`; the stack starts here.
raise(throw, X) -> throw(X);
raise(error, X) -> error(X);
raise(exit, X) -> exit(X).

%% Returns X after `Ms`, then (in order after the return value, since the
%% monitor's DOWN is sent when the process ends) tells `Collector`.
slow(Ms, X, Collector) ->
    timer:sleep(Ms),
    Self = self(),
    spawn(fun() ->
                  Ref = monitor(process, Self),
                  receive {'DOWN', Ref, _, _, _} -> Collector ! {done, X}
                  after 30000 -> ok end
          end),
    X.

%% Writes to the group leader (the caller's node), then returns X.
print(X) ->
    io:format("printing ~p~n", [X]),
    io:put_chars(<<"raw chars\n">>),
    X.

%% Spawned: waits for {exit, Reason} and exits with it.
hold() ->
    receive {exit, R} -> exit(R)
    after 30000 -> exit(hold_timeout)
    end.

%% Spawned linked: traps exits and reports the first one to `Collector`.
trap_and_report(Collector) ->
    process_flag(trap_exit, true),
    %% Only now may the test end the linked owner: an exit that arrived
    %% before the flag would end this process untrapped, with no report.
    Collector ! trapping,
    receive {'EXIT', _From, R} -> Collector ! {exit, R}
    after 30000 -> exit(trap_timeout)
    end.
