#include "cafe/distribution/fragmenter.hpp"

#include "byte_order.hpp"
#include "cafe/distribution/frame_writer.hpp"
#include "cafe/distribution/header.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace cafe::distribution {

fragmenter::fragmenter(uint64_t sequence_id, uint64_t fragments,
                       std::vector<uint8_t> data, size_t pos,
                       size_t chunk) noexcept
  : data_(std::move(data)), pos_(pos), chunk_(chunk), seq_(sequence_id),
    next_id_(fragments) {
  // nop
}

size_t fragmenter::next_frame_size() const noexcept {
  if (done())
    return 0;
  return frame_length_size + wire::fragment_header_size
         + std::min(chunk_, data_.size() - pos_);
}

void fragmenter::next(std::vector<uint8_t>& out) {
  assert(!done());
  auto n = std::min(chunk_, data_.size() - pos_);
  auto p = append_frame(out, wire::fragment_header_size + n);
  *p++ = wire::version;
  *p++ = wire::dist_frag_cont;
  detail::put_u64(p, seq_);
  detail::put_u64(p + 8, next_id_);
  p += 16;
  std::memcpy(p, data_.data() + pos_, n);
  pos_ += n;
  if (--next_id_ == 0) {
    // Done: give the memory back now rather than when the owner drops us.
    std::vector<uint8_t> tmp;
    data_.swap(tmp);
  }
}

} // namespace cafe::distribution
