#include "cafe/distribution/frame_writer.hpp"

#include <cstring>

namespace cafe::distribution {

uint8_t* append_frame(std::vector<uint8_t>& out, size_t len) {
  auto pos = out.size();
  out.resize(pos + frame_length_size + len);
  auto p = out.data() + pos;
  write_frame_length(p, static_cast<uint32_t>(len));
  return p + frame_length_size;
}

void append_frame(std::vector<uint8_t>& out, std::span<const uint8_t> payload) {
  auto dst = append_frame(out, payload.size());
  if (!payload.empty())
    std::memcpy(dst, payload.data(), payload.size());
}

} // namespace cafe::distribution
