#!/usr/bin/env bash
# Self-test of the Phoenix.PubSub test double (lib/phoenix_pubsub.ex):
# real Elixir nodes running peer.exs on a private epmd, checked for what
# phoenix_pubsub 2.2.0's PG2 adapter shows between nodes.
#
#   1. pool_size 1, nodes a1 and b1: pg scope, group, worker and registered
#      names; broadcast, broadcast_from (local and remote `from`),
#      local_broadcast(_from), direct_broadcast (other node and itself),
#      custom dispatcher with subscription metadata, duplicate subscription,
#      unsubscribe, node_name; 10,000 messages from one publisher in order.
#      Then the Phoenix side (lib/phoenix_channel_server.ex): Endpoint-style
#      broadcasts through Phoenix.Channel.Server reach plain subscribers as
#      %Phoenix.Socket.Broadcast{} on both nodes, fastlane subscribers'
#      transports as one encoded frame per serializer, intercepting channel
#      processes as the struct; from is skipped on its own node only; other
#      terms are plain-sent; the forwarded term's bytes match PHOENIX.md.
#   2. pool_size 2, nodes a2 (pool 2), b2 (pool 2, broadcast_pool_size 1)
#      and c2, which runs only the pg scope and plays a foreign node: its
#      "spies" are registered under the group names and joined to the pg
#      groups, and see the raw {:forward_to_local, ...} tuples. Checks which
#      group each publisher picks (phash2(self(), broadcast_pool_size)), the
#      exact forwarded tuple (also with a custom dispatcher and for
#      direct_broadcast), and a foreign publisher sending to a worker;
#      Endpoint.broadcast's tuple as a foreign node sees it, and a %Broadcast{}
#      with dispatcher Phoenix.Channel.Server from the foreign node (what
#      cafe-chat sends) reaching a subscriber.
#
# Every expected value is written out here, independently of the double.
# Non-arrival is shown with a marker that must come next (same sender,
# same receiving worker), never with a sleep. Bounded: each command <= 30 s
# (60 s for the 10,000), the whole script <= PHX_DEADLINE_S (150 s).
# Usage: tests/support/phoenix_pubsub/self_test.sh   (exit status 0 = pass)
set -euo pipefail

# shellcheck source=peer_lib.sh
source "$(cd "$(dirname "$0")" && pwd)/peer_lib.sh"

phx_init
phx_start_epmd
phx_log "epmd on 127.0.0.1:$ERL_EPMD_PORT, work dir $PHX_WORK"

A=MyApp.PubSub.Adapter
A2=MyApp.PubSub.Adapter_2

# got NODE COLLECTOR LIST: the collector's next messages are exactly LIST
# (an Elixir list expression), in this order.
got() {
  phx_expect "$1" "PhxPeer.take(:$2, length(($3)), 10_000)" "{:ok, ($3)}"
}

# mark K: from a1, {:m, K} on "t1" then on "t2" (default dispatcher).
mark() {
  phx_eval a1 "Phoenix.PubSub.broadcast(MyApp.PubSub, \"t1\", {:m, $1}); Phoenix.PubSub.broadcast(MyApp.PubSub, \"t2\", {:m, $1})"
}

# ------------------------------------------------------------------ pool 1
phx_section "== pool_size 1 (a1, b1)"
phx_launch a1 pool_size=1
phx_launch b1 pool_size=1
phx_wait_ready a1
phx_wait_ready b1

for n in a1 b1; do
  # The scope is the process (and ETS table) named 'Elixir.Phoenix.PubSub';
  # pg's default scope is not used.
  phx_expect $n 's = Process.whereis(:"Elixir.Phoenix.PubSub"); is_pid(s) and :ets.info(:"Elixir.Phoenix.PubSub", :owner) == s' 'true'
  phx_expect $n 'Process.whereis(:pg)' 'nil'
  phx_expect $n ':pg.which_groups(:"Elixir.Phoenix.PubSub")' "[:\"Elixir.$A\"]"
  # One worker, registered under the group name, the group's only local member.
  phx_expect $n "w = Process.whereis(:\"Elixir.$A\"); is_pid(w) and :pg.get_local_members(Phoenix.PubSub, :\"Elixir.$A\") == [w]" 'true'
  phx_expect $n 'PhxPeer.registered_names()' '[MyApp.PubSub, MyApp.PubSub.Adapter, MyApp.PubSub.Adapter_supervisor, MyApp.PubSub.PIDPartition0, MyApp.PubSub.Supervisor]'
