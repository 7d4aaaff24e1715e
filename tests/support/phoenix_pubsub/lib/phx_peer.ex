# Helpers for the Phoenix.PubSub test peer (peer.exs). Not part of the test
# double: these are what the tests' command lines call to start the pubsub,
# collect what arrives, inspect pg and publish. Every wait is bounded.

defmodule PhxPeer do
  @moduledoc false

  @ctl :"$phx_peer"

  ## -- start-up ------------------------------------------------------------

  @doc """
  The peer's configuration from the environment, overridden by `key=value`
  arguments:

    | argument              | environment                     | default        |
    |-----------------------|---------------------------------|----------------|
    | pubsub=NAME           | PHX_PUBSUB_NAME                 | MyApp.PubSub   |
    | pool_size=N           | PHX_PUBSUB_POOL_SIZE            | 1              |
    | broadcast_pool_size=N | PHX_PUBSUB_BROADCAST_POOL_SIZE  | (pool_size)    |
    | registry_size=N       | PHX_PUBSUB_REGISTRY_SIZE        | (pool_size)    |
    | start=pubsub|scope|none | PHX_PEER_START                | pubsub         |
    | reply=inspect|etf     | PHX_PEER_REPLY                  | inspect        |

  NAME starting with an upper-case letter is an alias (`MyApp.PubSub` is
  the atom 'Elixir.MyApp.PubSub'), anything else a plain atom. `start=scope`
  starts only the pg scope Phoenix.PubSub (to play a foreign node with
  `start_spy/1`), `start=none` neither.
  """
  def parse_config(env \\ System.get_env(), argv \\ System.argv()) do
    from_env = %{
      "pubsub" => env["PHX_PUBSUB_NAME"],
      "pool_size" => env["PHX_PUBSUB_POOL_SIZE"],
      "broadcast_pool_size" => env["PHX_PUBSUB_BROADCAST_POOL_SIZE"],
      "registry_size" => env["PHX_PUBSUB_REGISTRY_SIZE"],
      "start" => env["PHX_PEER_START"],
      "reply" => env["PHX_PEER_REPLY"]
    }

    raw =
      Enum.reduce(argv, from_env, fn arg, acc ->
        case String.split(arg, "=", parts: 2) do
          [k, v] when is_map_key(acc, k) -> Map.put(acc, k, v)
          _ -> raise ArgumentError, "unknown peer argument #{inspect(arg)}"
        end
      end)

    %{
      pubsub: name_atom(present(raw["pubsub"]) || "MyApp.PubSub"),
      pool_size: int(raw["pool_size"]) || 1,
      broadcast_pool_size: int(raw["broadcast_pool_size"]),
      registry_size: int(raw["registry_size"]),
      start: one_of(raw["start"], ~w(pubsub scope none), "pubsub"),
      reply: one_of(raw["reply"], ~w(inspect etf), "inspect")
    }
  end

  defp present(nil), do: nil
  defp present(""), do: nil
  defp present(s), do: s

  defp name_atom(<<c, _::binary>> = s) when c in ?A..?Z, do: Module.concat([s])
  defp name_atom(s), do: String.to_atom(s)

  defp int(s) do
    case present(s) do
      nil -> nil
      s -> String.to_integer(s)
    end
  end

  defp one_of(v, allowed, default) do
    case present(v) do
      nil ->
        default

      v ->
        if v in allowed,
          do: v,
          else: raise(ArgumentError, "#{v} is not one of #{inspect(allowed)}")
    end
  end

  @doc """
  Starts what `config` asks for, as the real application + supervision tree
  would: the pg scope Phoenix.PubSub (the phoenix_pubsub application), then
  `{Phoenix.PubSub, name: ..., pool_size: ...}`. Linked to the caller.
  """
  def start(config) do
    :persistent_term.put({__MODULE__, :config}, config)

    if config.start in ["pubsub", "scope"] do
      {:ok, _} = Phoenix.PubSub.Application.start(:normal, [])
    end

    if config.start == "pubsub" do
      opts =
        [name: config.pubsub, pool_size: config.pool_size] ++
          optional(:broadcast_pool_size, config.broadcast_pool_size) ++
          optional(:registry_size, config.registry_size)

      {:ok, _} = Supervisor.start_link([{Phoenix.PubSub, opts}], strategy: :one_for_one)
    end

    :ok
  end

  defp optional(_key, nil), do: []
  defp optional(key, v), do: [{key, v}]

  def config, do: :persistent_term.get({__MODULE__, :config})
  def pubsub, do: config().pubsub
  def adapter_name, do: Module.concat(pubsub(), "Adapter")

  ## -- collectors ----------------------------------------------------------
  #
  # A collector is a registered process that keeps every message it receives,
  # in arrival order. Subscribers are collectors subscribed to topics (they
  # subscribe themselves, as Phoenix.PubSub requires); spies are collectors
  # registered under a PG2 group name and joined to that pg group, i.e. what
  # a foreign (cafe) node does to receive raw {:forward_to_local, ...}.

  @doc "A registered collector that runs `init` (a 0-arity fun) in itself first."
  def start_collector(name, init \\ fn -> :ok end) when is_atom(name) do
    parent = self()
    ref = make_ref()

    pid =
      spawn(fn ->
        true = Process.register(self(), name)
        send(parent, {ref, init.()})
        collect(:queue.new(), 0, nil)
      end)

    receive do
      {^ref, :ok} -> pid
      {^ref, other} -> raise "collector #{inspect(name)} init: #{inspect(other)}"
    after
      5000 -> raise "collector #{inspect(name)} did not start"
    end
  end

  @doc "A collector subscribed to `topics` of the pubsub (opts: pubsub:, metadata:)."
  def start_subscriber(name, topics \\ [], opts \\ []) do
    pubsub = Keyword.get(opts, :pubsub, pubsub())
    sub_opts = Keyword.take(opts, [:metadata])

    start_collector(name, fn ->
      Enum.reduce_while(List.wrap(topics), :ok, fn t, :ok ->
        case Phoenix.PubSub.subscribe(pubsub, t, sub_opts) do
          :ok -> {:cont, :ok}
          other -> {:halt, other}
        end
      end)
    end)
  end

  @doc """
  A collector registered under the PG2 group name `group` and joined to
  that group in scope Phoenix.PubSub: a stand-in for a foreign node's
  worker, which sees the raw forwarded tuples.
  """
  def start_spy(group) do
    start_collector(group, fn -> :pg.join(Phoenix.PubSub, group, self()) end)
  end

  @doc "Makes the collector `name` subscribe itself to `topic`."
  def subscribe(name, topic, opts \\ []) do
    pubsub = Keyword.get(opts, :pubsub, pubsub())
    sub_opts = Keyword.take(opts, [:metadata])
    in_collector(name, fn -> Phoenix.PubSub.subscribe(pubsub, topic, sub_opts) end)
  end

  @doc "Makes the collector `name` unsubscribe itself from `topic`."
  def unsubscribe(name, topic, opts \\ []) do
    pubsub = Keyword.get(opts, :pubsub, pubsub())
    in_collector(name, fn -> Phoenix.PubSub.unsubscribe(pubsub, topic) end)
  end

  @doc "Runs `fun` inside the collector `name` and returns its value."
  def in_collector(name, fun, timeout \\ 5000) do
    ref = make_ref()
    send(whereis!(name), {@ctl, :run, self(), ref, fun})

    receive do
      {^ref, value} -> value
    after
      timeout -> exit({:collector_timeout, name})
    end
  end

  @doc """
  The `n` oldest messages of the collector `name`, removed from it:
  `{:ok, messages}`, or `{:timeout, all_it_holds}` (nothing removed) when
  fewer than `n` arrived within `timeout` ms.
  """
  def take(name, n, timeout \\ 5000) when is_integer(n) and n >= 0 do
    pid = whereis!(name)
    ref = make_ref()
    send(pid, {@ctl, :take, self(), ref, n})

    receive do
      {^ref, answer} -> answer
    after
      timeout ->
        send(pid, {@ctl, :cancel, ref})

        # Either the answer raced the cancel, or the cancel is answered.
        receive do
          {^ref, answer} -> answer
        after
          5000 -> exit({:collector_timeout, name})
        end
    end
  end

  @doc "The oldest message (removed), or :timeout."
  def next(name, timeout \\ 5000) do
    case take(name, 1, timeout) do
      {:ok, [msg]} -> msg
      {:timeout, _} -> :timeout
    end
  end

  @doc "Every message the collector holds, oldest first (nothing removed)."
  def messages(name), do: in_collector(name, :peek)

  @doc "How many messages the collector holds."
  def count(name), do: length(messages(name))

  @doc "Removes and returns every message the collector holds."
  def drain(name), do: in_collector(name, :drain)

  @doc """
  Takes `n` messages and checks they are {tag, 1} .. {tag, n} in order:
  {:ok, n}, or {:error, index, expected, got}, or {:timeout, count_so_far}.
  """
  def check_seq(name, tag, n, timeout \\ 30_000) do
    case take(name, n, timeout) do
      {:ok, msgs} ->
        msgs
        |> Enum.with_index(1)
        |> Enum.find(fn {msg, i} -> msg != {tag, i} end)
        |> case do
          nil -> {:ok, n}
          {got, i} -> {:error, i, {tag, i}, got}
        end

      {:timeout, held} ->
        {:timeout, length(held)}
    end
  end

  def whereis!(name) do
    Process.whereis(name) || exit({:no_collector, name})
  end

  defp collect(q, len, waiter) do
    receive do
      {@ctl, :take, from, ref, n} ->
        serve(q, len, {from, ref, n})

      {@ctl, :cancel, ref} ->
        case waiter do
          {from, ^ref, _n} ->
            send(from, {ref, {:timeout, :queue.to_list(q)}})
            collect(q, len, nil)

          _ ->
            collect(q, len, waiter)
        end

      {@ctl, :run, from, ref, :peek} ->
        send(from, {ref, :queue.to_list(q)})
        collect(q, len, waiter)

      {@ctl, :run, from, ref, :drain} ->
        send(from, {ref, :queue.to_list(q)})
        collect(:queue.new(), 0, waiter)

      {@ctl, :run, from, ref, fun} ->
        send(from, {ref, fun.()})
        collect(q, len, waiter)

      msg ->
        serve(:queue.in(msg, q), len + 1, waiter)
    end
  end

  defp serve(q, len, {from, ref, n}) when len >= n do
    {taken, rest} = :queue.split(n, q)
    send(from, {ref, {:ok, :queue.to_list(taken)}})
    collect(rest, len - n, nil)
  end

  defp serve(q, len, waiter), do: collect(q, len, waiter)

  ## -- pg ------------------------------------------------------------------

  @doc "Groups of scope Phoenix.PubSub with members (anywhere), sorted."
  def groups, do: Enum.sort(:pg.which_groups(Phoenix.PubSub))

  def members(group), do: :pg.get_members(Phoenix.PubSub, group)
  def local_members(group), do: :pg.get_local_members(Phoenix.PubSub, group)

  @doc "The nodes of `group`'s members, sorted (with repeats)."
  def member_nodes(group), do: members(group) |> Enum.map(&node/1) |> Enum.sort()

  @doc "Waits until member_nodes(group) == Enum.sort(nodes): :ok or {:timeout, actual}."
  def wait_member_nodes(group, nodes, timeout \\ 10_000) do
    want = Enum.sort(nodes)

    case eventually(fn -> member_nodes(group) == want end, timeout) do
      :ok -> :ok
      :timeout -> {:timeout, member_nodes(group)}
    end
  end

  @doc "Polls `pred` every 10 ms until it is true (:ok) or `timeout` ms pass (:timeout)."
  def eventually(pred, timeout \\ 10_000) do
    deadline = System.monotonic_time(:millisecond) + timeout
    poll(pred, deadline)
  end

  defp poll(pred, deadline) do
    cond do
      pred.() ->
        :ok

      System.monotonic_time(:millisecond) >= deadline ->
        :timeout

      true ->
        Process.sleep(10)
        poll(pred, deadline)
    end
  end

  @doc """
  The pubsub's own locally registered names (those starting with the
  pubsub's name), sorted.
  """
  def registered_names do
    prefix = Atom.to_string(pubsub())

    Process.registered()
    |> Enum.filter(&String.starts_with?(Atom.to_string(&1), prefix))
    |> Enum.sort()
  end

  @doc """
  For each pool group: {group, registered worker is the group's only local
  member}. What upstream's PG2 must look like on every node.
  """
  def workers do
    for group <- Phoenix.PubSub.PG2.group_names(adapter_name(), config().pool_size) do
      pid = Process.whereis(group)
      {group, is_pid(pid) and local_members(group) == [pid]}
    end
  end

  ## -- publishing ----------------------------------------------------------

  @doc """
  Runs `fun` in a fresh process (a distinct publisher pid) and returns
  {pid, value}. The process has ended when this returns.
  """
  def in_process(fun, timeout \\ 60_000) do
    {pid, mref} = spawn_monitor(fn -> exit({:done, fun.()}) end)

    receive do
      {:DOWN, ^mref, :process, ^pid, {:done, value}} -> {pid, value}
      {:DOWN, ^mref, :process, ^pid, other} -> exit({:publisher_failed, other})
    after
      timeout ->
        Process.exit(pid, :kill)
        exit(:publisher_timeout)
    end
  end

  @doc """
  Runs `fun.(i)` for i in 1..n, each in its own fresh process, one after
  the other; each must return :ok. Returns [{i, pid}]: distinct publisher
  pids, hence (with pool_size > 1) different PG2 groups.
  """
  def publishers(n, fun) do
    for i <- 1..n do
      {pid, :ok} = in_process(fn -> fun.(i) end)
      {i, pid}
    end
  end

  @doc "Broadcasts {tag, 1} .. {tag, n} on `topic` from the calling process."
  def publish_seq(topic, tag, n, pubsub \\ pubsub()) do
    Enum.each(1..n, fn i -> :ok = Phoenix.PubSub.broadcast(pubsub, topic, {tag, i}) end)
    :ok
  end
end

defmodule PhxPeer.TagDispatcher do
  @moduledoc false
  # A custom dispatcher (Phoenix.PubSub's "custom dispatching"): every
  # subscriber, `from` included, gets {PhxPeer.TagDispatcher, from,
  # subscription_value, message}, so a test sees that this module ran, with
  # which `from` (:none on a receiving node) and which metadata.
  def dispatch(entries, from, message) do
    Enum.each(entries, fn {pid, value} -> send(pid, {__MODULE__, from, value, message}) end)
    :ok
  end
end
