#pragma once

#include "cafe/epmd/replies.hpp"

#include <span>
#include <vector>

namespace cafe::epmd {

/// Collects the bytes of one epmd reply as they arrive, in any split, and
/// decodes it once complete. One reader per request: epmd closes the
/// connection after every reply except a successful ALIVE2.
template <class Reply>
class reply_reader {
public:
  /// Adds bytes read from epmd.
  decode_result<Reply> feed(std::span<const uint8_t> bytes) {
    if (buf_.size() + bytes.size() > max_listing_size)
      return unexpected{errc::too_large};
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    return decode_reply<Reply>(buf_, false);
  }

  /// epmd closed the connection: the reply is complete or truncated.
  decode_result<Reply> finish() {
    return decode_reply<Reply>(buf_, true);
  }

  const std::vector<uint8_t>& buffered() const noexcept {
    return buf_;
  }

private:
  std::vector<uint8_t> buf_;
};

} // namespace cafe::epmd