done

phx_expect a1 'Node.connect(:"b1@127.0.0.1")' 'true'
for n in a1 b1; do
  phx_expect $n "PhxPeer.wait_member_nodes($A, [:\"a1@127.0.0.1\", :\"b1@127.0.0.1\"])" ':ok'
done
phx_expect a1 "Enum.sort(PhxPeer.members($A))" "Enum.sort([Process.whereis($A), :erpc.call(:\"b1@127.0.0.1\", Process, :whereis, [$A])])"

phx_eval a1 'PhxPeer.start_subscriber(:sa1, ["t1"]); PhxPeer.start_subscriber(:sa2, ["t1"])'
phx_eval b1 'PhxPeer.start_subscriber(:sb1, ["t1"]); PhxPeer.start_subscriber(:sb2, ["t1"]); PhxPeer.start_subscriber(:sb3, ["t2"])'

phx_section "-- broadcast"
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "t1", {:hello, "world", 1})' ':ok'
mark 1
for s in sa1 sa2; do got a1 $s '[{:hello, "world", 1}, {:m, 1}]'; done
for s in sb1 sb2; do got b1 $s '[{:hello, "world", 1}, {:m, 1}]'; done
got b1 sb3 '[{:m, 1}]'

phx_section "-- broadcast_from (a local and a remote from)"
phx_expect a1 'Phoenix.PubSub.broadcast_from(MyApp.PubSub, Process.whereis(:sa1), "t1", {:from_sa1, 2})' ':ok'
# `from` does not travel: the receiving node dispatches with :none, so a
# remote `from` still gets the message.
phx_expect a1 'Phoenix.PubSub.broadcast_from(MyApp.PubSub, :erpc.call(:"b1@127.0.0.1", Process, :whereis, [:sb1]), "t1", {:from_sb1, 2})' ':ok'
mark 2
got a1 sa1 '[{:from_sb1, 2}, {:m, 2}]'
got a1 sa2 '[{:from_sa1, 2}, {:from_sb1, 2}, {:m, 2}]'
for s in sb1 sb2; do got b1 $s '[{:from_sa1, 2}, {:from_sb1, 2}, {:m, 2}]'; done
got b1 sb3 '[{:m, 2}]'

phx_section "-- local_broadcast, local_broadcast_from"
phx_expect a1 'Phoenix.PubSub.local_broadcast(MyApp.PubSub, "t1", {:local, 3})' ':ok'
phx_expect a1 'Phoenix.PubSub.local_broadcast_from(MyApp.PubSub, Process.whereis(:sa2), "t1", {:local_from_sa2, 3})' ':ok'
mark 3
got a1 sa1 '[{:local, 3}, {:local_from_sa2, 3}, {:m, 3}]'
got a1 sa2 '[{:local, 3}, {:m, 3}]'
for s in sb1 sb2; do got b1 $s '[{:m, 3}]'; done
got b1 sb3 '[{:m, 3}]'

phx_section "-- direct_broadcast (other node, own node)"
phx_expect a1 'Phoenix.PubSub.direct_broadcast(:"b1@127.0.0.1", MyApp.PubSub, "t1", {:direct, 4})' ':ok'
# To its own node it goes through the local worker too.
phx_expect a1 'Phoenix.PubSub.direct_broadcast(:"a1@127.0.0.1", MyApp.PubSub, "t1", {:direct_self, 4})' ':ok'
# Markers through the same workers (same sender), so they come after.
phx_eval a1 'for n <- [:"a1@127.0.0.1", :"b1@127.0.0.1"], t <- ["t1", "t2"], do: :ok = Phoenix.PubSub.direct_broadcast(n, MyApp.PubSub, t, {:m, 4})'
for s in sa1 sa2; do got a1 $s '[{:direct_self, 4}, {:m, 4}]'; done
for s in sb1 sb2; do got b1 $s '[{:direct, 4}, {:m, 4}]'; done
got b1 sb3 '[{:m, 4}]'

