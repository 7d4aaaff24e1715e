# A real Elixir node running the Phoenix.PubSub test double
# (lib/phoenix_pubsub.ex), driven line by line over stdin/stdout like
# tests/bridge/node/cafe_peer.erl.
#
#   ERL_EPMD_PORT=P ERL_CRASH_DUMP_SECONDS=0 \
#   elixir --name a@127.0.0.1 --cookie C \
#     --erl "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}" \
#     tests/support/phoenix_pubsub/peer.exs [pubsub=MyApp.PubSub] [pool_size=N]
#     [broadcast_pool_size=N] [registry_size=N] [start=pubsub|scope|none]
#     [reply=inspect|etf]
#
# (the same settings can come from PHX_PUBSUB_NAME, PHX_PUBSUB_POOL_SIZE,
# PHX_PUBSUB_BROADCAST_POOL_SIZE, PHX_PUBSUB_REGISTRY_SIZE, PHX_PEER_START,
# PHX_PEER_REPLY; see PhxPeer.parse_config/2).
#
# Protocol. Once distribution and the pubsub are up, the peer prints its
# ready line; then each stdin line is one expression, evaluated in the
# peer's main process, answered by exactly one line:
#
#   reply=inspect (default)
#     ready:   @@phx ready <inspect(node())>
#     answer:  @@phx ok <inspect(value)>   or   @@phx error <inspect({kind, reason})>
#   reply=etf (the format of cafe_peer.erl, decoded by interop_fixture's
#   erl_node::result: hex of term_to_binary)
#     ready:   @@cafe <hex({ok, node()})>
#     answer:  @@cafe <hex({ok, Value})>   or   @@cafe <hex({error, Class, Reason})>
#
# A line ending in "." is an Erlang expression (what erl_node::post sends,
# e.g. 'Elixir.PhxPeer':take(sub, 1, 5000).); any other line is Elixir,
# and Elixir variables bound by one line stay bound for the next ones.
# Empty lines are ignored. Anything else the node prints (logs, IO.puts)
# goes to stderr or carries no marker. End of stdin halts the node: the test
# owns its lifetime.

here = __DIR__
Code.require_file("lib/phoenix_pubsub.ex", here)
# PHX_PEER_CHANNELS=false: a node with Phoenix.PubSub only, no Phoenix
# channels (no Phoenix.Channel.Server module), as many Elixir apps are.
unless System.get_env("PHX_PEER_CHANNELS") == "false",
  do: Code.require_file("lib/phoenix_channel_server.ex", here)
Code.require_file("lib/phx_peer.ex", here)

defmodule PhxPeer.Repl do
  @moduledoc false

  def run(config) do
    # Reports go to stderr, never into the answer lines.
    Logger.configure_backend(:console, device: :standard_error)
    :ok = PhxPeer.start(config)
    emit(config.reply, {:ready, node()})
    loop(config.reply, [])
  end

  defp loop(mode, binding) do
    case IO.gets(:stdio, "") do
      :eof ->
        System.halt(0)

      {:error, _} ->
        System.halt(1)

      line ->
        case String.trim(line) do
          "" ->
            loop(mode, binding)

          expr ->
            {result, binding} = eval(expr, binding)
            emit(mode, result)
            loop(mode, binding)
        end
    end
  end

  defp eval(expr, binding) do
    if String.ends_with?(expr, ".") do
      {eval_erlang(expr), binding}
    else
      try do
        {value, binding} = Code.eval_string(expr, binding, file: "stdin")
        {{:ok, value}, binding}
      catch
        kind, reason ->
          IO.puts(:stderr, Exception.format(kind, reason, __STACKTRACE__))
          {{:error, kind, reason}, binding}
      end
    end
  end

  defp eval_erlang(expr) do
    {:ok, tokens, _} = :erl_scan.string(String.to_charlist(expr))
    {:ok, exprs} = :erl_parse.parse_exprs(tokens)
    {:value, value, _} = :erl_eval.exprs(exprs, :erl_eval.new_bindings())
    {:ok, value}
  catch
    kind, reason -> {:error, kind, reason}
  end

  defp emit("etf", {:ready, node}), do: emit("etf", {:ok, node})

  defp emit("etf", result) do
    IO.write(["@@cafe ", Base.encode16(:erlang.term_to_binary(result)), "\n"])
  end

  defp emit("inspect", {:ready, node}), do: IO.write(["@@phx ready ", one_line(node), "\n"])
  defp emit("inspect", {:ok, value}), do: IO.write(["@@phx ok ", one_line(value), "\n"])

  defp emit("inspect", {:error, kind, reason}),
    do: IO.write(["@@phx error ", one_line({kind, reason}), "\n"])

  defp one_line(term) do
    term
    |> inspect(limit: :infinity, printable_limit: :infinity)
    |> String.replace("\n", " ")
  end
end

PhxPeer.Repl.run(PhxPeer.parse_config())
