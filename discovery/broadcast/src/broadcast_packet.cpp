#include "cafe/discovery/broadcast_packet.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace cafe::discovery {

namespace {

constexpr std::string_view magic{"CAFEBC1\0", 8};

constexpr size_t mac_size = 32;

std::array<uint8_t, mac_size> mac_of(std::span<const uint8_t> data,
                                     std::string_view secret) {
  std::array<uint8_t, mac_size> result{};
  unsigned int len = 0;
  // A zero-length key is valid for HMAC; OpenSSL wants a non-null pointer.
  static const char empty = 0;
  HMAC(EVP_sha256(), secret.empty() ? &empty : secret.data(),
       static_cast<int>(secret.size()), data.data(), data.size(), result.data(),
       &len);
  return result;
}

} // namespace

std::string_view to_string(refusal x) noexcept {
  switch (x) {
    case refusal::malformed: return "not an announcement";
    case refusal::bad_mac: return "signed with another secret";
    case refusal::stale: return "outside the replay window";
  }
  return "?";
}

std::vector<uint8_t> encode_announcement(std::string_view node,
                                         std::chrono::milliseconds timestamp,
                                         std::string_view secret) {
  std::vector<uint8_t> out(magic.begin(), magic.end());
  auto ts = static_cast<uint64_t>(timestamp.count());
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(ts >> shift));
  auto n = std::min<size_t>(node.size(), 255);
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), node.begin(), node.begin() + n);
  auto mac = mac_of(out, secret);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

expected<announcement, refusal>
decode_announcement(std::span<const uint8_t> bytes, std::string_view secret,
                    std::chrono::milliseconds now,
                    std::chrono::milliseconds window) {
  constexpr size_t header = 8 + 8 + 1;
  if (bytes.size() < header + 1 + mac_size
      || !std::equal(magic.begin(), magic.end(), bytes.begin()))
    return unexpected{refusal::malformed};
  size_t n = bytes[16];
  if (n == 0 || bytes.size() != header + n + mac_size)
    return unexpected{refusal::malformed};
  auto body = bytes.first(header + n);
  auto expected_mac = mac_of(body, secret);
  if (CRYPTO_memcmp(expected_mac.data(), bytes.data() + header + n, mac_size)
      != 0)
    return unexpected{refusal::bad_mac};
  uint64_t ts = 0;
  for (size_t i = 8; i < 16; ++i)
    ts = ts << 8 | bytes[i];
  auto stamp = std::chrono::milliseconds{static_cast<int64_t>(ts)};
  if (stamp > now + window || stamp < now - window)
    return unexpected{refusal::stale};
  std::string_view name{reinterpret_cast<const char*>(bytes.data() + header),
                        n};
  // alive@host: letters, digits and the few signs node names use; an
  // atom is made only for names of that shape.
  auto at = name.find('@');
  auto ok = [](std::string_view part, std::string_view extra) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c))
             || extra.find(c) != std::string_view::npos;
    });
  };
  if (at == std::string_view::npos || !ok(name.substr(0, at), "_-")
      || !ok(name.substr(at + 1), ".-:_"))
    return unexpected{refusal::malformed};
  return announcement{etf::atom{name}, stamp};
}

bool replay_guard::fresh(const announcement& x) {
  auto& last = latest_[x.node];
  if (x.timestamp <= last)
    return false;
  last = x.timestamp;
  return true;
}

} // namespace cafe::discovery