phx_section "-- custom dispatcher, subscription metadata"
phx_eval a1 'PhxPeer.start_subscriber(:sam, ["t3"], metadata: :meta_a)'
phx_eval b1 'PhxPeer.start_subscriber(:sbm, ["t3"], metadata: :meta_b)'
phx_expect a1 'Phoenix.PubSub.broadcast_from(MyApp.PubSub, Process.whereis(:sam), "t3", {:custom, 5}, PhxPeer.TagDispatcher)' ':ok'
phx_expect a1 'Phoenix.PubSub.direct_broadcast(:"b1@127.0.0.1", MyApp.PubSub, "t3", {:custom_direct, 5}, PhxPeer.TagDispatcher)' ':ok'
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "t3", {:m, 5})' ':ok'
mark 5
# The dispatcher module ran on both nodes: with from = the local pid on the
# publishing node, :none on the receiving one; metadata reached it.
got a1 sam '[{PhxPeer.TagDispatcher, Process.whereis(:sam), :meta_a, {:custom, 5}}, {:m, 5}]'
got b1 sbm '[{PhxPeer.TagDispatcher, :none, :meta_b, {:custom, 5}}, {PhxPeer.TagDispatcher, :none, :meta_b, {:custom_direct, 5}}, {:m, 5}]'
for s in sa1 sa2; do got a1 $s '[{:m, 5}]'; done
for s in sb1 sb2; do got b1 $s '[{:m, 5}]'; done
got b1 sb3 '[{:m, 5}]'

phx_section "-- duplicate subscription, unsubscribe"
phx_expect b1 'PhxPeer.subscribe(:sb1, "t1")' ':ok'
phx_expect b1 'PhxPeer.subscribe(:sb2, "t2")' ':ok'
phx_expect b1 'PhxPeer.unsubscribe(:sb2, "t1")' ':ok'
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "t1", {:after, 6})' ':ok'
mark 6
for s in sa1 sa2; do got a1 $s '[{:after, 6}, {:m, 6}]'; done
got b1 sb1 '[{:after, 6}, {:after, 6}, {:m, 6}, {:m, 6}]'
got b1 sb2 '[{:m, 6}]'
got b1 sb3 '[{:m, 6}]'
# unsubscribe drops both of sb1's subscriptions.
phx_expect b1 'PhxPeer.unsubscribe(:sb1, "t1")' ':ok'
phx_expect b1 'PhxPeer.subscribe(:sb1, "t1")' ':ok'
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "t1", {:after, 7})' ':ok'
mark 7
got b1 sb1 '[{:after, 7}, {:m, 7}]'
got b1 sb2 '[{:m, 7}]'
for s in sa1 sa2; do got a1 $s '[{:after, 7}, {:m, 7}]'; done
got b1 sb3 '[{:m, 7}]'

phx_expect a1 'Phoenix.PubSub.node_name(MyApp.PubSub)' ':"a1@127.0.0.1"'

phx_section "-- 10,000 messages from one publisher, in order"
phx_eval a1 'PhxPeer.start_subscriber(:sa_seq, ["seq"])'
phx_eval b1 'PhxPeer.start_subscriber(:sb_seq, ["seq"])'
phx_expect a1 'PhxPeer.publish_seq("seq", :n, 10_000)' ':ok' 60
phx_expect b1 'PhxPeer.check_seq(:sb_seq, :n, 10_000, 60_000)' '{:ok, 10_000}' 70
phx_expect a1 'PhxPeer.check_seq(:sa_seq, :n, 10_000, 60_000)' '{:ok, 10_000}' 70
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "seq", {:seq_end, 8})' ':ok'
got a1 sa_seq '[{:seq_end, 8}]'
got b1 sb_seq '[{:seq_end, 8}]'

# Nothing left over anywhere.
phx_expect a1 'Enum.map([:sa1, :sa2, :sam, :sa_seq], &PhxPeer.messages/1)' '[[], [], [], []]'
phx_expect b1 'Enum.map([:sb1, :sb2, :sb3, :sbm, :sb_seq], &PhxPeer.messages/1)' '[[], [], [], [], []]'


