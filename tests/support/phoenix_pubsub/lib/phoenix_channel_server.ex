# A faithful TEST DOUBLE of what a Phoenix (1.8) application brings to the
# Phoenix.PubSub wire besides the pubsub itself: the %Phoenix.Socket.Broadcast{}
# struct and the dispatcher module Phoenix.Channel.Server, with the SAME
# module names, so that a {:forward_to_local, Topic, %Broadcast{},
# Phoenix.Channel.Server} arriving from a cafe node is dispatched on this
# node exactly as a Phoenix node would dispatch it, and a broadcast made
# here (Endpoint.broadcast-style) leaves this node as a Phoenix node's
# would. Written anew from a reading of the upstream source; it is not
# Phoenix, and what passes against it must also be run against a real
# Phoenix application.
#
# What each part reproduces (repository phoenixframework/phoenix):
#
#   Phoenix.Socket.Broadcast   lib/phoenix/socket/message.ex: a struct with
#                              exactly the fields topic, event, payload (all
#                              nil by default); unchanged from the oldest
#                              stored text (commit d1290ab38bbe82e0739ee193f8d985312c2f9511)
#                              to v1.8.12 (PHOENIX.md §5.2)
#   Phoenix.Channel.Server     lib/phoenix/channel/server.ex at commit
#                              1a87464d01614efc4d6a0116f916fd8d245ad203 (a
#                              1.7.15+/1.8 text): dispatch/3 (its three
#                              clauses) and the broadcast family
#                              (broadcast/4, broadcast!/4, broadcast_from/5,
#                              broadcast_from!/5, local_broadcast/4,
#                              local_broadcast_from/5). The channel process
#                              itself (join, handle_in, push, reply) is not
#                              reproduced: cafe never talks to it over the
#                              wire.
#   PhxPeer.Endpoint           what `use Phoenix.Endpoint` generates for
#                              broadcast/3, broadcast!/3, broadcast_from/4,
#                              local_broadcast/3 (lib/phoenix/endpoint.ex:
#                              each calls the Channel.Server function of the
#                              same name with the endpoint's pubsub_server).
#                              Named PhxPeer.* because an endpoint is the
#                              application's own module.
#
# The dispatch rules (PHOENIX.md §5.3), per Registry entry {pid, value}, for
# a %Broadcast{event: e}:
#   * pid == from                              -> skipped
#   * value {:fastlane, tpid, serializer, intercepts}:
#       e in intercepts                        -> send(pid, broadcast)
#       otherwise                              -> send(tpid, serializer.fastlane!(broadcast)),
#                                                 encoded once per serializer
#   * any other value (a plain subscriber)     -> send(pid, broadcast)
# Any other message: sent as it is to every pid but `from`.

defmodule Phoenix.Socket.Broadcast do
  @moduledoc """
  A message sent from pubsub to channels (test double of Phoenix's
  `Phoenix.Socket.Broadcast`): `topic`, `event`, `payload`.
  """
  @type t :: %__MODULE__{topic: String.t(), event: String.t(), payload: term}
  defstruct topic: nil, event: nil, payload: nil
end

defmodule Phoenix.Channel.Server do
  @moduledoc """
  Test double of Phoenix's `Phoenix.Channel.Server` as a PubSub dispatcher
  and broadcaster (see the header of this file).
  """

  alias Phoenix.PubSub
  alias Phoenix.Socket.Broadcast

  @doc "Hook invoked by Phoenix.PubSub dispatch (Registry.dispatch/3)."
  def dispatch(subscribers, from, %Broadcast{event: event} = msg) do
    Enum.reduce(subscribers, %{}, fn
      {pid, _}, cache when pid == from ->
        cache

      {pid, {:fastlane, fastlane_pid, serializer, event_intercepts}}, cache ->
        if event in event_intercepts do
          send(pid, msg)
          cache
        else
          case cache do
            %{^serializer => encoded} ->
              send(fastlane_pid, encoded)
              cache

            %{} ->
              encoded = serializer.fastlane!(msg)
              send(fastlane_pid, encoded)
              Map.put(cache, serializer, encoded)
          end
        end

      {pid, _}, cache ->
        send(pid, msg)
        cache
    end)

    :ok
  end

  def dispatch(entries, :none, message) do
    for {pid, _} <- entries, do: send(pid, message)
    :ok
  end

  def dispatch(entries, from, message) do
    for {pid, _} <- entries, pid != from, do: send(pid, message)
    :ok
  end

  @doc "Endpoint.broadcast/3: a %Broadcast{} to every node, this dispatcher."
  def broadcast(pubsub_server, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.broadcast(pubsub_server, topic, bcast(topic, event, payload), __MODULE__)
  end

  def broadcast!(pubsub_server, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.broadcast!(pubsub_server, topic, bcast(topic, event, payload), __MODULE__)
  end

  def broadcast_from(pubsub_server, from, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.broadcast_from(pubsub_server, from, topic, bcast(topic, event, payload), __MODULE__)
  end

  def broadcast_from!(pubsub_server, from, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.broadcast_from!(pubsub_server, from, topic, bcast(topic, event, payload), __MODULE__)
  end

  def local_broadcast(pubsub_server, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.local_broadcast(pubsub_server, topic, bcast(topic, event, payload), __MODULE__)
  end

  def local_broadcast_from(pubsub_server, from, topic, event, payload)
      when is_binary(topic) and is_binary(event) do
    PubSub.local_broadcast_from(
      pubsub_server,
      from,
      topic,
      bcast(topic, event, payload),
      __MODULE__
    )
  end

  defp bcast(topic, event, payload),
    do: %Broadcast{topic: topic, event: event, payload: payload}
end

defmodule PhxPeer.Endpoint do
  @moduledoc """
  The broadcast functions `use Phoenix.Endpoint` gives an application's
  endpoint, with the peer's pubsub as `pubsub_server`:
  `PhxPeer.Endpoint.broadcast("room:lobby", "new_msg", %{"body" => "hi"})`.
  """
  alias Phoenix.Channel.Server

  def broadcast(topic, event, payload),
    do: Server.broadcast(PhxPeer.pubsub(), topic, event, payload)

  def broadcast!(topic, event, payload),
    do: Server.broadcast!(PhxPeer.pubsub(), topic, event, payload)

  def broadcast_from(from, topic, event, payload),
    do: Server.broadcast_from(PhxPeer.pubsub(), from, topic, event, payload)

  def local_broadcast(topic, event, payload),
    do: Server.local_broadcast(PhxPeer.pubsub(), topic, event, payload)
end

defmodule PhxPeer.TermSerializer do
  @moduledoc false
  # A stand-in serializer for fastlane subscriptions in the self-test (the
  # real V2 serializer needs a JSON library this machine lacks): the frame
  # Phoenix would write, as a term, tagged with a unique integer so that a
  # test sees fastlane!/1 ran once per serializer, not once per subscriber.
  alias Phoenix.Socket.Broadcast

  def fastlane!(%Broadcast{topic: t, event: e, payload: p}) do
    n = :erlang.unique_integer([:positive, :monotonic])
    {:socket_push, :term, {__MODULE__, n, [nil, nil, t, e, p]}}
  end
end
