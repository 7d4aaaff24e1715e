#include "cafe/discovery/gossip_packet.hpp"

#include "cafe/etf/encoder.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/handshake/node_name.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace cafe::discovery {

std::string_view to_string(gossip_errc code) noexcept {
  switch (code) {
    case gossip_errc::too_large: return "too_large";
    case gossip_errc::no_prefix: return "no_prefix";
    case gossip_errc::bad_term: return "bad_term";
    case gossip_errc::no_node: return "no_node";
    case gossip_errc::bad_node_name: return "bad_node_name";
    case gossip_errc::too_short: return "too_short";
    case gossip_errc::bad_length: return "bad_length";
    case gossip_errc::bad_padding: return "bad_padding";
    case gossip_errc::crypto_failure: return "crypto_failure";
  }
  return "unknown";
}

namespace {

struct cipher_ctx_deleter {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept {
    EVP_CIPHER_CTX_free(ctx);
  }
};

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_deleter>;

/// AES-256-CBC over whole blocks, without OpenSSL's padding (the caller
/// pads and checks PKCS#7 itself, so a wrong secret is told apart from a
/// failing library). False when OpenSSL fails.
bool aes_256_cbc(bool encrypt, const gossip_packet::key_type& key,
                 const uint8_t* iv, std::span<const uint8_t> in, uint8_t* out) {
  cipher_ctx ctx{EVP_CIPHER_CTX_new()};
  if (!ctx
      || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(),
                           iv, encrypt ? 1 : 0)
           != 1
      || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return false;
  int len = 0;
  int total = 0;
  if (!in.empty()) {
    if (EVP_CipherUpdate(ctx.get(), out, &len, in.data(),
                         static_cast<int>(in.size()))
        != 1)
      return false;
    total = len;
  }
  if (EVP_CipherFinal_ex(ctx.get(), out + total, &len) != 1)
    return false;
  return static_cast<size_t>(total + len) == in.size();
}

} // namespace

gossip_packet::gossip_packet(std::string_view secret)
  : key_(derive_key(secret)) {
  // nop
}

std::vector<uint8_t> gossip_packet::encode(etf::atom node,
                                           const iv_type& iv) const {
  auto plain = heartbeat(node);
  if (!key_)
    return plain;
  return encrypt(plain, *key_, iv);
}

std::vector<uint8_t> gossip_packet::encode(etf::atom node) const {
  return encode(node, random_iv());
}

expected<etf::atom, gossip_errc>
gossip_packet::decode(std::span<const uint8_t> packet) const {
  if (packet.size() > max_size)
    return unexpected{gossip_errc::too_large};
  if (!key_)
    return parse_heartbeat(packet);
  auto plain = decrypt(packet, *key_);
  if (!plain)
    return unexpected{plain.error()};
  return parse_heartbeat(*plain);
}

std::vector<uint8_t> gossip_packet::heartbeat(etf::atom node) {
  static const etf::atom node_key{"node"};
  auto ttb = etf::term_to_binary(etf::map{{{etf::term{node_key}, node}}});
  std::vector<uint8_t> result(prefix.size() + ttb.size());
  auto pos = std::copy(prefix.begin(), prefix.end(), result.begin());
  std::copy(ttb.begin(), ttb.end(), pos);
  return result;
}

expected<etf::atom, gossip_errc>
gossip_packet::parse_heartbeat(std::span<const uint8_t> plaintext) {
  if (plaintext.size() > max_size)
    return unexpected{gossip_errc::too_large};
  if (plaintext.size() < prefix.size()
      || !std::equal(prefix.begin(), prefix.end(), plaintext.begin()))
    return unexpected{gossip_errc::no_prefix};
  etf::decode_options opts;
  opts.limits = limits();
  auto x = etf::binary_to_term(plaintext.subspan(prefix.size()), opts);
  if (!x)
    return unexpected{gossip_errc::bad_term};
  auto xs = x->get_if<etf::map>();
  if (xs == nullptr)
    return unexpected{gossip_errc::no_node};
  static const etf::term node_key{etf::atom{"node"}};
  auto value = xs->find(node_key);
  auto node = value != nullptr ? value->get_if<etf::atom>() : nullptr;
  if (node == nullptr)
    return unexpected{gossip_errc::no_node};
  if (!handshake::is_node_name(node->text()))
    return unexpected{gossip_errc::bad_node_name};
  return *node;
}

gossip_packet::key_type gossip_packet::derive_key(std::string_view secret) {
  key_type result{};
  unsigned len = 0;
  // SHA-256 is in every OpenSSL configuration; without it no secret could
  // ever work, so fail loudly instead of using a wrong key.
  if (EVP_Digest(secret.data(), secret.size(), result.data(), &len,
                 EVP_sha256(), nullptr)
        != 1
      || len != result.size())
    std::abort();
  return result;
}

std::vector<uint8_t> gossip_packet::encrypt(std::span<const uint8_t> plaintext,
                                            const key_type& key,
                                            const iv_type& iv) {
  // PKCS#7 as libcluster's pkcs7_pad: 1..16 bytes, each the pad length.
  auto pad = block_size - plaintext.size() % block_size;
  std::vector<uint8_t> result(iv_size + plaintext.size() + pad,
                              static_cast<uint8_t>(pad));
  std::memcpy(result.data(), iv.data(), iv_size);
  if (!plaintext.empty())
    std::memcpy(result.data() + iv_size, plaintext.data(), plaintext.size());
  // In place: OpenSSL's CBC allows the same buffer in and out.
  auto body = std::span<uint8_t>{result}.subspan(iv_size);
  if (!aes_256_cbc(true, key, iv.data(), body, body.data()))
    std::abort(); // as derive_key: AES-256-CBC is always there
  return result;
}

expected<std::vector<uint8_t>, gossip_errc>
gossip_packet::decrypt(std::span<const uint8_t> packet, const key_type& key) {
  if (packet.size() > max_size)
    return unexpected{gossip_errc::too_large};
  if (packet.size() < iv_size + block_size)
    return unexpected{gossip_errc::too_short};
  auto cipher = packet.subspan(iv_size);
  if (cipher.size() % block_size != 0)
    return unexpected{gossip_errc::bad_length};
  std::vector<uint8_t> plain(cipher.size());
  if (!aes_256_cbc(false, key, packet.data(), cipher, plain.data()))
    return unexpected{gossip_errc::crypto_failure};
  // Strict PKCS#7: 1..16 bytes, all equal to the count. (libcluster's
  // pkcs7_unpad also takes a count of 0, which its own pkcs7_pad never
  // writes.)
  auto pad = plain.back();
  if (pad == 0 || pad > block_size
      || !std::all_of(plain.end() - pad, plain.end(),
                      [pad](uint8_t x) { return x == pad; }))
    return unexpected{gossip_errc::bad_padding};
  plain.resize(plain.size() - pad);
  return plain;
}

gossip_packet::iv_type gossip_packet::random_iv() {
  iv_type result{};
  // As derive_key: a CSPRNG that fails leaves no safe way to go on.
  if (RAND_bytes(result.data(), static_cast<int>(result.size())) != 1)
    std::abort();
  return result;
}

etf::decode_limits gossip_packet::limits() noexcept {
  etf::decode_limits result;
  // #{node => Name} is 3 terms at depth 1; leave room for a few more keys
  // (libcluster's match accepts them), not for a hostile payload.
  result.max_depth = 4;
  result.max_terms = 32;
  result.max_inflated_size = max_size;
  return result;
}

} // namespace cafe::discovery
