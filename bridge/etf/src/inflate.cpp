#include "inflate.hpp"

#include "cafe/byte_order.hpp"

#include <zlib.h>

namespace cafe::etf::detail {

expected<std::vector<uint8_t>, decode_error>
inflate_term(std::span<const uint8_t> bytes, size_t max_size) {
  constexpr size_t header = 6; // 131, 80, UncompressedSize(4)
  if (bytes.size() < header)
    return unexpected{decode_error{errc::truncated, bytes.size()}};
  size_t size = wire::get_u32(bytes.data() + 2);
  // The announced size is checked before anything is allocated for it.
  if (size > max_size)
    return unexpected{decode_error{errc::too_large, 2}};
  std::vector<uint8_t> inflated(size);
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK)
    return unexpected{decode_error{errc::bad_compression, header}};
  zs.next_in = const_cast<Bytef*>(bytes.data() + header);
  zs.avail_in = static_cast<uInt>(bytes.size() - header);
  zs.next_out = inflated.data();
  zs.avail_out = static_cast<uInt>(size);
  auto rc = inflate(&zs, Z_FINISH);
  auto produced = zs.total_out;
  auto used = zs.total_in;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != size || used != bytes.size() - header)
    return unexpected{decode_error{errc::bad_compression, header + used}};
  return inflated;
}

} // namespace cafe::etf::detail