phx_section "== Phoenix.Channel.Server (lib/phoenix_channel_server.ex) on a1, b1"
B='%Phoenix.Socket.Broadcast'
# Plain subscribers (a socket-id topic or app code): the struct itself.
phx_eval a1 'PhxPeer.start_subscriber(:ca, ["room:lobby"])'
phx_eval b1 'PhxPeer.start_subscriber(:cb, ["room:lobby"])'
# Channel stand-ins subscribed as a joined channel is, with fastlane
# metadata naming their transport (collectors :ctp, :ctp2), the stand-in
# serializer and the intercepted events.
phx_eval b1 'PhxPeer.start_collector(:ctp); PhxPeer.start_collector(:ctp2); :ok'
phx_eval b1 'PhxPeer.start_subscriber(:cch, ["room:lobby"], metadata: {:fastlane, Process.whereis(:ctp), PhxPeer.TermSerializer, ["shout"]}); PhxPeer.start_subscriber(:cch2, ["room:lobby"], metadata: {:fastlane, Process.whereis(:ctp2), PhxPeer.TermSerializer, ["shout"]}); :ok'
# cmark K: a1 sends {:m, K} to every subscriber of room:lobby (default
# dispatcher, same sender and worker as what precedes it).
cmark() {
  phx_eval a1 "Phoenix.PubSub.broadcast(MyApp.PubSub, \"room:lobby\", {:m, $1})"
}
# fast K EVENT PAYLOAD: both transports next hold the SAME encoded frame
# (fastlane!/1 ran once for the two subscribers) of that broadcast.
fast() {
  phx_expect b1 '(with {:ok, [x]} <- PhxPeer.take(:ctp, 1, 10_000), {:ok, [y]} <- PhxPeer.take(:ctp2, 1, 10_000), {:socket_push, :term, {PhxPeer.TermSerializer, n, f}} when is_integer(n) <- x, do: {x === y, f})' "{true, [nil, nil, \"room:lobby\", $2, $3]}"
}

phx_section "-- Endpoint.broadcast: plain subscribers get the struct, fastlane the frame"
phx_expect a1 'PhxPeer.Endpoint.broadcast("room:lobby", "new_msg", %{"body" => "hi", "user" => "ann"})' ':ok'
cmark 11
got a1 ca "[$B{topic: \"room:lobby\", event: \"new_msg\", payload: %{\"body\" => \"hi\", \"user\" => \"ann\"}}, {:m, 11}]"
got b1 cb "[$B{topic: \"room:lobby\", event: \"new_msg\", payload: %{\"body\" => \"hi\", \"user\" => \"ann\"}}, {:m, 11}]"
fast 11 '"new_msg"' '%{"body" => "hi", "user" => "ann"}'
# The channel processes themselves got only the marker.
for c in cch cch2; do got b1 $c '[{:m, 11}]'; done

phx_section "-- an intercepted event goes to the channel process, not the transport"
phx_expect a1 'PhxPeer.Endpoint.broadcast!("room:lobby", "shout", %{n: 1})' ':ok'
phx_expect a1 'PhxPeer.Endpoint.broadcast("room:lobby", "after_shout", %{n: 2})' ':ok'
cmark 12
for c in cch cch2; do got b1 $c "[$B{topic: \"room:lobby\", event: \"shout\", payload: %{n: 1}}, {:m, 12}]"; done
# The transports' next frame is the one after the intercepted event.
fast 12 '"after_shout"' '%{n: 2}'
got a1 ca "[$B{topic: \"room:lobby\", event: \"shout\", payload: %{n: 1}}, $B{topic: \"room:lobby\", event: \"after_shout\", payload: %{n: 2}}, {:m, 12}]"
got b1 cb "[$B{topic: \"room:lobby\", event: \"shout\", payload: %{n: 1}}, $B{topic: \"room:lobby\", event: \"after_shout\", payload: %{n: 2}}, {:m, 12}]"

