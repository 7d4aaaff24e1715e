#pragma once

#include "cafe/etf/atom.hpp"
#include "cafe/etf/decoder.hpp"
#include "cafe/expected.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cafe::discovery {

/// Why a gossip packet was dropped.
enum class gossip_errc : uint8_t {
  /// Longer than any heartbeat (`gossip_packet::max_size`).
  too_large = 1,
  /// A plaintext packet that does not start with `heartbeat::` (libcluster
  /// ignores those too).
  no_prefix,
  /// The bytes after the prefix are no term the bounded decoder accepts.
  bad_term,
  /// A term, but no map with an atom under the key `node`.
  no_node,
  /// The atom under `node` is no node name (`alive@host`, as OTP's
  /// acceptor requires).
  bad_node_name,
  /// An encrypted packet shorter than an IV plus one AES block.
  too_short,
  /// Ciphertext whose length is no multiple of the AES block size.
  bad_length,
  /// Wrong PKCS#7 padding after decryption: another secret, or none.
  bad_padding,
  /// OpenSSL failed (out of memory, a broken build).
  crypto_failure,
};

std::string_view to_string(gossip_errc code) noexcept;

/// The heartbeat of libcluster's `Cluster.Strategy.Gossip` (3.5), without
/// I/O: bytes in, a node name or an error out; a node name in, bytes out.
///
/// Without a secret the packet is ASCII `heartbeat::` followed by
/// `term_to_binary(%{node: Node})`. With a secret it is a random 16-byte IV
/// followed by the AES-256-CBC encryption of that plaintext, PKCS#7-padded,
/// under the key SHA-256(secret). A codec with a secret drops plaintext
/// heartbeats, as libcluster does (it reads their first 16 bytes as an IV).
///
/// Unlike libcluster, which hands the packet to `binary_to_term/1`, the
/// term goes through cafe's bounded decoder with small limits, and the node
/// must be a well-formed node name.
class gossip_packet {
public:
  static constexpr std::string_view prefix = "heartbeat::";
  static constexpr size_t iv_size = 16;
  static constexpr size_t block_size = 16;
  static constexpr size_t key_size = 32;

  /// Longest packet decoded. A heartbeat of a 255-character node name in
  /// 4-byte UTF-8 characters, encrypted, takes about 1,100 bytes; the rest
  /// leaves room for a few extra map entries.
  static constexpr size_t max_size = 4096;

  using iv_type = std::array<uint8_t, iv_size>;
  using key_type = std::array<uint8_t, key_size>;

  /// Plain heartbeats (libcluster without `secret`).
  gossip_packet() = default;

  /// Encrypted heartbeats under SHA-256(`secret`) (libcluster's `secret`).
  explicit gossip_packet(std::string_view secret);

  bool encrypted() const noexcept {
    return key_.has_value();
  }

  /// The packet announcing `node`; `iv` is used only with a secret.
  std::vector<uint8_t> encode(etf::atom node, const iv_type& iv) const;

  /// The packet announcing `node`, with a fresh random IV.
  std::vector<uint8_t> encode(etf::atom node) const;

  /// The node a packet announces.
  expected<etf::atom, gossip_errc>
  decode(std::span<const uint8_t> packet) const;

  // -- the steps, for tests and tools -----------------------------------------

  /// `heartbeat::` + term_to_binary(#{node => Node}).
  static std::vector<uint8_t> heartbeat(etf::atom node);

  /// The node of a plaintext heartbeat. Accepts what libcluster's
  /// `%{node: n} when is_atom(n)` accepts (a map that may hold other keys
  /// too, atoms in any of the BEAM's encodings), within `limits()`.
  static expected<etf::atom, gossip_errc>
  parse_heartbeat(std::span<const uint8_t> plaintext);

  /// SHA-256(`secret`).
  static key_type derive_key(std::string_view secret);

  /// `iv` followed by AES-256-CBC(PKCS#7(`plaintext`)).
  static std::vector<uint8_t> encrypt(std::span<const uint8_t> plaintext,
                                      const key_type& key, const iv_type& iv);

  /// The plaintext of `packet` (IV, then ciphertext).
  static expected<std::vector<uint8_t>, gossip_errc>
  decrypt(std::span<const uint8_t> packet, const key_type& key);

  /// 16 bytes from OpenSSL's CSPRNG (libcluster: crypto:strong_rand_bytes).
  static iv_type random_iv();

  /// The decoder's caps for a heartbeat: a shallow map of a few entries.
  static etf::decode_limits limits() noexcept;

private:
  std::optional<key_type> key_;
};

} // namespace cafe::discovery
