#include "cafe/handshake/digest.hpp"

#include <cstdlib>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string>

namespace cafe::handshake {

digest gen_digest(uint32_t challenge, std::string_view cookie) noexcept {
  auto text = std::string{cookie};
  text += std::to_string(challenge);
  digest result{};
  unsigned len = 0;
  // MD5 is built into every OpenSSL provider configuration we can meet; if
  // it were missing no handshake could ever succeed, so failing loudly
  // beats returning a digest that silently never matches.
  if (EVP_Digest(text.data(), text.size(), result.data(), &len, EVP_md5(),
                 nullptr)
        != 1
      || len != result.size())
    std::abort();
  return result;
}

bool digest_equal(const digest& expected, const digest& received) noexcept {
  return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

} // namespace cafe::handshake
