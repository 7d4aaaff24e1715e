%% The Erlang side of bridge.etf.erl_roundtrip, run by cafe::test::erl_port
%% (compiled in memory, main/0 called in `erl -noshell -noinput`).
%%
%% Frames on stdin/stdout, {packet,4}; the first byte says what to do:
%%
%%   "E" Bytes        binary_to_term(Bytes) and reply
%%                    "O" term_to_binary(T, [{minor_version,2}]), or
%%                    "X" Reason when the BEAM rejects the bytes.
%%   "G" Seed:64 Depth:8
%%                    build a random term from Seed (kept for "V") and reply
%%                    "O" term_to_binary(T, [{minor_version,2}]).
%%   "V" Bytes        check the C++ re-encoding of the last "G" term: reply
%%                    "O" if binary_to_term(Bytes) equals T (see norm/1) and
%%                    Bytes is exactly term_to_binary(T, [{minor_version,2}]),
%%                    else "F" Why.
%%   "P" Format:8 Bytes
%%                    binary_to_term(Bytes) written by io_lib:format/2 and
%%                    reply "O" Text (UTF-8): Format $w is "~w", $p "~p",
%%                    $W "~tw", $P "~tp", $L "~tp" on one line; "X" Reason
%%                    on failure.
%%   "R" Text         read Text (UTF-8) as Erlang does, with erl_scan:string/1
%%                    and erl_parse:parse_term/1, and reply
%%                    "O" term_to_binary(T, [{minor_version,2}]), or
%%                    "X" Reason when erl cannot read it.
%%
%% The node halts when stdin closes.

-module(etf_peer).
-export([main/0]).

-define(MV2, [{minor_version, 2}]).

main() ->
    Port = open_port({fd, 0, 1}, [{packet, 4}, binary, eof]),
    loop(Port, undefined).

loop(Port, Last) ->
    receive
        {Port, {data, <<"E", Bytes/binary>>}} ->
            reply(Port, echo(Bytes)),
            loop(Port, Last);
        {Port, {data, <<"G", Seed:64, Depth>>}} ->
            rand:seed(exsss, Seed),
            T = gen(Depth),
            reply(Port, [<<"O">>, term_to_binary(T, ?MV2)]),
            loop(Port, {ok, T});
        {Port, {data, <<"V", Bytes/binary>>}} ->
            reply(Port, verify(Bytes, Last)),
            loop(Port, Last);
        {Port, {data, <<"P", Format, Bytes/binary>>}} ->
            reply(Port, print(Format, Bytes)),
            loop(Port, Last);
        {Port, {data, <<"R", Text/binary>>}} ->
            reply(Port, read(Text)),
            loop(Port, Last);
        {Port, {data, Other}} ->
            reply(Port, [<<"X">>, io_lib:format("bad request ~w", [Other])]),
            loop(Port, Last);
        {Port, eof} ->
            halt(0)
    end.

reply(Port, IoData) ->
    port_command(Port, IoData).

echo(Bytes) ->
    try binary_to_term(Bytes) of
        T -> [<<"O">>, term_to_binary(T, ?MV2)]
    catch
        C:R -> [<<"X">>, io_lib:format("~p:~p", [C, R])]
    end.

print(Format, Bytes) ->
    try
        T = binary_to_term(Bytes),
        Text = io_lib:format(print_format(Format), [T]),
        [<<"O">>, unicode:characters_to_binary(Text)]
    catch
        C:R -> [<<"X">>, clip(io_lib:format("~p:~p", [C, R]))]
    end.

print_format($w) -> "~w";
print_format($p) -> "~p";
print_format($W) -> "~tw";
print_format($P) -> "~tp";
print_format($L) -> "~100000000tp". % the field width of ~p is the line length

read(Text) ->
    try
        Chars = case unicode:characters_to_list(Text) of
                    L when is_list(L) -> L;
                    Bad -> throw({not_utf8, Bad})
                end,
        {ok, Tokens, _} = erl_scan:string(Chars ++ " ."),
        {ok, T} = erl_parse:parse_term(Tokens),
        [<<"O">>, term_to_binary(T, ?MV2)]
    catch
        C:R -> [<<"X">>, clip(io_lib:format("~p:~p", [C, R]))]
    end.

verify(_Bytes, undefined) ->
    [<<"F">>, <<"no term generated yet">>];
