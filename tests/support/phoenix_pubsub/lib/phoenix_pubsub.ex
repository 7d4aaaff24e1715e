# A faithful TEST DOUBLE of phoenix_pubsub 2.2.0 (PG2 adapter, `:pg` path).
#
# Phoenix.PubSub cannot be installed here (Debian's elixir 1.14.0 on OTP 25,
# no hex), yet cafe must interoperate with it. This file re-creates the parts
# of the library that decide what goes over the wire, written anew from a
# reading of the upstream source, with the SAME module names, so that a
# dispatcher atom arriving from another node resolves exactly as it would
# with the real library. It is not the library: tests that pass against it
# must also be run against the real phoenix_pubsub.
#
# What each part reproduces (repository phoenixframework/phoenix_pubsub):
#
#   Phoenix.PubSub.Adapter      lib/phoenix/pubsub/adapter.ex (2.x, read at
#                               commit 01ff82d6b7a5b565de081cdf38e462b2ba223a8e;
#                               the callbacks are unchanged since 2.0)
#   Phoenix.PubSub              lib/phoenix/pubsub.ex, the v2.2.0 text (the
#                               version whose docs introduce :registry_size and
#                               :broadcast_pool_size and which still has no
#                               :dispatcher option; the index did not name its
#                               commit). Cross-checked against the 2.3.0-dev
#                               text at 01ff82d6: the forwarded message and
#                               the default dispatcher are the same there.
#   Phoenix.PubSub.Supervisor   lib/phoenix/pubsub/supervisor.ex, 2.1.x text
#                               (partitions = :pool_size or ceil(schedulers/4))
#                               plus 2.2.0's :registry_size taking precedence
#                               (as documented in 2.2.0 and as in 2.3.0-dev)
#   Phoenix.PubSub.PG2          lib/phoenix/pubsub/pg2.ex at 01ff82d6 (has
#   Phoenix.PubSub.PG2Worker    :broadcast_pool_size, added in 2.2.0); the
#                               worker delivers with local_broadcast/4 as
#                               in 2.1.1+ (commit e07add4689d5570bc2dc84dd70ea1287eb60c390)
#                               and 2.2.0 -- 2.3.0-dev renamed that call
#                               local_dispatch/4, same effect
#   Phoenix.PubSub.Application  lib/phoenix/pubsub/application.ex (commit
#                               325abd48e0ec164548b84a8bdf2ff357a2ec20a2):
#                               starts the pg scope `Phoenix.PubSub`
#
# Left out on purpose (not wire-visible, or not reachable on OTP 25): the
# `:pg2` fallback for OTP < 23 (groups `{:phx, Group}`), the deprecation
# warnings, the 2.3.0-dev `:sender`/`:group_by`/`:dispatcher` options,
# Phoenix.Tracker and Presence.
#
# Wire facts this file must keep (see also tests/support/phoenix_pubsub/
# README.md):
#   * pg scope: the atom 'Elixir.Phoenix.PubSub' (`:pg.start_link(Phoenix.PubSub)`)
#   * adapter name: Module.concat(pubsub_name, "Adapter")
#   * groups: [adapter_name, :"#{adapter_name}_2", ..., :"#{adapter_name}_N"]
#     (N = pool_size); each has one local worker, registered under the
#     group's name and joined to the pg group of that name
#   * a broadcaster picks ONE group: elem(broadcast_groups,
#     :erlang.phash2(self(), broadcast_pool_size)), broadcast_pool_size
#     defaulting to pool_size; it sends {:forward_to_local, topic, message,
#     dispatcher} to every member of that group whose node is not node(),
#     and dispatches to local subscribers itself
#   * direct_broadcast sends the same 4-tuple to {picked_group, node}
#   * the sender's pid (broadcast_from) never travels: a receiving worker
#     dispatches with from = :none

defmodule Phoenix.PubSub.Adapter do
  @moduledoc """
  The adapter contract (test double of phoenix_pubsub 2.2.0's
  `Phoenix.PubSub.Adapter`).
  """

  @type adapter_name :: atom

  @callback node_name(adapter_name) :: Phoenix.PubSub.node_name()
  @callback child_spec(keyword) :: Supervisor.child_spec()
  @callback broadcast(
              adapter_name,
              topic :: Phoenix.PubSub.topic(),
              message :: Phoenix.PubSub.message(),
              dispatcher :: Phoenix.PubSub.dispatcher()
            ) :: :ok | {:error, term}
  @callback direct_broadcast(
              adapter_name,
              node_name :: Phoenix.PubSub.node_name(),
              topic :: Phoenix.PubSub.topic(),
              message :: Phoenix.PubSub.message(),
              dispatcher :: Phoenix.PubSub.dispatcher()
            ) :: :ok | {:error, term}
