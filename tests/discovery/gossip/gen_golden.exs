# Writes golden.txt for discovery.gossip.packet: libcluster Gossip packets
# made by a real BEAM with the code of libcluster_gossip.ex (libcluster
# 3.5.0's packet and crypto code), and what cafe must make of them.
#
#   cd tests/discovery/gossip && elixir gen_golden.exs > golden.txt
#
# Columns, tab-separated:
#   name     what the line shows
#   expect   the node cafe decodes, "error:<gossip_errc>", or "error" (any)
#   exact    1: cafe's gossip_packet::encode(node, IV) must write exactly
#            these bytes (IV = the packet's first 16 bytes with a secret)
#   secret   hex of the receiver's secret, "-" for none
#   packet   hex of the UDP payload
# Random IVs are drawn once, when the file is written; the file is checked
# in, so the test is deterministic.

Code.require_file("libcluster_gossip.ex", __DIR__)

defmodule GenGolden do
  @prefix "heartbeat::"

  def line(name, expect, exact, secret, packet) do
    secret_hex = if secret, do: Base.encode16(secret, case: :lower), else: "-"
    packet = IO.iodata_to_binary(packet)

    IO.puts(
      Enum.join([name, expect, exact, secret_hex, Base.encode16(packet, case: :lower)], "\t")
    )
  end

  def plain(term, opts \\ []), do: @prefix <> :erlang.term_to_binary(term, opts)

  def sealed(plaintext, secret, iv) do
    {:ok, iv, ciphertext} = LibclusterGossip.encrypt(plaintext, secret, iv)
    iv <> ciphertext
  end

  def run do
    a = :"a@127.0.0.1"
    mv2 = [minor_version: 2]
    fixed_iv = :binary.list_to_bin(Enum.to_list(0..15))
    latin1 = :"\u00e9t\u00e9@127.0.0.1"
    longest = String.to_atom(String.duplicate("n", 245) <> "@127.0.0.1")
    aligned_default = String.to_atom(String.duplicate("k", 11) <> "@127.0.0.1")
    aligned_mv2 = String.to_atom(String.duplicate("k", 13) <> "@127.0.0.1")

    # -- plaintext: libcluster without a secret --------------------------------
    line("otp25_default", a, 0, nil, LibclusterGossip.packet(a, nil))
    line("otp26_utf8_atoms", a, 1, nil, plain(%{node: a}, mv2))
    line("latin1_atom_ext", latin1, 0, nil, plain(%{node: latin1}))
    line("latin1_utf8_atom", latin1, 1, nil, plain(%{node: latin1}, mv2))
    line("longest_name", longest, 1, nil, plain(%{node: longest}, mv2))
    line("extra_keys", :"b@127.0.0.2", 0, nil, plain(%{node: :"b@127.0.0.2", role: :web, n: 7}))

    line(
      "compressed",
      a,
      0,
      nil,
      plain(%{node: a, pad: String.duplicate("x", 2000)}, [:compressed])
    )

    # Inflates past the heartbeat limit (the BEAM would inflate 100 KB).
    line(
      "compressed_bomb",
      "error:bad_term",
      0,
      nil,
      plain(%{node: a, pad: String.duplicate("x", 100_000)}, [:compressed])
    )

    # The BEAM's binary_to_term/1 ignores bytes after the term; cafe does not
    # (libcluster never sends any).
    line("trailing_bytes", "error:bad_term", 0, nil, plain(%{node: a}) <> <<0>>)
    line("tuple", "error:no_node", 0, nil, plain({:node, a}))
    line("node_binary", "error:no_node", 0, nil, plain(%{node: "a@127.0.0.1"}))
    line("node_key_binary", "error:no_node", 0, nil, plain(%{"node" => a}))
    line("no_at_sign", "error:bad_node_name", 0, nil, plain(%{node: :nohost}))
    line("two_at_signs", "error:bad_node_name", 0, nil, plain(%{node: :a@b@c}))

    line(
      "wrong_prefix",
      "error:no_prefix",
      0,
      nil,
      "heartbeat:" <> :erlang.term_to_binary(%{node: a})
    )

    line("empty", "error:no_prefix", 0, nil, "")
    line("prefix_only", "error:bad_term", 0, nil, @prefix)

    line(
      "sealed_to_plain_node",
      "error:no_prefix",
      0,
      nil,
      LibclusterGossip.packet(a, "somepassword")
    )

    # -- with a secret ----------------------------------------------------------
    secret = "somepassword"
    line("secret_fixed_iv", a, 1, secret, sealed(plain(%{node: a}, mv2), secret, fixed_iv))
    line("secret_otp25_random_iv", a, 0, secret, LibclusterGossip.packet(a, secret))

    line(
      "secret_block_aligned_otp25",
      aligned_default,
      0,
      secret,
      LibclusterGossip.packet(aligned_default, secret)
    )

    line(
      "secret_block_aligned_utf8",
      aligned_mv2,
      1,
      secret,
      sealed(plain(%{node: aligned_mv2}, mv2), secret, fixed_iv)
    )

    utf8_secret = "p\u00e4ssw\u00f6rd \u2713"

    line(
      "secret_utf8",
      latin1,
      1,
      utf8_secret,
      sealed(plain(%{node: latin1}, mv2), utf8_secret, fixed_iv)
    )

    binary_secret = <<0, 255, 1, 254, 2, 253>>

    line(
      "secret_binary",
      a,
      1,
      binary_secret,
      sealed(plain(%{node: a}, mv2), binary_secret, fixed_iv)
    )

    line("wrong_secret", "error", 0, "otherpassword", LibclusterGossip.packet(a, secret))
    line("plain_to_secret_node", "error", 0, secret, LibclusterGossip.packet(a, nil))
    line("iv_only", "error:too_short", 0, secret, fixed_iv)
    line("ragged_ciphertext", "error:bad_length", 0, secret, fixed_iv <> :binary.copy(<<1>>, 17))
    line("sealed_garbage", "error", 0, secret, sealed("not a heartbeat", secret, fixed_iv))

    line(
      "sealed_bad_term",
      "error:bad_term",
      0,
      secret,
      sealed(@prefix <> <<131, 255>>, secret, fixed_iv)
    )

    line("sealed_no_node", "error:no_node", 0, secret, sealed(plain([a]), secret, fixed_iv))
  end
end

GenGolden.run()