phx_section "-- broadcast_from skips from on its own node only"
phx_expect a1 'PhxPeer.Endpoint.broadcast_from(Process.whereis(:ca), "room:lobby", "from_ca", %{})' ':ok'
phx_expect a1 'Phoenix.Channel.Server.broadcast_from(MyApp.PubSub, :erpc.call(:"b1@127.0.0.1", Process, :whereis, [:cb]), "room:lobby", "from_cb", %{})' ':ok'
cmark 13
got a1 ca "[$B{topic: \"room:lobby\", event: \"from_cb\", payload: %{}}, {:m, 13}]"
got b1 cb "[$B{topic: \"room:lobby\", event: \"from_ca\", payload: %{}}, $B{topic: \"room:lobby\", event: \"from_cb\", payload: %{}}, {:m, 13}]"
fast 13 '"from_ca"' '%{}'
fast 13 '"from_cb"' '%{}'
for c in cch cch2; do got b1 $c '[{:m, 13}]'; done

phx_section "-- local_broadcast stays on the node; other terms are sent as they are"
phx_expect a1 'PhxPeer.Endpoint.local_broadcast("room:lobby", "local", %{})' ':ok'
phx_expect a1 'Phoenix.PubSub.broadcast(MyApp.PubSub, "room:lobby", {:plain, 14}, Phoenix.Channel.Server)' ':ok'
cmark 14
got a1 ca "[$B{topic: \"room:lobby\", event: \"local\", payload: %{}}, {:plain, 14}, {:m, 14}]"
got b1 cb '[{:plain, 14}, {:m, 14}]'
# A non-Broadcast term goes to the channel process, never to a transport.
for c in cch cch2; do got b1 $c '[{:plain, 14}, {:m, 14}]'; done
phx_expect b1 'Enum.map([:ctp, :ctp2, :cb, :cch, :cch2], &PhxPeer.messages/1)' '[[], [], [], [], []]'
phx_expect a1 'PhxPeer.messages(:ca)' '[]'

# The forwarded term is PHOENIX.md §5.2's test vector, byte for byte
# (OTP 25 writes ATOM_EXT, map keys in term order).
phx_expect a1 'Base.encode16(:erlang.term_to_binary({:forward_to_local, "room:lobby", %Phoenix.Socket.Broadcast{topic: "room:lobby", event: "new_msg", payload: %{"body" => "hi"}}, Phoenix.Channel.Server}))' '"836804640010666F72776172645F746F5F6C6F63616C6D0000000A726F6F6D3A6C6F626279740000000464000A5F5F7374727563745F5F64001F456C697869722E50686F656E69782E536F636B65742E42726F6164636173746400056576656E746D000000076E65775F6D73676400077061796C6F616474000000016D00000004626F64796D000000026869640005746F7069636D0000000A726F6F6D3A6C6F62627964001D456C697869722E50686F656E69782E4368616E6E656C2E536572766572"'

phx_stop a1
phx_stop b1

# ------------------------------------------------------------------ pool 2
phx_section "== pool_size 2 (a2; b2 with broadcast_pool_size 1; c2 foreign stand-in)"
phx_launch a2 pool_size=2
phx_launch b2 pool_size=2 broadcast_pool_size=1
phx_launch c2 start=scope
phx_wait_ready a2
phx_wait_ready b2
phx_wait_ready c2

for n in a2 b2; do
  phx_expect $n ':pg.which_groups(Phoenix.PubSub) |> Enum.sort()' "[:\"Elixir.$A\", :\"Elixir.$A2\"]"
  phx_expect $n "for g <- [:\"Elixir.$A\", :\"Elixir.$A2\"], do: (w = Process.whereis(g); is_pid(w) and :pg.get_local_members(Phoenix.PubSub, g) == [w])" '[true, true]'
  phx_expect $n 'PhxPeer.registered_names()' '[MyApp.PubSub, MyApp.PubSub.Adapter, MyApp.PubSub.Adapter_2, MyApp.PubSub.Adapter_supervisor, MyApp.PubSub.PIDPartition0, MyApp.PubSub.PIDPartition1, MyApp.PubSub.Supervisor]'
done
phx_expect c2 'Process.registered() |> Enum.filter(&String.starts_with?(Atom.to_string(&1), "Elixir.MyApp")) |> Enum.sort()' '[]'
phx_eval c2 "PhxPeer.start_spy($A); PhxPeer.start_spy($A2)"

