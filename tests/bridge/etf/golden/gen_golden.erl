#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% Writes the golden ETF vectors for bridge.etf.golden:
%%
%%   escript tests/bridge/etf/golden/gen_golden.erl tests/bridge/etf/golden/golden.txt
%%
%% One line per vector, five tab-separated columns:
%%   1. name
%%   2. how the bytes were made: the options of term_to_binary/2, or
%%      {tweak,What} for decode-only forms that OTP 25 no longer writes
%%   3. hex of the input bytes
%%   4. hex of term_to_binary(binary_to_term(Input), [{minor_version,2}]),
%%      the canonical form cafe's encoder must reproduce byte for byte
%%   5. the decoded term in a small prefix notation (see shape/1) that the C++
%%      test parses without the codec, so structure is checked independently
%%
%% Every byte of columns 3 and 4 comes from this BEAM. The {tweak,_} inputs
%% are assembled from fields (OTP 25 never emits these tags), and each is
%% checked here to decode to the term it stands for. bridge.etf.golden_drift
%% reruns this script and fails when the output differs from the committed
%% file, so keep it deterministic: no make_ref(), no self(), no time.

-module(gen_golden).
-mode(compile).
-export([main/1, closure/2, closure0/1]).

-define(MV2, [{minor_version, 2}]).

main([Out]) ->
    Lines = [line(V) || V <- vectors()],
    ok = file:write_file(Out, Lines),
    halt(0);
main(_) ->
    io:format(standard_error, "usage: gen_golden.erl OUTPUT~n", []),
    halt(2).

%% -- vector list --------------------------------------------------------------

vectors() ->
    lists:append([
        opts_vectors(Name, Term, OptsList)
        || {Name, Term, OptsList} <- terms()
    ]) ++ [tweak(T) || T <- tweaks()].

opts_vectors(Name, Term, OptsList) ->
    [{Name ++ suffix(Opts), Opts, term_to_binary(Term, Opts), Term}
     || Opts <- OptsList].

suffix(?MV2) -> "";
suffix([]) -> "/default";
suffix([{minor_version, 0}]) -> "/minor0";
suffix([{minor_version, 1}]) -> "/minor1";
suffix([compressed]) -> "/compressed";
suffix([{compressed, N}]) -> "/compressed" ++ integer_to_list(N);
suffix([compressed, {minor_version, 2}]) -> "/compressed_minor2".

-define(ALL_MINORS, [?MV2, [], [{minor_version, 0}]]).