verify(Bytes, {ok, T}) ->
    Expected = term_to_binary(T, ?MV2),
    try binary_to_term(Bytes) of
        Got ->
            case norm(Got) =:= norm(T) of
                true when Bytes =:= Expected ->
                    <<"O">>;
                true ->
                    [<<"F">>, clip(io_lib:format("same term, other bytes~n"
                                                 " cpp: ~w~n erl: ~w",
                                                 [Bytes, Expected]))];
                false ->
                    [<<"F">>, clip(io_lib:format("different term~n"
                                                 " cpp: ~p~n erl: ~p",
                                                 [Got, T]))]
            end
    catch
        C:R -> [<<"F">>, io_lib:format("binary_to_term: ~p:~p", [C, R])]
    end.

%% T with every map replaced by its sorted entries, so that equal maps
%% compare equal: in OTP 25, hash maps whose keys collide in the 32-bit hash
%% keep the colliding entries in insertion order, and `=:=` then tells apart
%% maps with the same entries (even binary_to_term(term_to_binary(M)) =/= M).
norm(M) when is_map(M) ->
    {'$map', lists:sort([{norm(K), norm(V)} || {K, V} <- maps:to_list(M)])};
norm(T) when is_tuple(T) ->
    list_to_tuple([norm(X) || X <- tuple_to_list(T)]);
norm([H | T]) ->
    [norm(H) | norm(T)];
norm(F) when is_function(F) ->
    case erlang:fun_info(F, type) of
        {type, local} ->
            {env, Env} = erlang:fun_info(F, env),
            {'$fun', [erlang:fun_info(F, I) || I <- [module, new_index, new_uniq,
                                                      index, uniq, arity, pid]],
             norm(Env)};
        {type, external} ->
            F
    end;
norm(X) ->
    X.

clip(IoData) ->
    case unicode:characters_to_binary(IoData) of
        <<Head:1500/binary, _/binary>> -> [Head, <<"...">>];
        Bin -> Bin
    end.

%% -- random terms -------------------------------------------------------------
%% Every kind term_to_binary writes, with a bias to encoding boundaries.

gen(Depth) ->
    case Depth =< 0 orelse rand:uniform(3) =:= 1 of
        true -> leaf();
        false -> composite(Depth - 1)
    end.

