# A faithful reproduction of libcluster 3.5.0's Cluster.Strategy.Gossip
# (lib/strategy/gossip.ex, bitwalker/libcluster commit a18a19c5) and of the
# part of Cluster.Strategy.connect_nodes/4 it calls, for cafe's tests:
# libcluster itself cannot be installed here (no Hex access in CI).
#
# Kept from libcluster, line for line: the socket options of :gen_udp.open/2
# (reuseaddr, broadcast, add_membership on {0,0,0,0}, multicast_if /
# multicast_ttl / multicast_loop unless broadcast_only), the first heartbeat
# at start (handle_continue) and the next one after :rand.uniform(5_000) ms,
# the packet ("heartbeat::" <> term_to_binary(%{node: node()}), or a random
# 16-byte IV and AES-256-CBC under SHA-256(secret) with libcluster's PKCS#7
# pad/unpad), the three receive clauses (plaintext only without a secret;
# IV <> ciphertext only with one; anything else ignored), and the connect:
# nodes not in Node.list() and not node() are connected with
# :net_kernel.connect_node/1 (libcluster's default `connect`).
#
# Added for tests, not on the wire: `interval:` fixes the heartbeat interval;
# what happens is recorded (events/0) and printed to stderr; a term that
# binary_to_term rejects is recorded as {:crash, reason} instead of crashing
# the GenServer (libcluster's would crash and be restarted by its
# supervisor).
defmodule LibclusterGossip do
  use GenServer
  require Logger

  @default_port 45892
  @default_addr {0, 0, 0, 0}
  @default_multicast_addr {233, 252, 1, 32}

  def start_link(config), do: GenServer.start_link(__MODULE__, config, name: __MODULE__)

  @doc "What happened so far, oldest first: {:heard, node} | {:connected, node} | {:unable, node} | {:ignored, why} | {:crash, reason}."
  def events(), do: GenServer.call(__MODULE__, :events)

  @impl true
  def init(config) do
    port = Keyword.get(config, :port, @default_port)

    ip =
      config
      |> Keyword.get(:if_addr, @default_addr)
      |> sanitize_ip()

    broadcast_only? = Keyword.get(config, :broadcast_only, false)
    ttl = Keyword.get(config, :multicast_ttl, 1)

    multicast_if = Keyword.get(config, :multicast_if)

    multicast_addr =
      config
      |> Keyword.get(:multicast_addr, @default_multicast_addr)
      |> sanitize_ip()

    multicast_opts =
      cond do
        broadcast_only? ->
          []

        multicast_if != nil ->
          [
            multicast_if: sanitize_ip(multicast_if),
            multicast_ttl: ttl,
            multicast_loop: true
          ]

        :else ->
          [
            multicast_ttl: ttl,
            multicast_loop: true
          ]
      end

    options =
      [
        :binary,
        active: true,
        ip: ip,
        reuseaddr: true,
        broadcast: true,
        add_membership: {multicast_addr, {0, 0, 0, 0}}
      ] ++ multicast_opts

    {:ok, socket} = :gen_udp.open(port, options)

    secret = Keyword.get(config, :secret, nil)

    state = %{
      meta: {multicast_addr, port, socket, secret},
      interval: Keyword.get(config, :interval),
      events: []
    }

    {:ok, state, {:continue, nil}}
  end

  defp sanitize_ip(input) do
    case input do
      {_a, _b, _c, _d} = ip ->
        ip

      ip when is_binary(ip) ->
        {:ok, addr} = :inet.parse_ipv4_address(~c"#{ip}")
        addr
    end
  end

  @impl true
  def handle_continue(_, state), do: handle_info(:heartbeat, state)

  @impl true
  def handle_call(:events, _from, state), do: {:reply, Enum.reverse(state.events), state}

  @impl true
  def handle_info(:heartbeat, %{meta: {multicast_addr, port, socket, _}} = state) do
    :gen_udp.send(socket, multicast_addr, port, heartbeat(node(), state))
    Process.send_after(self(), :heartbeat, state.interval || :rand.uniform(5_000))
    {:noreply, state}
  end

  # Handle received heartbeats
  def handle_info(
        {:udp, _socket, _ip, _port, <<"heartbeat::", _::binary>> = packet},
        %{meta: {_, _, _, secret}} = state
      )
      when is_nil(secret) do
    {:noreply, handle_heartbeat(state, packet)}
  end

  def handle_info(
        {:udp, _socket, _ip, _port, <<iv::binary-size(16)>> <> ciphertext},
        %{meta: {_, _, _, secret}} = state
      )
      when is_binary(secret) do
    case decrypt(ciphertext, secret, iv) do
      {:ok, plaintext} ->
        {:noreply, handle_heartbeat(state, plaintext)}

      error ->
        {:noreply, record(state, {:ignored, error})}
    end
  end

  def handle_info({:udp, _socket, _ip, _port, _}, state) do
    {:noreply, record(state, {:ignored, :no_clause})}
  end

  @impl true
  def terminate(_reason, %{meta: {_, _, socket, _}}) do
    :gen_udp.close(socket)
    :ok
  end

  @doc "The packet libcluster sends for `node_name` (secret: nil or a binary)."
  def heartbeat(node_name, %{meta: {_, _, _, secret}}), do: packet(node_name, secret)

  def packet(node_name, secret) when is_nil(secret) do
    ["heartbeat::", :erlang.term_to_binary(%{node: node_name})]
  end

  def packet(node_name, secret) when is_binary(secret) do
    message = "heartbeat::" <> :erlang.term_to_binary(%{node: node_name})
    {:ok, iv, msg} = encrypt(message, secret)

    [iv, msg]
  end

  # Upon receipt of a heartbeat, connect unless connected (Cluster.Strategy
  # .connect_nodes/4 with libcluster's default connect and list_nodes).
  defp handle_heartbeat(state, <<"heartbeat::", rest::binary>>) do
    self = node()

    try do
      :erlang.binary_to_term(rest)
    rescue
      e -> {:crash, e}
    end
    |> case do
      {:crash, e} ->
        record(state, {:crash, e})

      %{node: ^self} ->
        state

      %{node: n} when is_atom(n) ->
        state = record(state, {:heard, n})
        connect_nodes(state, [n])

      other ->
        record(state, {:ignored, {:not_a_heartbeat, other}})
    end
  end

  defp handle_heartbeat(state, _packet), do: record(state, {:ignored, :no_prefix})

  defp connect_nodes(state, nodes) do
    need_connect = (nodes -- Node.list()) |> Enum.reject(&(&1 == node()))

    Enum.reduce(need_connect, state, fn n, state ->
      case :net_kernel.connect_node(n) do
        true -> record(state, {:connected, n})
        false -> record(state, {:unable, n})
        :ignored -> record(state, {:unable, n})
      end
    end)
  end

  defp record(state, event) do
    IO.puts(:stderr, "[libcluster gossip] #{inspect(event)}")
    %{state | events: [event | state.events]}
  end

  def encrypt(plaintext, password, iv \\ :crypto.strong_rand_bytes(16)) do
    key = :crypto.hash(:sha256, password)
    ciphertext = :crypto.crypto_one_time(:aes_256_cbc, key, iv, pkcs7_pad(plaintext), true)

    {:ok, iv, ciphertext}
  end

  def decrypt(ciphertext, password, iv) do
    key = :crypto.hash(:sha256, password)

    with {:unpadding, {:ok, padded}} <- {:unpadding, safe_decrypt(key, iv, ciphertext)},
         {:decrypt, {:ok, _plaintext} = res} <- {:decrypt, pkcs7_unpad(padded)} do
      res
    else
      {:unpadding, :error} -> {:error, :decrypt}
      {:decrypt, :error} -> {:error, :unpadding}
    end
  end

  defp safe_decrypt(key, iv, ciphertext) do
    try do
      {:ok, :crypto.crypto_one_time(:aes_256_cbc, key, iv, ciphertext, false)}
    catch
      :error, {_tag, {_file, _line}, _desc} ->
        :error
    end
  end

  defp pkcs7_pad(message) do
    bytes_remaining = rem(byte_size(message), 16)
    padding_size = 16 - bytes_remaining
    message <> :binary.copy(<<padding_size>>, padding_size)
  end

  defp pkcs7_unpad(<<>>), do: :error

  defp pkcs7_unpad(message) do
    padding_size = :binary.last(message)

    if padding_size <= 16 do
      message_size = byte_size(message)

      if binary_part(message, message_size, -padding_size) ===
           :binary.copy(<<padding_size>>, padding_size) do
        {:ok, binary_part(message, 0, message_size - padding_size)}
      else
        :error
      end
    else
      :error
    end
  end
end
