#include "cafe/handshake/random.hpp"

#include <openssl/rand.h>

namespace cafe::handshake {

std::optional<uint32_t> secure_random_u32() noexcept {
  unsigned char buf[4];
  if (RAND_bytes(buf, sizeof(buf)) != 1)
    return std::nullopt;
  return (uint32_t{buf[0]} << 24) | (uint32_t{buf[1]} << 16)
         | (uint32_t{buf[2]} << 8) | uint32_t{buf[3]};
}

random_source secure_random() {
  return [] { return secure_random_u32(); };
}

} // namespace cafe::handshake
