%% libcluster 3.5.0 Gossip's packet code (lib/strategy/gossip.ex: heartbeat/2,
%% the three handle_info clauses for {udp, ...}, handle_heartbeat/2,
%% encrypt/decrypt with :crypto and its PKCS#7 pad/unpad), in Erlang, for
%% discovery.gossip.packet. Run by cafe::test::erl_port (compiled in
%% memory, main/0 called in `erl -noshell -noinput`).
%%
%% Frames on stdin/stdout, {packet,4}, each a term_to_binary:
%%
%%   {heartbeat, Node, Secret}    -> Packet: what libcluster sends for Node
%%                                   (Secret = nil or a binary; random IV)
%%   {heartbeat, Node, Secret, IV} -> Packet, with that IV
%%   {on_udp, Self, Secret, Packet} -> what libcluster running as Self does
%%                                   with Packet: {connect, Node} | self |
%%                                   ignored | {crash, Reason} (where
%%                                   libcluster's GenServer would crash)
%%
%% The node halts when stdin closes.
-module(gossip_oracle).
-export([main/0]).

main() ->
    Port = open_port({fd, 0, 1}, [{packet, 4}, binary, eof]),
    loop(Port).

loop(Port) ->
    receive
        {Port, {data, Bytes}} ->
            Reply = handle(binary_to_term(Bytes)),
            Port ! {self(), {command, term_to_binary(Reply)}},
            loop(Port);
        {Port, eof} ->
            halt(0)
    end.

handle({heartbeat, Node, Secret}) ->
    iolist_to_binary(heartbeat(Node, Secret, crypto:strong_rand_bytes(16)));
handle({heartbeat, Node, Secret, IV}) ->
    iolist_to_binary(heartbeat(Node, Secret, IV));
handle({on_udp, Self, Secret, Packet}) ->
    on_udp(Self, Secret, Packet).

heartbeat(Node, nil, _IV) ->
    [<<"heartbeat::">>, term_to_binary(#{node => Node})];
heartbeat(Node, Secret, IV) when is_binary(Secret) ->
    Message = <<"heartbeat::", (term_to_binary(#{node => Node}))/binary>>,
    {ok, IV, Msg} = encrypt(Message, Secret, IV),
    [IV, Msg].

%% handle_info({udp, _, _, _, Packet}, State), clause by clause.
on_udp(Self, nil, <<"heartbeat::", _/binary>> = Packet) ->
    handle_heartbeat(Self, Packet);
on_udp(Self, Secret, <<IV:16/binary, Ciphertext/binary>>)
  when is_binary(Secret) ->
    case decrypt(Ciphertext, Secret, IV) of
        {ok, Plaintext} -> handle_heartbeat(Self, Plaintext);
        _ -> ignored
    end;
on_udp(_Self, _Secret, _Packet) ->
    ignored.

handle_heartbeat(Self, <<"heartbeat::", Rest/binary>>) ->
    try binary_to_term(Rest) of
        #{node := Self} -> self;
        #{node := N} when is_atom(N) -> {connect, N};
        _ -> ignored
    catch
        Class:Reason -> {crash, {Class, Reason}}
    end;
handle_heartbeat(_Self, _Packet) ->
    ignored.

encrypt(Plaintext, Password, IV) ->
    Key = crypto:hash(sha256, Password),
    Ciphertext = crypto:crypto_one_time(aes_256_cbc, Key, IV,
                                        pkcs7_pad(Plaintext), true),
    {ok, IV, Ciphertext}.

decrypt(Ciphertext, Password, IV) ->
    Key = crypto:hash(sha256, Password),
    case safe_decrypt(Key, IV, Ciphertext) of
        {ok, Padded} ->
            case pkcs7_unpad(Padded) of
                {ok, _} = Res -> Res;
                error -> {error, unpadding}
            end;
        error ->
            {error, decrypt}
    end.

safe_decrypt(Key, IV, Ciphertext) ->
    try
        {ok, crypto:crypto_one_time(aes_256_cbc, Key, IV, Ciphertext, false)}
    catch
        error:{_Tag, {_File, _Line}, _Desc} -> error
    end.

pkcs7_pad(Message) ->
    PaddingSize = 16 - byte_size(Message) rem 16,
    <<Message/binary, (binary:copy(<<PaddingSize>>, PaddingSize))/binary>>.

pkcs7_unpad(<<>>) ->
    error;
pkcs7_unpad(Message) ->
    PaddingSize = binary:last(Message),
    case PaddingSize =< 16 of
        true ->
            Size = byte_size(Message),
            case binary_part(Message, Size, -PaddingSize)
                 =:= binary:copy(<<PaddingSize>>, PaddingSize) of
                true -> {ok, binary_part(Message, 0, Size - PaddingSize)};
                false -> error
            end;
        false ->
            error
    end.
