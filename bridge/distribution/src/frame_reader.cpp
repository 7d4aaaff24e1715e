#include "cafe/distribution/frame_reader.hpp"

#include "cafe/byte_order.hpp"

#include <cstring>

namespace cafe::distribution {

namespace {

// A drained buffer larger than this is released: one big message should not
// pin its memory for the life of the connection.
constexpr size_t retained_capacity = size_t{1} << 20;

} // namespace

frame_reader::frame_reader(size_t max_frame_size)
  : max_frame_size_(max_frame_size) {
  // nop
}

std::span<uint8_t> frame_reader::prepare(size_t n) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    if (buf_.capacity() > retained_capacity && n <= retained_capacity) {
      std::vector<uint8_t> tmp;
      buf_.swap(tmp);
    }
  }
  if (buf_.size() - end_ < n) {
    // Move the unread rest to the front before growing.
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (buf_.size() - end_ < n)
      buf_.resize(end_ + n);
  }
  return std::span<uint8_t>{buf_.data() + end_, buf_.size() - end_};
}

void frame_reader::commit(size_t n) noexcept {
  end_ += n;
}

void frame_reader::feed(std::span<const uint8_t> chunk) {
  if (chunk.empty())
    return;
  auto dst = prepare(chunk.size());
  std::memcpy(dst.data(), chunk.data(), chunk.size());
  commit(chunk.size());
}

result<frame> frame_reader::next() {
  auto avail = end_ - begin_;
  if (avail < 4)
    return frame{};
  auto p = buf_.data() + begin_;
  size_t len = ::cafe::wire::get_u32(p);
  if (len > max_frame_size_)
    return unexpected{
      error{errc::frame_too_large, "frame length above the limit"}};
  if (avail - 4 < len)
    return frame{};
  begin_ += 4 + len;
  if (len == 0)
    return frame{frame_kind::tick, {}};
  return frame{frame_kind::data, std::span<const uint8_t>{p + 4, len}};
}

} // namespace cafe::distribution
