# Broadcast fan-out baseline between two Elixir nodes running the
# Phoenix.PubSub test double: one publisher on node A, subscribers on A and
# on B (500 + 500 by default). Loaded into both peers by bench_fanout.sh
# (Code.require_file), which prints the result line:
#
#   elixir_elixir delivered_per_s=... p99_us=... messages=N subscribers=S ...
#
# Clock. Each message carries its send time and each subscriber takes the
# difference on arrival, on another VM for half of them. erlang:monotonic_time
# has a per-VM arbitrary origin, and erlang:system_time is that plus an
# offset each VM corrects on its own (time warp), so neither is comparable
# across two BEAMs. :os.system_time(:nanosecond) reads the kernel's
# CLOCK_REALTIME directly; both VMs on this machine read the same clock, so
# the difference is a true latency (only an NTP step during the run would
# skew it; slewing is negligible over seconds). :os.perf_counter is not
# used: its source (TSC or CLOCK_MONOTONIC) and unit are chosen per VM and
# not documented as comparable between VMs.
#
# Bounded: every wait has a deadline; late or missing deliveries are
# reported (delivered < expected), not waited for.

defmodule PhxPeer.FanoutBench do
  @moduledoc false

  @subs {__MODULE__, :subscribers}

  @doc "Starts `n` subscriber processes on `topic`; :ok once all subscribed."
  def start_subscribers(n, topic, pubsub \\ PhxPeer.pubsub()) do
    parent = self()

    pids =
      for _ <- 1..n do
        pid =
          spawn(fn ->
            :ok = Phoenix.PubSub.subscribe(pubsub, topic)
            send(parent, {:subscribed, self()})
            loop(0, [], 0, nil)
          end)

        receive do
          {:subscribed, ^pid} -> pid
        after
          5000 -> exit(:subscriber_timeout)
        end
      end

    :persistent_term.put(@subs, pids)
    :ok
  end

  # count, latencies (us, newest first), last arrival (ns), pending report
  defp loop(count, lats, last, waiter) do
    receive do
      {:fanout, _seq, sent_ns} ->
        now = :os.system_time(:nanosecond)
        count = count + 1
        lats = [div(now - sent_ns, 1000) | lats]

        case waiter do
          {from, ref, want} when count >= want ->
            send(from, {ref, self(), count, lats, now})
            loop(0, [], 0, nil)

          _ ->
            loop(count, lats, now, waiter)
        end

      {:report, from, ref, want} when count >= want ->
        send(from, {ref, self(), count, lats, last})
        loop(0, [], 0, nil)

      {:report, from, ref, want} ->
        loop(count, lats, last, {from, ref, want})

      {:flush, ref} ->
        case waiter do
          {from, ^ref, _} ->
            send(from, {ref, self(), count, lats, last})
            loop(0, [], 0, nil)

          _ ->
            loop(count, lats, last, waiter)
        end
    end
  end

  @doc """
  Waits (until `timeout_ms`) for every local subscriber to have `want`
  messages, and resets them. Returns {delivered, latencies_us, last_ns}.
  """
  def collect(want, timeout_ms) do
    pids = :persistent_term.get(@subs)
    ref = make_ref()
    Enum.each(pids, &send(&1, {:report, self(), ref, want}))
    deadline = System.monotonic_time(:millisecond) + timeout_ms
    gather(ref, MapSet.new(pids), deadline, {0, [], 0})
  end

  defp gather(ref, pending, deadline, acc) do
    if MapSet.size(pending) == 0 do
      acc
    else
      left = max(0, deadline - System.monotonic_time(:millisecond))

      receive do
        {^ref, pid, count, lats, last} ->
          {n, all, max_last} = acc

          gather(
            ref,
            MapSet.delete(pending, pid),
            deadline,
            {n + count, lats ++ all, max(last, max_last)}
          )
      after
        left ->
          # Late: ask the rest for what they have, once.
          Enum.each(pending, &send(&1, {:flush, ref}))
          gather(ref, pending, System.monotonic_time(:millisecond) + 5000, acc)
      end
    end
  end

  # rate = broadcasts per second (0: as fast as possible). Paced sends wait
  # for their slot (t0 + i/rate) by sleeping, then spinning the last 2 ms.
  defp publish(n, topic, pubsub, rate) do
    t0 = :os.system_time(:nanosecond)

    Enum.each(1..n, fn i ->
      if rate > 0, do: wait_until(t0 + div((i - 1) * 1_000_000_000, rate))
      :ok = Phoenix.PubSub.broadcast(pubsub, topic, {:fanout, i, :os.system_time(:nanosecond)})
    end)
  end

  defp wait_until(at_ns) do
    left_ms = div(at_ns - :os.system_time(:nanosecond), 1_000_000)
    if left_ms > 2, do: Process.sleep(left_ms - 2)
    spin_until(at_ns)
  end

  defp spin_until(at_ns) do
    if :os.system_time(:nanosecond) < at_ns, do: spin_until(at_ns), else: :ok
  end

  @doc """
  On the publisher node: `warmup` broadcasts (collected and discarded), then
  `n` measured ones; local and `remote` subscribers are collected at the
  same time. Options: pubsub:, warmup: (200), timeout_ms: (60_000), rate:
  (broadcasts/s, 0 = unpaced). Returns the result line.
  """
  def run(n, topic, remote, opts \\ []) do
    pubsub = Keyword.get(opts, :pubsub, PhxPeer.pubsub())
    warmup = Keyword.get(opts, :warmup, 200)
    timeout = Keyword.get(opts, :timeout_ms, 60_000)
    rate = Keyword.get(opts, :rate, 0)
    local_subs = length(:persistent_term.get(@subs))
    remote_subs = :erpc.call(remote, __MODULE__, :subscriber_count, [])

    measure = fn count ->
      remote_task =
        Task.async(fn ->
          :erpc.call(remote, __MODULE__, :collect, [count, timeout], timeout + 10_000)
        end)

      local_task = Task.async(fn -> collect(count, timeout) end)
      t0 = :os.system_time(:nanosecond)
      publish(count, topic, pubsub, rate)
      t_sent = :os.system_time(:nanosecond)
      {ln, llats, llast} = Task.await(local_task, timeout + 15_000)
      {rn, rlats, rlast} = Task.await(remote_task, timeout + 15_000)
      {t0, t_sent, ln + rn, llats ++ rlats, max(llast, rlast)}
    end

    if warmup > 0, do: measure.(warmup)
    {t0, t_sent, delivered, lats, last} = measure.(n)

    subscribers = local_subs + remote_subs
    elapsed_ns = max(last - t0, 1)
    sorted = Enum.sort(lats)

    Enum.join(
      [
        "elixir_elixir",
        "delivered_per_s=#{round(delivered * 1.0e9 / elapsed_ns)}",
        "p99_us=#{percentile(sorted, 0.99)}",
        "messages=#{n}",
        "subscribers=#{subscribers}",
        "p50_us=#{percentile(sorted, 0.50)}",
        "max_us=#{List.last(sorted) || 0}",
        "delivered=#{delivered}",
        "expected=#{n * subscribers}",
        "rate=#{rate}",
        "publish_ms=#{div(t_sent - t0, 1_000_000)}",
        "elapsed_ms=#{div(elapsed_ns, 1_000_000)}"
      ],
      " "
    )
  end

  def subscriber_count, do: length(:persistent_term.get(@subs, []))

  # Nearest-rank percentile of a sorted list.
  defp percentile([], _), do: 0

  defp percentile(sorted, p) do
    rank = max(1, ceil(p * length(sorted)))
    Enum.at(sorted, rank - 1)
  end
end
