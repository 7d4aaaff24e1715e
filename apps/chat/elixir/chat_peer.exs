# An Elixir node in the cafe-chat cluster, on the wire a Phoenix app with
# `pubsub_server: Chat.PubSub` would use (Phoenix.PubSub 2.x, PG2 adapter):
# it joins the adapter's pg group, prints what is said in room:lobby and
# says something there itself, as `Endpoint.broadcast("room:lobby",
# "new_msg", ...)` would. Plain Elixir, no Mix project, no hex packages.
#
#   elixir --sname ex apps/chat/elixir/chat_peer.exs [NODE] [options]
#
#   NODE               a cafe-chat node to connect to (default chat1@<host>)
#   --pubsub NAME      the pubsub's name (default Chat.PubSub)
#   --room NAME        the room (default lobby)
#   --user NAME        the nickname it posts as (default elixir)
#   --say TEXT         what it posts once connected (default a greeting)
#   --for SECONDS      stop after this long (default: run until Ctrl-C)
#
# The cookie is ~/.erlang.cookie, as for the cafe-chat nodes of
# scripts/demo.sh (pass --cookie to elixir otherwise).

defmodule Phoenix.Socket.Broadcast do
  @moduledoc false
  # The struct Phoenix's Endpoint.broadcast sends (lib/phoenix/socket/message.ex).
  defstruct [:topic, :event, :payload]
end

defmodule Phoenix.Channel.Server do
  @moduledoc false
  # The dispatcher of Phoenix Channels broadcasts. cafe-chat sends room
  # messages with it only to nodes where this module is loaded (it asks with
  # code:ensure_loaded/1), as only those run Phoenix channels.
  def dispatch(entries, from, msg) do
    for {pid, _} <- entries, pid != from, do: send(pid, msg)
    :ok
  end
end

defmodule ChatPeer do
  @moduledoc false

  def main(argv) do
    {opts, rest, _} =
      OptionParser.parse(argv,
        strict: [pubsub: :string, room: :string, user: :string, say: :string, for: :integer]
      )

    [_, host] = node() |> Atom.to_string() |> String.split("@")
    target = String.to_atom(List.first(rest) || "chat1@" <> host)
    pubsub = Keyword.get(opts, :pubsub, "Chat.PubSub")
    room = "room:" <> Keyword.get(opts, :room, "lobby")
    user = Keyword.get(opts, :user, "elixir")
    say = Keyword.get(opts, :say, "hello from Elixir (#{node()})")

    # The adapter's group, its worker's registered name (pool_size 1).
    group = String.to_atom("Elixir." <> pubsub <> ".Adapter")
    {:ok, _} = :pg.start_link(Phoenix.PubSub)
    worker = spawn_link(fn -> worker(room) end)
    true = Process.register(worker, group)
    :ok = :pg.join(Phoenix.PubSub, group, worker)

    unless Node.connect(target) == true do
      IO.puts(:stderr, "cannot connect to #{target}")
      System.halt(1)
    end

    # The whole cluster, as a Phoenix node would be connected to it (by
    # libcluster or dns_cluster): a broadcast goes to each node directly.
    cluster = [target | :erpc.call(target, :erlang, :nodes, [])] -- [node()]
    Enum.each(cluster, &Node.connect/1)
    IO.puts("connected to #{inspect(Enum.sort(Node.list()))}")
    await_members(group, MapSet.new(cluster), 100)

    broadcast(group, room, %Phoenix.Socket.Broadcast{
      topic: room,
      event: "new_msg",
      payload: %{"user" => user, "body" => say, "at" => now(), "node" => Atom.to_string(node())}
    })

    IO.puts("said in #{room}: #{say}")

    case Keyword.get(opts, :for) do
      nil -> Process.sleep(:infinity)
      seconds -> Process.sleep(seconds * 1000)
    end
  end

  # Phoenix.PubSub.PG2.broadcast/4: the message to every member of the
  # group on other nodes (this node's own subscribers are its worker).
  defp broadcast(group, topic, msg) do
    for pid <- :pg.get_members(Phoenix.PubSub, group), node(pid) != node() do
      send(pid, {:forward_to_local, topic, msg, Phoenix.Channel.Server})
    end
  end

  # Until every node of the cluster has its worker in the group (pg learns
  # of a node's members shortly after connecting).
  defp await_members(group, _nodes, 0), do: IO.puts(:stderr, "not every node is in #{group}")

  defp await_members(group, nodes, tries) do
    member_nodes = MapSet.new(:pg.get_members(Phoenix.PubSub, group), &node/1)

    if MapSet.subset?(nodes, member_nodes) do
      :ok
    else
      Process.sleep(100)
      await_members(group, nodes, tries - 1)
    end
  end

  # The worker of Phoenix.PubSub.PG2Worker: hands on what other nodes
  # broadcast; here it prints the room's messages.
  defp worker(room) do
    receive do
      {:forward_to_local, ^room, %{event: "new_msg", payload: p}, _dispatcher} ->
        IO.puts("[#{room}] #{p["user"]}@#{p["node"]}: #{p["body"]}")

      _other ->
        :ok
    end

    worker(room)
  end

  defp now, do: DateTime.utc_now() |> DateTime.to_iso8601()
end

ChatPeer.main(System.argv())
