#include "cafe/distribution/header.hpp"

#include "byte_order.hpp"

namespace cafe::distribution {

namespace {

error bad_header(std::string_view why, size_t offset = 0) {
  return error{errc::bad_header, why, 0, 0, {}, offset};
}

} // namespace

result<header> read_header(std::span<const uint8_t> frame, flags_t flags,
                           atom_cache& cache, atom_cache_refs& refs) {
  if (!uses_dist_header(flags)) {
    // The leading byte is skipped unchecked, as OTP does; what follows must
    // be a plain 131-prefixed term.
    if (frame.size() < 3)
      return unexpected{bad_header("truncated pass-through message")};
    if (frame[1] != wire::version)
      return unexpected{error{
        errc::bad_version, "message from incompatible erlang", 0, 0, {}, 1}};
    auto tag = frame[2];
    if (tag == wire::dist_header || tag == wire::dist_frag_header
        || tag == wire::dist_frag_cont)
      return unexpected{
        bad_header("distribution header without negotiated flags", 2)};
    return header{header_kind::pass_through, 0, 0, 1, 0};
  }
  if (frame.size() < 2)
    return unexpected{bad_header("truncated distribution header")};
  if (frame[0] != wire::version)
    return unexpected{
      error{errc::bad_version, "message from incompatible erlang"}};
  header hdr;
  size_t pos = 2;
  switch (frame[1]) {
    case wire::dist_header: hdr.kind = header_kind::normal; break;
    case wire::dist_frag_header:
    case wire::dist_frag_cont:
      if ((flags & flag::fragments) == 0)
        return unexpected{bad_header("fragment without FRAGMENTS", 1)};
      if (frame.size() < wire::fragment_header_size)
        return unexpected{bad_header("truncated fragment header")};
      hdr.kind = frame[1] == wire::dist_frag_header
                   ? header_kind::fragment_start
                   : header_kind::fragment_cont;
      hdr.sequence_id = detail::get_u64(frame.data() + 2);
      hdr.fragment_id = detail::get_u64(frame.data() + 10);
      pos = wire::fragment_header_size;
      if (hdr.kind == header_kind::fragment_cont) {
        hdr.size = pos;
        return hdr;
      }
      break;
    default:
      return unexpected{bad_header("message without distribution header", 1)};
  }
  auto consumed = cache.read_refs(frame.subspan(pos), refs, hdr.ref_count);
  if (!consumed) {
    auto err = consumed.error();
    err.offset += pos;
    return unexpected{err};
  }
  hdr.size = pos + *consumed;
  return hdr;
}

} // namespace cafe::distribution
