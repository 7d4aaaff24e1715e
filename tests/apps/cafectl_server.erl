%% The gen_server the apps.cafectl suite calls with `cafectl call`.
%%
%% It answers every request with {reply, node(Caller), Request}, so the test
%% sees both that the request arrived intact and that the caller was the
%% cafectl node; `silent` gets no answer (for the timeout) and {stop, Reason}
%% makes it exit with Reason in the middle of the call.
-module(cafectl_server).
-behaviour(gen_server).

-export([start/1]).
-export([init/1, handle_call/3, handle_cast/2]).

%% Unlinked: a server that stops must not take the test's eval loop along.
start(Name) ->
    {ok, Pid} = gen_server:start({local, Name}, ?MODULE, [], []),
    Pid.

init([]) ->
    {ok, no_state}.

handle_call(silent, _From, State) ->
    {noreply, State};
handle_call({stop, Reason}, _From, State) ->
    {stop, Reason, State};
handle_call(Request, {Caller, _Tag}, State) ->
    {reply, {reply, node(Caller), Request}, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.