end

defmodule Phoenix.PubSub do
  @moduledoc """
  Test double of phoenix_pubsub 2.2.0's `Phoenix.PubSub` front end.

  Subscriptions live in a `Registry` (duplicate keys) named after the
  pubsub; its meta entry `:pubsub` holds `{adapter, adapter_name}`. Every
  broadcast goes to the adapter first (other nodes), then to the local
  subscribers through `dispatcher.dispatch(entries, from, message)`.
  The default dispatcher is this module.
  """

  @type node_name :: atom | binary
  @type t :: atom
  @type topic :: binary
  @type message :: term
  @type dispatcher :: module

  defmodule BroadcastError do
    defexception [:message]

    def exception(msg) do
      %__MODULE__{message: "broadcast failed with #{inspect(msg)}"}
    end
  end

  @doc "Child spec; options as upstream (:name required, :adapter, :pool_size, :registry_size, :broadcast_pool_size)."
  @spec child_spec(keyword) :: Supervisor.child_spec()
  def child_spec(options), do: Phoenix.PubSub.Supervisor.child_spec(options)

  @doc "Registers the caller under `topic`; `:metadata` becomes the Registry value."
  @spec subscribe(t, topic, keyword) :: :ok | {:error, term}
  def subscribe(pubsub, topic, opts \\ [])
      when is_atom(pubsub) and is_binary(topic) and is_list(opts) do
    with {:ok, _owner} <- Registry.register(pubsub, topic, opts[:metadata]) do
      :ok
    end
  end

  @doc "Drops every subscription of the caller to `topic`."
  @spec unsubscribe(t, topic) :: :ok
  def unsubscribe(pubsub, topic) when is_atom(pubsub) and is_binary(topic) do
    Registry.unregister(pubsub, topic)
  end

  @doc "Cluster-wide broadcast: adapter (other nodes), then local subscribers."
  @spec broadcast(t, topic, message, dispatcher) :: :ok | {:error, term}
  def broadcast(pubsub, topic, message, dispatcher \\ __MODULE__)
      when is_atom(pubsub) and is_binary(topic) and is_atom(dispatcher) do
    {adapter, adapter_name} = meta!(pubsub)

    case adapter.broadcast(adapter_name, topic, message, dispatcher) do
      :ok -> deliver_locally(pubsub, :none, topic, message, dispatcher)
      error -> error
    end
  end

  @doc "Like broadcast/4; the default dispatcher skips `from` on THIS node only."
  @spec broadcast_from(t, pid, topic, message, dispatcher) :: :ok | {:error, term}
  def broadcast_from(pubsub, from, topic, message, dispatcher \\ __MODULE__)
      when is_atom(pubsub) and is_pid(from) and is_binary(topic) and is_atom(dispatcher) do
    {adapter, adapter_name} = meta!(pubsub)

    case adapter.broadcast(adapter_name, topic, message, dispatcher) do
      :ok -> deliver_locally(pubsub, from, topic, message, dispatcher)
      error -> error
    end
  end

  @doc "Local subscribers only; nothing leaves the node."
  @spec local_broadcast(t, topic, message, dispatcher) :: :ok
  def local_broadcast(pubsub, topic, message, dispatcher \\ __MODULE__)
      when is_atom(pubsub) and is_binary(topic) and is_atom(dispatcher) do
    deliver_locally(pubsub, :none, topic, message, dispatcher)
  end

  @doc "Local subscribers except `from`; nothing leaves the node."
  @spec local_broadcast_from(t, pid, topic, message, dispatcher) :: :ok
  def local_broadcast_from(pubsub, from, topic, message, dispatcher \\ __MODULE__)
      when is_atom(pubsub) and is_pid(from) and is_binary(topic) and is_atom(dispatcher) do
    deliver_locally(pubsub, from, topic, message, dispatcher)
  end

  @doc "Only to `node_name`, through the adapter (always serialized, even to node())."
  @spec direct_broadcast(node_name, t, topic, message, dispatcher) :: :ok | {:error, term}
  def direct_broadcast(node_name, pubsub, topic, message, dispatcher \\ __MODULE__)
      when is_atom(pubsub) and is_binary(topic) and is_atom(dispatcher) do
    {adapter, adapter_name} = meta!(pubsub)
    adapter.direct_broadcast(adapter_name, node_name, topic, message, dispatcher)
  end

  @spec broadcast!(t, topic, message, dispatcher) :: :ok
  def broadcast!(pubsub, topic, message, dispatcher \\ __MODULE__) do
    raise_on_error(broadcast(pubsub, topic, message, dispatcher))
  end

  @spec broadcast_from!(t, pid, topic, message, dispatcher) :: :ok
  def broadcast_from!(pubsub, from, topic, message, dispatcher \\ __MODULE__) do
    raise_on_error(broadcast_from(pubsub, from, topic, message, dispatcher))
  end

  @spec direct_broadcast!(node_name, t, topic, message, dispatcher) :: :ok
  def direct_broadcast!(node_name, pubsub, topic, message, dispatcher \\ __MODULE__) do
    raise_on_error(direct_broadcast(node_name, pubsub, topic, message, dispatcher))
  end

  @doc "The adapter's node name (node() for PG2)."
  @spec node_name(t) :: node_name
  def node_name(pubsub) do
    {adapter, adapter_name} = meta!(pubsub)
    adapter.node_name(adapter_name)
  end

  ## The default dispatcher (called by Registry.dispatch/3, once per
  ## non-empty Registry partition). Subscription values are ignored.

  @doc false
  def dispatch(entries, :none, message) do
    Enum.each(entries, fn {pid, _value} -> send(pid, message) end)
    :ok
  end

  def dispatch(entries, from, message) do
    Enum.each(entries, fn
      {^from, _value} -> :skip
      {pid, _value} -> send(pid, message)
    end)

    :ok
  end

  defp deliver_locally(pubsub, from, topic, message, dispatcher) do
    Registry.dispatch(pubsub, topic, {dispatcher, :dispatch, [from, message]})
    :ok
  end

  defp meta!(pubsub) do
    {:ok, {_adapter, _adapter_name} = meta} = Registry.meta(pubsub, :pubsub)
    meta
  end

  defp raise_on_error(:ok), do: :ok

  defp raise_on_error({:error, error}),
    do: raise(BroadcastError, "broadcast failed: #{inspect(error)}")
