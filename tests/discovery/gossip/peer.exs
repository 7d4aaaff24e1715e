# A real Elixir node running libcluster's Gossip strategy (the reproduction
# in libcluster_gossip.ex), driven like tests/bridge/node/cafe_peer.erl so
# that interop_fixture's erl_node can run it:
#
#   ERL_EPMD_PORT=P ERL_CRASH_DUMP_SECONDS=0 \
#   elixir --name p@127.0.0.9 --cookie C \
#     --erl "-start_epmd false -kernel inet_dist_use_interface {127,0,0,9}" \
#     tests/discovery/gossip/peer.exs [port=N] [multicast_addr=A] [if_addr=A]
#     [multicast_if=A] [multicast_ttl=N] [secret=TEXT] [broadcast_only=true]
#     [interval=MS]
#
# The keys are libcluster Gossip's `config:` keys (interval is the test's
# fixed heartbeat interval). Once distribution and the strategy run, the
# peer prints `@@cafe <hex(term_to_binary({ok, node()}))>`; then each stdin
# line is an Erlang expression ending in "." (e.g. `nodes().` or
# `'Elixir.LibclusterGossip':events().`), answered by one line
# `@@cafe <hex({ok, Value})>` or `@@cafe <hex({error, Class, Reason})>`.
# End of stdin halts the node: the test owns its lifetime.

Code.require_file("libcluster_gossip.ex", __DIR__)

defmodule GossipPeer do
  def config(argv) do
    Enum.map(argv, fn arg ->
      [key, value] = String.split(arg, "=", parts: 2)

      case key do
        "port" -> {:port, String.to_integer(value)}
        "multicast_ttl" -> {:multicast_ttl, String.to_integer(value)}
        "interval" -> {:interval, String.to_integer(value)}
        "broadcast_only" -> {:broadcast_only, value == "true"}
        "secret" -> {:secret, value}
        k when k in ["multicast_addr", "if_addr", "multicast_if"] -> {String.to_atom(k), value}
      end
    end)
  end

  def run(argv) do
    Logger.configure_backend(:console, device: :standard_error)
    {:ok, _} = LibclusterGossip.start_link(config(argv))
    reply({:ok, node()})
    loop()
  end

  defp loop() do
    case IO.gets(:stdio, "") do
      :eof ->
        System.halt(0)

      {:error, _} ->
        System.halt(1)

      line ->
        case String.trim(line) do
          "" -> :ok
          expr -> reply(eval(expr))
        end

        loop()
    end
  end

  defp eval(expr) do
    {:ok, tokens, _} = :erl_scan.string(String.to_charlist(expr))
    {:ok, exprs} = :erl_parse.parse_exprs(tokens)
    {:value, value, _} = :erl_eval.exprs(exprs, :erl_eval.new_bindings())
    {:ok, value}
  catch
    kind, reason -> {:error, kind, reason}
  end

  defp reply(result) do
    IO.write(["@@cafe ", Base.encode16(:erlang.term_to_binary(result)), "\n"])
  end
end

GossipPeer.run(System.argv())