leaf() ->
    case rand:uniform(18) of
        1 -> rand:uniform(256) - 1;
        2 -> int_around(1 bsl 31);
        3 -> int_around(1 bsl 63);
        4 -> int_around(1 bsl 64);
        5 -> big();
        6 -> float();
        7 -> atom();
        8 -> rand:bytes(count(40));
        9 -> bits();
        10 -> [rand:uniform(256) - 1 || _ <- lists:seq(1, count(30))];
        11 -> [];
        12 -> remote_pid();
        13 -> remote_port();
        14 -> remote_ref();
        15 -> local_identifier();
        16 -> export_fun();
        17 -> [rand:uniform(16#10FFFF) || _ <- lists:seq(1, count(5))];
        18 -> -(rand:uniform(1 bsl 27))
    end.

composite(Depth) ->
    case rand:uniform(40) of
        N when N =< 14 -> [gen(Depth) || _ <- lists:seq(1, count(6))];
        N when N =< 18 -> improper(Depth);
        N when N =< 28 -> list_to_tuple([gen(Depth) || _ <- lists:seq(1, count(6))]);
        N when N =< 34 -> maps:from_list([{gen(Depth), gen(Depth)} || _ <- lists:seq(1, count(6))]);
        N when N =< 36 -> large_map(Depth);
        N when N =< 39 -> closure([gen(Depth) || _ <- lists:seq(1, rand:uniform(4) - 1)]);
        40 -> list_to_tuple([leaf() || _ <- lists:seq(1, 250 + rand:uniform(10))])
    end.

%% Mostly small, sometimes up to Max.
count(Max) ->
    case rand:uniform(8) of
        1 -> rand:uniform(Max + 1) - 1;
        _ -> rand:uniform(4) - 1
    end.

int_around(Bound) ->
    Delta = rand:uniform(5) - 3,
    case rand:uniform(2) of
        1 -> Bound + Delta;
        2 -> -Bound + Delta
    end.

big() ->
    Bits = case rand:uniform(8) of
               1 -> 64 + rand:uniform(2100);
               _ -> 64 + rand:uniform(100)
           end,
    N = rand:uniform(1 bsl Bits),
    case rand:uniform(2) of
        1 -> N;
        2 -> -N
    end.

float() ->
    case rand:uniform(4) of
        1 -> rand:normal() * 1.0e6;
        2 -> lists:nth(rand:uniform(6), [0.0, -0.0, 5.0e-324, 1.7976931348623157e308,
                                         2.2250738585072014e-308, 0.1]);
        _ -> float_from_bits(rand:uniform(1 bsl 64) - 1)
    end.

float_from_bits(Bits) ->
    case <<Bits:64>> of
        <<F:64/float>> -> F;
        _ -> float() % NaN or infinity: Erlang has no such terms
    end.

atom() ->
    case rand:uniform(16) of
        N when N =< 4 -> lists:nth(rand:uniform(6), [ok, '', true, 'hello world', 'Elixir.Foo', nil]);
        16 -> list_to_atom(lists:duplicate(rand:uniform(255), random_char()));
        _ -> list_to_atom([random_char() || _ <- lists:seq(1, count(12))])
    end.

random_char() ->
    case rand:uniform(6) of
        1 -> 16#a0 + rand:uniform(16#5f) - 1;
        2 -> 16#3b1 + rand:uniform(25) - 1;
        3 -> 16#4e00 + rand:uniform(16#5000) - 1;
        4 -> 16#1f600 + rand:uniform(16#50) - 1;
        _ -> $  + rand:uniform(95) - 1
    end.

bits() ->
    Tail = rand:uniform(7),
    <<(rand:bytes(count(10)))/binary, (rand:uniform(1 bsl Tail) - 1):Tail>>.

improper(Depth) ->
    Tail = case rand:uniform(3) of
               1 -> leaf_not_list();
               2 -> rand:bytes(3);
               3 -> {gen(Depth)}
           end,
    lists:foldl(fun(_, Acc) -> [gen(Depth) | Acc] end, Tail,
                lists:seq(1, 1 + count(5))).

leaf_not_list() ->
    case leaf() of
        L when is_list(L) -> leaf_not_list();
        X -> X
    end.

large_map(Depth) ->
    N = 33 + rand:uniform(40),
    maps:from_list([{K, gen(min(Depth, 1))} || K <- distinct_keys(N, #{})]).

distinct_keys(0, Acc) ->
    maps:keys(Acc);
distinct_keys(N, Acc) ->
    K = leaf(),
    case is_map_key(K, Acc) of
        true -> distinct_keys(N, Acc);
        false -> distinct_keys(N - 1, Acc#{K => true})
    end.

node_name() ->
    lists:nth(rand:uniform(3), ['other@host', 'n2@127.0.0.1', list_to_atom([955, $@, $h])]).

u32() -> rand:uniform(1 bsl 32) - 1.

atom_body(Atom) ->
    <<131, Body/binary>> = term_to_binary(Atom, ?MV2),
    Body.

%% Identifiers of another node are made by decoding their fields: this node
%% is not distributed, and erlang:list_to_pid/1 only makes local pids.
remote_pid() ->
    binary_to_term(<<131, 88, (atom_body(node_name()))/binary, (u32()):32,
                     (u32()):32, (u32()):32>>).

remote_port() ->
    Id = case rand:uniform(2) of
             1 -> rand:uniform(1 bsl 28) - 1;
             2 -> rand:uniform(1 bsl 64) - 1
         end,
    binary_to_term(<<131, 120, (atom_body(node_name()))/binary, Id:64, (u32()):32>>).

remote_ref() ->
    Len = rand:uniform(5),
    binary_to_term(<<131, 90, Len:16, (atom_body(node_name()))/binary, (u32()):32,
                     << <<(u32()):32>> || _ <- lists:seq(1, Len) >>/binary>>).

local_identifier() ->
    case rand:uniform(5) of
        1 -> self();
        2 -> make_ref();
        3 -> alias();
        4 -> hd(erlang:ports());
        5 -> list_to_pid("<0." ++ integer_to_list(rand:uniform(32767)) ++ ".0>")
    end.

export_fun() ->
    case rand:uniform(2) of
        1 -> fun lists:map/2;
        % A small pool of names: every new M:F/A takes a slot in the BEAM's
        % export table, which is small and never shrinks.
        2 -> erlang:make_fun(lists:nth(rand:uniform(3), [lists, 'Elixir.Enum', list_to_atom([955])]),
                             lists:nth(rand:uniform(3), [map, foo, list_to_atom([16#e9])]),
                             rand:uniform(256) - 1)
    end.

%% Local funs (NEW_FUN_EXT) with zero to three free variables.
closure([]) -> fun() -> ok end;
closure([A]) -> fun(X) -> {X, A} end;
closure([A, B]) -> fun(X, Y) -> {X, Y, A, B} end;
closure([A, B, C]) -> fun(X) -> {X, A, B, C} end.
