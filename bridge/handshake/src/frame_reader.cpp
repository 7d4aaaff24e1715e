#include "cafe/handshake/frame_reader.hpp"

#include "wire.hpp"

namespace cafe::handshake {

void frame_reader::append(std::span<const uint8_t> bytes) {
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

expected<std::optional<std::span<const uint8_t>>, errc> frame_reader::next() {
  auto avail = std::span<const uint8_t>{buf_}.subspan(pos_);
  if (avail.size() < 2)
    return std::optional<std::span<const uint8_t>>{};
  size_t len = detail::get_u16(avail, 0);
  if (len == 0)
    return unexpected{errc::bad_frame};
  if (avail.size() < 2 + len)
    return std::optional<std::span<const uint8_t>>{};
  pos_ += 2 + len;
  return std::optional{avail.subspan(2, len)};
}

std::vector<uint8_t> frame_reader::take_rest() {
  std::vector<uint8_t> rest{buf_.begin() + static_cast<ptrdiff_t>(pos_),
                            buf_.end()};
  buf_.clear();
  pos_ = 0;
  return rest;
}

} // namespace cafe::handshake
