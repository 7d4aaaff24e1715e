#include "cafe/distribution/sender.hpp"

#include "byte_order.hpp"
#include "cafe/distribution/frame_writer.hpp"
#include "cafe/distribution/header.hpp"
#include "control_encoding.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace cafe::distribution {

namespace {

error too_large() {
  return error{errc::message_too_large, "message exceeds the frame size"};
}

} // namespace

sender::sender(sender_config cfg) : cfg_(cfg) {
  cfg_.max_fragment_size = std::max(cfg_.max_fragment_size, size_t{1});
}

result<fragmenter> sender::write(const control_message& ctl,
                                 const etf::term* payload,
                                 std::vector<uint8_t>& out) {
  if (has_payload(ctl) != (payload != nullptr))
    return unexpected{error{errc::invalid_message,
                            payload == nullptr ? "operation requires a payload"
                                               : "operation takes no payload",
                            static_cast<uint8_t>(op_of(ctl))}};
  auto fs = cfg_.flags;
  if (!uses_dist_header(fs)) {
    // Pass-through: 112, then each term with its own version byte.
    etf::encoder enc;
    auto ctl_size = detail::control_size(ctl, enc);
    auto pl_size = payload != nullptr ? 1 + enc.size(*payload) : 0;
    auto len = 2 + ctl_size + pl_size;
    if (len > max_frame_payload)
      return unexpected{too_large()};
    auto p = append_frame(out, len);
    *p++ = wire::pass_through;
    *p++ = wire::version;
    p = detail::write_control(ctl, enc, p);
    if (payload != nullptr) {
      *p++ = wire::version;
      p = enc.write(*payload, p);
    }
    assert(p == out.data() + out.size());
    return fragmenter{};
  }
  // Sizing pass: with the cache, it also collects the message's atoms.
  auto caching = (fs & flag::dist_hdr_atom_cache) != 0 && cfg_.use_atom_cache;
  etf::encode_options opts;
  if (caching) {
    cache_.begin();
    opts.atom_refs = &cache_;
  }
  etf::encoder enc{opts};
  auto ctl_size = detail::control_size(ctl, enc);
  auto pl_size = payload != nullptr ? enc.size(*payload) : size_t{0};
  auto data_size = ctl_size + pl_size;
  if (caching)
    cache_.seal();
  auto refs_size = caching ? cache_.refs_size() : size_t{1};
  auto write_refs = [&](uint8_t* p) {
    if (caching)
      return cache_.write_refs(p);
    *p++ = 0;
    return p;
  };
  auto first = std::max(ctl_size, cfg_.max_fragment_size);
  if ((fs & flag::fragments) == 0 || data_size <= first) {
    auto len = 2 + refs_size + data_size;
    if (len > max_frame_payload)
      return unexpected{too_large()};
    auto p = append_frame(out, len);
    *p++ = wire::version;
    *p++ = wire::dist_header;
    p = write_refs(p);
    p = detail::write_control(ctl, enc, p);
    if (payload != nullptr)
      p = enc.write(*payload, p);
    assert(p == out.data() + out.size());
    return fragmenter{};
  }
  // Fragments: the control term and the start of the payload in the first,
  // the rest in chunks of max_fragment_size.
  auto first_len = wire::fragment_header_size + refs_size + first;
  if (first_len > max_frame_payload)
    return unexpected{too_large()};
  auto chunk = cfg_.max_fragment_size;
  auto rest = data_size - first;
  uint64_t count = 1 + (rest + chunk - 1) / chunk;
  std::vector<uint8_t> data(data_size);
  auto dp = detail::write_control(ctl, enc, data.data());
  if (payload != nullptr)
    dp = enc.write(*payload, dp);
  assert(dp == data.data() + data.size());
  auto seq = next_sequence_++;
  auto p = append_frame(out, first_len);
  *p++ = wire::version;
  *p++ = wire::dist_frag_header;
  detail::put_u64(p, seq);
  detail::put_u64(p + 8, count);
  p = write_refs(p + 16);
  std::memcpy(p, data.data(), first);
  return fragmenter{seq, count - 1, std::move(data), first, chunk};
}

} // namespace cafe::distribution