terms() ->
    Other = 'other@host',
    Utf8Node = list_to_atom([955, $@, $h, $o, $s, $t]), % 'λ@host'
    [
     %% atoms
     {"atom_ascii", hello, ?ALL_MINORS},
     {"atom_empty", '', ?ALL_MINORS},
     {"atom_true", true, [?MV2]},
     {"atom_quoted", 'Hello World', [?MV2]},
     {"atom_latin1_e_acute", list_to_atom("h" ++ [16#e9] ++ "llo"), ?ALL_MINORS},
     {"atom_latin1_255", list_to_atom(lists:duplicate(255, 16#ff)), ?ALL_MINORS},
     {"atom_lambda", list_to_atom([955]), ?ALL_MINORS},
     {"atom_255_ascii", list_to_atom(lists:duplicate(255, $a)), ?ALL_MINORS},
     {"atom_128_two_byte", list_to_atom(lists:duplicate(128, 955)), [?MV2]},
     {"atom_255_four_byte", list_to_atom(lists:duplicate(255, 16#1F600)), [?MV2, []]},
     {"atom_mixed_utf8", list_to_atom([$a, 16#e9, 955, 16#4e2d, 16#1F600]), ?ALL_MINORS},
     %% integers
     {"int_0", 0, [?MV2]},
     {"int_255", 255, [?MV2]},
     {"int_256", 256, [?MV2]},
     {"int_neg1", -1, [?MV2]},
     {"int_neg256", -256, [?MV2]},
     {"int_max32", 2147483647, [?MV2]},
     {"int_min32", -2147483648, [?MV2]},
     {"big_2_31", 2147483648, [?MV2]},
     {"big_neg_2_31_minus1", -2147483649, [?MV2]},
     {"big_max64", 9223372036854775807, [?MV2]},
     {"big_min64", -9223372036854775808, [?MV2]},
     {"big_2_63", 9223372036854775808, [?MV2]},
     {"big_neg_2_63_minus1", -9223372036854775809, [?MV2]},
     {"big_2_64_minus1", 18446744073709551615, [?MV2]},
     {"big_2_64", 1 bsl 64, [?MV2]},
     {"big_neg_2_64", -(1 bsl 64), [?MV2]},
     {"big_small_max", (1 bsl 2040) - 1, [?MV2]},
     {"big_large_min", 1 bsl 2040, [?MV2]},
     {"big_2_2100", 1 bsl 2100, [?MV2]},
     {"big_neg_2_2100", -(1 bsl 2100), [?MV2]},
     %% floats
     {"float_1_5", 1.5, ?ALL_MINORS},
     {"float_zero", 0.0, ?ALL_MINORS},
     {"float_neg_zero", -0.0, ?ALL_MINORS},
     {"float_pi", math:pi(), ?ALL_MINORS},
     {"float_0_1", 0.1, ?ALL_MINORS},
     {"float_neg_1e300", -1.0e300, ?ALL_MINORS},
     {"float_max", 1.7976931348623157e308, ?ALL_MINORS},
     {"float_min_normal", 2.2250738585072014e-308, ?ALL_MINORS},
     {"float_min_denormal", 5.0e-324, ?ALL_MINORS},
     {"float_third", 1 / 3, ?ALL_MINORS},
     %% binaries and bitstrings
     {"binary_empty", <<>>, [?MV2]},
     {"binary_text", <<"hello">>, [?MV2]},
     {"binary_utf8", unicode:characters_to_binary([955, 16#e9]), [?MV2]},
     {"binary_300", list_to_binary([I rem 256 || I <- lists:seq(0, 299)]), [?MV2]},
     {"bits_1_3", <<1:3>>, [?MV2]},
     {"bits_255_7_3", <<255, 7:3>>, [?MV2]},
     {"bits_1", <<1:1>>, [?MV2]},
     {"bits_7", <<127:7>>, [?MV2]},
     {"bits_300_5", <<(list_to_binary(lists:duplicate(300, 16#a5)))/binary, 21:5>>, [?MV2]},
     %% lists
     {"nil", [], [?MV2]},
     {"string_abc", "abc", [?MV2]},
     {"string_bytes", [0, 1, 127, 128, 255], [?MV2]},
     {"string_300", [I rem 256 || I <- lists:seq(0, 299)], [?MV2]},
     {"list_unicode_chars", [955, 16#1F600], [?MV2]},
     {"list_ints_over_255", [1, 256, 1000, -1], [?MV2]},
     {"list_mixed", [1, a, <<"b">>, 2.5, {}], [?MV2]},
     {"list_improper", [1 | 2], [?MV2]},
     {"list_improper_atoms", [a, b | c], [?MV2]},
     {"list_improper_string_head", [$a, $b | c], [?MV2]},
     {"list_improper_binary_tail", [1 | <<"t">>], [?MV2]},
     {"list_of_nil", [[]], [?MV2]},
     {"list_nested", [[1, [2, [3]]], "x", [[]]], [?MV2]},
     {"list_deep_100", nest_list(100), [?MV2]},
     %% tuples
     {"tuple_empty", {}, [?MV2]},
     {"tuple_pair", {ok, 1}, [?MV2]},
     {"tuple_255", list_to_tuple(lists:seq(1, 255)), [?MV2]},
     {"tuple_256", list_to_tuple(lists:seq(1, 256)), [?MV2]},
     {"tuple_300", list_to_tuple([{I} || I <- lists:seq(1, 300)]), [?MV2]},
     {"tuple_deep_100", nest_tuple(100), [?MV2]},
     %% maps
     {"map_empty", #{}, [?MV2]},
     {"map_small", #{a => 1, b => <<"two">>}, [?MV2, []]},
     {"map_nested", #{k => #{x => [1], y => #{}}, <<"b">> => {t}}, [?MV2]},
     {"map_mixed_keys",
      #{1 => int, 1.0 => float, "s" => str, <<"s">> => bin, {t} => tup,
        [] => nil, -5 => neg, 1 bsl 70 => big, atom => a},
      [?MV2]},
     {"map_32", maps:from_list([{I, I * I} || I <- lists:seq(1, 32)]), [?MV2]},
     {"map_33", maps:from_list([{list_to_atom("k" ++ integer_to_list(I)), I}
                                 || I <- lists:seq(1, 33)]), [?MV2]},
     {"map_100_mixed", map_100(), [?MV2]},
     %% identifiers of another node
     {"pid_remote", pid(Other, 40, 1, 3), ?ALL_MINORS},
     {"pid_remote_v4", pid(Other, 16#89abcdef, 16#fedcba98, 16#12345678), [?MV2]},
     {"pid_remote_creation0", pid(Other, 1, 2, 0), [?MV2]},
     {"pid_utf8_node", pid(Utf8Node, 7, 0, 1), [?MV2, []]},
     {"port_remote", port(Other, 5, 3), ?ALL_MINORS},
     {"port_remote_28bit", port(Other, 16#0fffffff, 3), [?MV2]},
     {"port_remote_v4_29bit", port(Other, 16#10000000, 3), [?MV2]},
     {"port_remote_v4_64bit", port(Other, 16#fedcba9876543210, 16#87654321), [?MV2]},
     {"ref_remote_3", ref(Other, 3, [1, 2, 3]), ?ALL_MINORS},
     {"ref_remote_1", ref(Other, 3, [16#3ffff]), [?MV2]},
     {"ref_remote_5", ref(Other, 16#12345678,
                          [16#ffffffff, 0, 16#80000000, 16#12345678, 1]), [?MV2]},
     %% funs
     {"export_lists_map", fun lists:map/2, [?MV2, []]},
     {"export_utf8", erlang:make_fun(list_to_atom([955]), list_to_atom([16#e9]), 0), [?MV2, []]},
     {"new_fun_closure", ?MODULE:closure(42, <<"free">>), [?MV2, []]},
     {"new_fun_no_free", fun(A) -> A end, [?MV2]},
     {"new_fun_arity0", ?MODULE:closure0({nested, [1, 2]}), [?MV2]},
     %% compression
     {"compressed_list", lists:duplicate(200, hello),
      [[compressed], [{compressed, 9}], [{compressed, 1}], [compressed, {minor_version, 2}]]},
     {"compressed_binary", binary:copy(<<"abc">>, 200), [[compressed], [{compressed, 9}]]},
     {"compressed_tuple", list_to_tuple(lists:duplicate(100, {1.5, list_to_atom("h" ++ [16#e9] ++ "llo"), [1, 2, 3]})),
      [[compressed], [compressed, {minor_version, 2}]]},
     {"compressed_too_small", ok, [[compressed]]},
     %% everything in one term
     {"kitchen_sink",
      {atom, list_to_atom([955]), 1, -1, 300, 1 bsl 64, 2.5, <<"bin">>, <<1:3>>, "str",
       [1 | 2], #{k => v}, pid(Other, 1, 0, 1), port(Other, 2, 1),
       ref(Other, 1, [1, 2, 3]), fun erlang:self/0, ?MODULE:closure(1, 2), {}, []},
      ?ALL_MINORS}
    ].

nest_list(0) -> [];
nest_list(N) -> [nest_list(N - 1)].

nest_tuple(0) -> {};
nest_tuple(N) -> {nest_tuple(N - 1)}.

map_100() ->
    Keys = [case I rem 5 of
                0 -> I;
                1 -> list_to_atom("a" ++ integer_to_list(I));
                2 -> integer_to_binary(I);
                3 -> {I, I};
                4 -> [I]
            end || I <- lists:seq(1, 100)],
    maps:from_list([{K, #{inner => K}} || K <- Keys]).

%% Not inlined (called through ?MODULE) so the free variables stay free.
closure(X, Y) -> fun(A) -> {A, X, Y} end.
closure0(X) -> fun() -> X end.

%% -- identifiers of another node, made by decoding their fields ----------------

atom_body(Atom) ->
    <<131, Body/binary>> = term_to_binary(Atom, ?MV2),
    Body.

pid(Node, Id, Serial, Creation) ->
    binary_to_term(<<131, 88, (atom_body(Node))/binary,
                     Id:32, Serial:32, Creation:32>>).

port(Node, Id, Creation) when Id < 1 bsl 32 ->
    binary_to_term(<<131, 89, (atom_body(Node))/binary, Id:32, Creation:32>>);
port(Node, Id, Creation) ->
    binary_to_term(<<131, 120, (atom_body(Node))/binary, Id:64, Creation:32>>).

ref(Node, Creation, Words) ->
    binary_to_term(<<131, 90, (length(Words)):16, (atom_body(Node))/binary,
                     Creation:32, << <<W:32>> || W <- Words >>/binary>>).

%% -- decode-only forms --------------------------------------------------------

%% {Name, Bytes, Term}: Bytes must decode to Term (checked in tweak/1).
tweaks() ->
    Node = 'other@host',
    <<131, Latin1Node/binary>> = term_to_binary(Node, [{minor_version, 1}]),
    100 = binary:first(Latin1Node), % ATOM_EXT
    Hello = list_to_atom("h" ++ [16#e9] ++ "llo"),
    <<131, 100, Len:16, Text/binary>> = term_to_binary(Hello, [{minor_version, 1}]),
    [
     {"small_atom_ext", <<131, 115, Len, Text/binary>>, Hello},
     {"atom_utf8_ext_short", <<131, 118, 0, 2, "ok">>, ok},
     {"atom_ext_true", <<131, 100, 0, 4, "true">>, true},
     {"pid_ext", <<131, 103, Latin1Node/binary, 40:32, 1:32, 3>>, pid(Node, 40, 1, 3)},
     {"port_ext", <<131, 102, Latin1Node/binary, 5:32, 3>>, port(Node, 5, 3)},
     {"reference_ext", <<131, 101, Latin1Node/binary, 7:32, 3>>, ref(Node, 3, [7])},
     {"new_reference_ext", <<131, 114, 3:16, Latin1Node/binary, 3, 1:32, 2:32, 3:32>>,
      ref(Node, 3, [1, 2, 3])},
     {"new_port_ext_as_v4", <<131, 120, (atom_body(Node))/binary, 5:64, 3:32>>,
      port(Node, 5, 3)},
     {"integer_ext_small", <<131, 98, 5:32>>, 5},
     {"small_big_fits", <<131, 110, 2, 1, 1, 0>>, -1},
     {"small_big_zero_len", <<131, 110, 0, 0>>, 0},
     {"large_big_fits", <<131, 111, 1:32, 0, 7>>, 7},
     {"small_big_high_zeros", <<131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 128, 0>>, 1 bsl 63},
     {"list_ext_bytes", <<131, 108, 2:32, 97, 1, 97, 2, 106>>, [1, 2]},
     {"list_ext_chained_tail", <<131, 108, 1:32, 97, 1, 108, 1:32, 97, 2, 106>>, [1, 2]},
     {"list_ext_string_tail", <<131, 108, 1:32, 100, 0, 1, "a", 107, 0, 1, 2>>, [a, 2]},
     {"list_ext_empty", <<131, 108, 0:32, 106>>, []},
     {"bit_binary_8", <<131, 77, 1:32, 8, 255>>, <<255>>},
     {"large_tuple_small", <<131, 105, 2:32, 97, 1, 97, 2>>, {1, 2}},
     {"float_ext_short_text",
      <<131, 99, (list_to_binary(string:pad("1.5", 31, trailing, 0)))/binary>>, 1.5}
    ].

tweak({Name, Bytes, Expected}) ->
    case binary_to_term(Bytes) of
        Expected -> {Name, {tweak, list_to_atom(Name)}, Bytes, Expected};
        Other -> error({tweak_mismatch, Name, Other, Expected})
    end.

%% -- output -------------------------------------------------------------------

line({Name, How, Bytes, Term}) ->
    Decoded = binary_to_term(Bytes),
    Decoded =:= Term orelse error({not_an_identity, Name}),
    Canonical = term_to_binary(Decoded, ?MV2),
    [Name, $\t, io_lib:format("~w", [How]), $\t, hex(Bytes), $\t, hex(Canonical),
     $\t, shape(Decoded), $\n].

hex(Bin) -> string:lowercase(binary:encode_hex(Bin)).

%% Prefix notation, one token per term, tokens separated by one space:
%%   n                       []
%%   l<N> E1..EN Tail        list with N >= 1 elements (Tail is n if proper)
%%   t<N> E1..EN             tuple
%%   m<N> K1 V1..KN VN       map
%%   i<decimal>              integer
%%   f<16 hex>               float, IEEE 754 bits
%%   a<hex>                  atom, UTF-8 text
%%   b<hex>                  binary
%%   s<bits>:<hex>           bitstring (bit size not a multiple of 8),
%%                           last byte zero-padded
%%   p<node>:<id>:<serial>:<creation>          pid (node as UTF-8 hex)
%%   o<node>:<id>:<creation>                   port
%%   r<node>:<creation>:<w1>[:<w2>...]         reference
%%   e<module>:<function>:<arity>              fun M:F/A (names as hex)
%%   u<arity>:<uniq hex>:<index>:<old index>:<old uniq>:<module>:<nfree> Pid F1..FN
%%                                             local fun
shape(T) -> lists:join($\s, lists:reverse(tokens(T, []))).

tokens(T, Acc) when is_integer(T) -> [["i", integer_to_list(T)] | Acc];
tokens(T, Acc) when is_float(T) -> [["f", hex(<<T:64/float>>)] | Acc];
tokens(T, Acc) when is_atom(T) -> [["a", hex(atom_to_binary(T, utf8))] | Acc];
tokens(T, Acc) when is_binary(T) -> [["b", hex(T)] | Acc];
tokens(T, Acc) when is_bitstring(T) ->
    N = bit_size(T),
    Pad = 8 - N rem 8,
    [["s", integer_to_list(N), ":", hex(<<T/bitstring, 0:Pad>>)] | Acc];
tokens([], Acc) -> ["n" | Acc];
tokens(T, Acc) when is_list(T) ->
    {Elems, Tail} = split_list(T, []),
    Acc1 = [["l", integer_to_list(length(Elems))] | Acc],
    tokens(Tail, lists:foldl(fun tokens/2, Acc1, Elems));
tokens(T, Acc) when is_tuple(T) ->
    Acc1 = [["t", integer_to_list(tuple_size(T))] | Acc],
    lists:foldl(fun tokens/2, Acc1, tuple_to_list(T));
tokens(T, Acc) when is_map(T) ->
    Acc1 = [["m", integer_to_list(map_size(T))] | Acc],
    lists:foldl(fun({K, V}, A) -> tokens(V, tokens(K, A)) end, Acc1,
                maps:to_list(T));
tokens(T, Acc) when is_pid(T) ->
    <<131, 88, Rest/binary>> = term_to_binary(T, ?MV2),
    {Node, <<Id:32, Serial:32, Creation:32>>} = node_text(Rest),
    [["p", hex(Node), ":", ints([Id, Serial, Creation])] | Acc];
tokens(T, Acc) when is_port(T) ->
    {Node, Id, Creation} =
        case term_to_binary(T, ?MV2) of
            <<131, 89, Rest/binary>> ->
                {N, <<I:32, C:32>>} = node_text(Rest),
                {N, I, C};
            <<131, 120, Rest/binary>> ->
                {N, <<I:64, C:32>>} = node_text(Rest),
                {N, I, C}
        end,
    [["o", hex(Node), ":", ints([Id, Creation])] | Acc];
tokens(T, Acc) when is_reference(T) ->
    <<131, 90, Len:16, Rest/binary>> = term_to_binary(T, ?MV2),
    {Node, <<Creation:32, Words:(Len * 4)/binary>>} = node_text(Rest),
    [["r", hex(Node), ":", ints([Creation | [W || <<W:32>> <= Words]])] | Acc];
tokens(T, Acc) when is_function(T) ->
    case erlang:fun_info(T, type) of
        {type, external} ->
            {module, M} = erlang:fun_info(T, module),
            {name, F} = erlang:fun_info(T, name),
            {arity, A} = erlang:fun_info(T, arity),
            [["e", hex(atom_to_binary(M, utf8)), ":", hex(atom_to_binary(F, utf8)),
              ":", integer_to_list(A)] | Acc];
        {type, local} ->
            Info = maps:from_list(erlang:fun_info(T)),
            #{arity := A, new_uniq := Uniq, new_index := Index, index := OldIndex,
              uniq := OldUniq, module := M, env := Env, pid := Pid} = Info,
            Head = ["u", integer_to_list(A), ":", hex(Uniq), ":",
                    ints([Index, OldIndex, OldUniq]), ":",
                    hex(atom_to_binary(M, utf8)), ":", integer_to_list(length(Env))],
            lists:foldl(fun tokens/2, tokens(Pid, [Head | Acc]), Env)
    end.

split_list([H | T], Acc) -> split_list(T, [H | Acc]);
split_list(Tail, Acc) -> {lists:reverse(Acc), Tail}.

node_text(<<119, L, Text:L/binary, Rest/binary>>) -> {Text, Rest};
node_text(<<118, L:16, Text:L/binary, Rest/binary>>) -> {Text, Rest}.

ints(Xs) -> lists:join($:, [integer_to_list(X) || X <- Xs]).