phx_expect a2 'Node.connect(:"b2@127.0.0.1")' 'true'
phx_expect a2 'Node.connect(:"c2@127.0.0.1")' 'true'
phx_expect b2 'Node.connect(:"c2@127.0.0.1")' 'true'
for n in a2 b2 c2; do
  for g in $A $A2; do
    phx_expect $n "PhxPeer.wait_member_nodes($g, [:\"a2@127.0.0.1\", :\"b2@127.0.0.1\", :\"c2@127.0.0.1\"])" ':ok'
  done
done

phx_eval a2 'PhxPeer.start_subscriber(:sa, ["raw"])'
phx_eval b2 'PhxPeer.start_subscriber(:sb, ["raw"])'
for n in a2 b2; do
  phx_eval $n "c2 = :\"c2@127.0.0.1\"; gs = {$A, $A2}; :ok"
done

# spied NODE EXPR_OF_GROUP LIST: c2's spy for that group next holds LIST
# followed by the {:end, group} marker that NODE sends now (after LIST's
# senders, over the same connection).
spied() {
  phx_eval "$1" "g = $2; send({g, c2}, {:end, g})"
  phx_expect "$1" ':erpc.call(c2, PhxPeer, :take, [g, length(('"$3"')) + 1, 10_000])' '{:ok, ('"$3"') ++ [{:end, g}]}'
}

phx_section "-- broadcast: each publisher picks one group by phash2(self(), 2)"
phx_eval a2 'pubs = PhxPeer.publishers(24, fn i -> Phoenix.PubSub.broadcast(MyApp.PubSub, "raw", {:raw, i}) end); :ok'
phx_eval a2 'pick = fn ps, g -> for {i, p} <- ps, elem(gs, :erlang.phash2(p, 2)) == g, do: i end; :ok'
# Both groups were exercised (24 distinct pids).
phx_expect a2 "[pick.(pubs, $A) != [], pick.(pubs, $A2) != []]" '[true, true]'
for g in $A $A2; do
  spied a2 "$g" "Enum.map(pick.(pubs, $g), &{:forward_to_local, \"raw\", {:raw, &1}, Phoenix.PubSub})"
done
got a2 sa 'for i <- 1..24, do: {:raw, i}'
# b2 got each exactly once, through its two workers (no order between them).
phx_expect b2 'with {:ok, l} <- PhxPeer.take(:sb, 24, 10_000), do: Enum.sort(l)' 'Enum.sort(for i <- 1..24, do: {:raw, i})'

phx_section "-- broadcast_pool_size 1: b2 broadcasts on the first group only"
phx_eval b2 'pubs = PhxPeer.publishers(24, fn i -> Phoenix.PubSub.broadcast(MyApp.PubSub, "raw", {:rawb, i}) end); :ok'
# With 2 groups these pids would have used the second one too.
phx_expect b2 "Enum.any?(pubs, fn {_, p} -> :erlang.phash2(p, 2) == 1 end)" 'true'
spied b2 "$A" 'for i <- 1..24, do: {:forward_to_local, "raw", {:rawb, i}, Phoenix.PubSub}'
spied b2 "$A2" '[]'
got b2 sb 'for i <- 1..24, do: {:rawb, i}'
phx_expect a2 'with {:ok, l} <- PhxPeer.take(:sa, 24, 10_000), do: Enum.sort(l)' 'Enum.sort(for i <- 1..24, do: {:rawb, i})'

phx_section "-- direct_broadcast: a REG_SEND to {picked group, node}"
phx_eval a2 'dpubs = PhxPeer.publishers(24, fn i -> Phoenix.PubSub.direct_broadcast(c2, MyApp.PubSub, "raw", {:direct, i}) end); :ok'
phx_expect a2 "[pick.(dpubs, $A) != [], pick.(dpubs, $A2) != []]" '[true, true]'
for g in $A $A2; do
  spied a2 "$g" "Enum.map(pick.(dpubs, $g), &{:forward_to_local, \"raw\", {:direct, &1}, Phoenix.PubSub})"
done