end

defmodule Phoenix.PubSub.Supervisor do
  @moduledoc false
  # Test double of lib/phoenix/pubsub/supervisor.ex (2.1.x/2.2.0): registered
  # as `<name>.Supervisor`; children, rest_for_one: the Registry `<name>`
  # (duplicate keys, meta pubsub: {adapter, adapter_name}), then the adapter
  # with the options plus :adapter_name = `<name>.Adapter`.
  use Supervisor

  def start_link(opts) do
    name =
      Keyword.get(opts, :name) ||
        raise ArgumentError, "the :name option is required when starting Phoenix.PubSub"

    Supervisor.start_link(__MODULE__, opts, name: Module.concat(name, "Supervisor"))
  end

  @impl true
  def init(opts) do
    name = Keyword.fetch!(opts, :name)
    adapter = Keyword.get(opts, :adapter) || Phoenix.PubSub.PG2
    adapter_name = Module.concat(name, "Adapter")

    partitions =
      Keyword.get(opts, :registry_size) || Keyword.get(opts, :pool_size) ||
        div(System.schedulers_online() + 3, 4)

    registry_opts = [
      keys: :duplicate,
      name: name,
      partitions: partitions,
      meta: [pubsub: {adapter, adapter_name}]
    ]

    children = [
      {Registry, registry_opts},
      {adapter, Keyword.put(opts, :adapter_name, adapter_name)}
    ]

    Supervisor.init(children, strategy: :rest_for_one)
  end
end

defmodule Phoenix.PubSub.PG2 do
  @moduledoc """
  Test double of phoenix_pubsub 2.2.0's default adapter, `:pg` path only.
  """
  @behaviour Phoenix.PubSub.Adapter
  use Supervisor

  # The pg scope every PG2 adapter of every pubsub on the node shares.
  @scope Phoenix.PubSub

  @impl Phoenix.PubSub.Adapter
  def node_name(_adapter_name), do: node()

  @impl Phoenix.PubSub.Adapter
  def broadcast(adapter_name, topic, message, dispatcher) do
    forward = {:forward_to_local, topic, message, dispatcher}
    me = node()

    for pid <- :pg.get_members(@scope, pick_group(adapter_name)), node(pid) != me do
      send(pid, forward)
    end

    :ok
  end

  @impl Phoenix.PubSub.Adapter
  def direct_broadcast(adapter_name, node_name, topic, message, dispatcher) do
    send({pick_group(adapter_name), node_name}, {:forward_to_local, topic, message, dispatcher})
    :ok
  end

  # One group per broadcasting process, stable for its lifetime.
  defp pick_group(adapter_name) do
    broadcast_groups = :persistent_term.get(adapter_name)
    elem(broadcast_groups, :erlang.phash2(self(), tuple_size(broadcast_groups)))
  end

  ## Supervision: registered as :"#{adapter_name}_supervisor"

  @doc false
  def start_link(opts) do
    name = Keyword.fetch!(opts, :name)
    adapter_name = Keyword.fetch!(opts, :adapter_name)
    pool_size = Keyword.get(opts, :pool_size, 1)
    broadcast_pool_size = Keyword.get(opts, :broadcast_pool_size, pool_size)

    if broadcast_pool_size > pool_size do
      {:error,
       "the :pool_size option must be greater than or equal to the :broadcast_pool_size option"}
    else
      Supervisor.start_link(
        __MODULE__,
        {name, adapter_name, pool_size, broadcast_pool_size},
        name: :"#{adapter_name}_supervisor"
      )
    end
  end

  @impl Supervisor
  def init({name, adapter_name, pool_size, broadcast_pool_size}) do
    :persistent_term.put(
      adapter_name,
      List.to_tuple(group_names(adapter_name, broadcast_pool_size))
    )

    workers =
      for group <- group_names(adapter_name, pool_size) do
        Supervisor.child_spec({Phoenix.PubSub.PG2Worker, {name, group}}, id: group)
      end

    Supervisor.init(workers, strategy: :one_for_one)
  end

  # Numbered 1..count, then the first one is replaced by the bare adapter
  # name (compatibility with 2.0, which had a single group): [Adapter,
  # Adapter_2, ..., Adapter_count].
  @doc false
  def group_names(adapter_name, count) do
    [_first | numbered] = Enum.map(1..count, &:"#{adapter_name}_#{&1}")
    [adapter_name | numbered]
  end
end

defmodule Phoenix.PubSub.PG2Worker do
  @moduledoc false
  # Test double of the 2.2.0 worker: registered locally under its group's
  # name, a member of the pg group of that name in scope Phoenix.PubSub.
  # {:forward_to_local, topic, message, dispatcher} becomes a local broadcast
  # (from = :none); anything else sent to it is dropped.
  use GenServer

  @doc false
  def start_link({pubsub, group}) do
    GenServer.start_link(__MODULE__, {pubsub, group}, name: group)
  end

  @impl true
  def init({pubsub, group}) do
    :ok = :pg.join(Phoenix.PubSub, group, self())
    {:ok, pubsub}
  end

  @impl true
  def handle_info({:forward_to_local, topic, message, dispatcher}, pubsub) do
    # Raises (and the worker restarts) on a non-binary topic or a
    # non-atom dispatcher, exactly like upstream's guarded call.
    Phoenix.PubSub.local_broadcast(pubsub, topic, message, dispatcher)
    {:noreply, pubsub}
  end

  def handle_info(_other, pubsub), do: {:noreply, pubsub}
end

defmodule Phoenix.PubSub.Application do
  @moduledoc false
  # Test double of lib/phoenix/pubsub/application.ex: the phoenix_pubsub
  # application's only child is the pg scope named Phoenix.PubSub. There is
  # no .app here, so callers invoke start/2 themselves (see PhxPeer.start/1).
  use Application

  @impl true
  def start(_type, _args) do
    Supervisor.start_link([%{id: :pg, start: {:pg, :start_link, [Phoenix.PubSub]}}],
      strategy: :one_for_one
    )
  end
end