phx_section "-- custom dispatcher and broadcast_from on the wire"
phx_expect a2 'Phoenix.PubSub.broadcast_from(MyApp.PubSub, self(), "raw", {:custom, 1}, PhxPeer.TagDispatcher)' ':ok'
spied a2 'elem(gs, :erlang.phash2(self(), 2))' '[{:forward_to_local, "raw", {:custom, 1}, PhxPeer.TagDispatcher}]'
spied a2 'elem(gs, 1 - :erlang.phash2(self(), 2))' '[]'
got a2 sa '[{PhxPeer.TagDispatcher, self(), nil, {:custom, 1}}]'
got b2 sb '[{PhxPeer.TagDispatcher, :none, nil, {:custom, 1}}]'

phx_section "-- a foreign publisher (c2) sends to the workers"
phx_eval c2 "for {g, i} <- [{$A, 1}, {$A2, 2}], n <- [:\"a2@127.0.0.1\", :\"b2@127.0.0.1\"], do: send({g, n}, {:forward_to_local, \"raw\", {:foreign, i}, Phoenix.PubSub})"
# Anything else is ignored by a worker.
phx_eval a2 "w = Process.whereis($A2); send(w, {:not_a_forward, 1}); send(w, {:forward_to_local, \"raw\", {:foreign, 3}, Phoenix.PubSub}); :ok"
phx_expect a2 'with {:ok, l} <- PhxPeer.take(:sa, 3, 10_000), do: Enum.sort(l)' '[{:foreign, 1}, {:foreign, 2}, {:foreign, 3}]'
phx_expect a2 "Process.whereis($A2) == w" 'true'
phx_expect b2 'with {:ok, l} <- PhxPeer.take(:sb, 2, 10_000), do: Enum.sort(l)' '[{:foreign, 1}, {:foreign, 2}]'
# A non-binary topic fails the worker's guarded call: it restarts (new
# pid) and joins its group again.
phx_eval a2 "w = Process.whereis($A); send(w, {:forward_to_local, :not_binary, :x, Phoenix.PubSub}); :ok"
phx_expect a2 "PhxPeer.eventually(fn -> n = Process.whereis($A); is_pid(n) and n != w and PhxPeer.local_members($A) == [n] end)" ':ok'
phx_expect c2 "PhxPeer.eventually(fn -> :erpc.call(:\"a2@127.0.0.1\", Process, :whereis, [$A]) in PhxPeer.members($A) end)" ':ok'


phx_section "-- Endpoint.broadcast on the wire; a foreign Broadcast reaches subscribers"
phx_expect a2 'PhxPeer.Endpoint.broadcast("raw", "new_msg", %{"body" => "hi"})' ':ok'
spied a2 'elem(gs, :erlang.phash2(self(), 2))' '[{:forward_to_local, "raw", %Phoenix.Socket.Broadcast{topic: "raw", event: "new_msg", payload: %{"body" => "hi"}}, Phoenix.Channel.Server}]'
spied a2 'elem(gs, 1 - :erlang.phash2(self(), 2))' '[]'
got a2 sa '[%Phoenix.Socket.Broadcast{topic: "raw", event: "new_msg", payload: %{"body" => "hi"}}]'
got b2 sb '[%Phoenix.Socket.Broadcast{topic: "raw", event: "new_msg", payload: %{"body" => "hi"}}]'
# What cafe-chat sends: the 4-tuple with this dispatcher, to a worker.
phx_eval c2 "send({$A, :\"b2@127.0.0.1\"}, {:forward_to_local, \"raw\", %Phoenix.Socket.Broadcast{topic: \"raw\", event: \"new_msg\", payload: %{\"body\" => \"from c2\"}}, Phoenix.Channel.Server})"
got b2 sb '[%Phoenix.Socket.Broadcast{topic: "raw", event: "new_msg", payload: %{"body" => "from c2"}}]'

phx_expect a2 'PhxPeer.messages(:sa)' '[]'
phx_expect b2 'PhxPeer.messages(:sb)' '[]'
phx_expect c2 "Enum.map([$A, $A2], &PhxPeer.messages/1)" '[[], []]'

phx_section "PASS: $PHX_CHECKS checks"
