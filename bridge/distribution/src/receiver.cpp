#include "cafe/distribution/receiver.hpp"

#include "cafe/distribution/check_nodes.hpp"
#include "cafe/distribution/header.hpp"

#include <utility>

namespace cafe::distribution {

namespace {

error term_error(const etf::decode_error& err, size_t base) {
  return error{errc::bad_term, "undecodable term", 0, 0,
               err.code,       base + err.offset};
}

} // namespace

receiver::receiver(receiver_config cfg)
  : cfg_(std::move(cfg)), assembler_(cfg_.reassembly) {
  // nop
}

result<control_message>
receiver::decode_control(std::span<const uint8_t> data,
                         std::span<const etf::atom> refs, size_t& consumed) {
  etf::decode_options opts;
  opts.limits = cfg_.term_limits;
  opts.atom_cache_refs = refs;
  auto ctl = etf::decode(data, consumed, opts);
  if (!ctl)
    return unexpected{term_error(ctl.error(), 0)};
  auto msg = from_term(std::move(*ctl), cfg_.policy);
  if (!msg)
    return msg;
  if (cfg_.peer_node && cfg_.local_node) {
    if (auto ok = check_nodes(*msg, *cfg_.peer_node, *cfg_.local_node); !ok)
      return unexpected{ok.error()};
  }
  return msg;
}

result<void> receiver::finish(control_message ctl,
                              std::span<const uint8_t> data,
                              std::span<const etf::atom> refs, bool versioned,
                              message& out) {
  if (!has_payload(ctl)) {
    // OTP ignores bytes after a control message without payload; nothing
    // legitimate puts any there, so they mean a broken peer.
    if (!data.empty())
      return unexpected{
        error{errc::trailing_bytes, "bytes after a control message", 0, 0, {}}};
    out.control = std::move(ctl);
    out.payload.reset();
    return {};
  }
  size_t pos = 0;
  if (versioned) {
    if (data.empty() || data[0] != 131)
      return unexpected{
        error{errc::bad_version, "payload without version byte"}};
    pos = 1;
  }
  if (pos >= data.size())
    return unexpected{error{errc::bad_term, "missing payload", 0, 0,
                            etf::errc::truncated, pos}};
  etf::decode_options opts;
  opts.limits = cfg_.term_limits;
  opts.atom_cache_refs = refs;
  size_t consumed = 0;
  auto payload = etf::decode(data.subspan(pos), consumed, opts);
  if (!payload)
    return unexpected{term_error(payload.error(), pos)};
  if (pos + consumed != data.size())
    return unexpected{error{errc::trailing_bytes,
                            "bytes after the payload",
                            0,
                            0,
                            {},
                            pos + consumed}};
  out.control = std::move(ctl);
  out.payload = std::move(*payload);
  return {};
}

result<receive_event>
receiver::receive_pass_through(std::span<const uint8_t> frame, message& out) {
  auto hdr = read_header(frame, cfg_.flags, cache_, refs_);
  if (!hdr)
    return unexpected{hdr.error()};
  // Skip the leading 112 and the control term's 131 (checked by
  // read_header).
  auto data = frame.subspan(2);
  size_t consumed = 0;
  auto ctl = decode_control(data, {}, consumed);
  if (!ctl) {
    auto err = ctl.error();
    err.offset += 2;
    return unexpected{err};
  }
  if (auto ok = finish(std::move(*ctl), data.subspan(consumed), {}, true, out);
      !ok)
    return unexpected{ok.error()};
  return receive_event::message;
}

result<receive_event> receiver::receive(std::span<const uint8_t> frame,
                                        message& out) {
  if (frame.empty())
    return receive_event::tick;
  if (!uses_dist_header(cfg_.flags))
    return receive_pass_through(frame, out);
  auto hdr = read_header(frame, cfg_.flags, cache_, refs_);
  if (!hdr)
    return unexpected{hdr.error()};
  auto data = frame.subspan(hdr->size);
  auto refs = std::span<const etf::atom>{refs_.data(), hdr->ref_count};
  auto with_offset = [&hdr](error err) {
    err.offset += hdr->size;
    return err;
  };
  if (hdr->kind == header_kind::fragment_cont) {
    auto done = assembler_.add(hdr->sequence_id, hdr->fragment_id, data);
    if (!done)
      return unexpected{done.error()};
    auto msg = *done;
    if (msg == nullptr)
      return receive_event::fragment;
    auto ok = finish(std::move(msg->control), msg->data, msg->refs, false, out);
    assembler_.release(msg);
    if (!ok)
      return unexpected{ok.error()};
    return receive_event::message;
  }
  size_t consumed = 0;
  auto ctl = decode_control(data, refs, consumed);
  if (!ctl)
    return unexpected{with_offset(ctl.error())};
  auto rest = data.subspan(consumed);
  // A start fragment with sequence id 0 is a whole message to OTP, and so
  // is one announcing a single fragment.
  if (hdr->kind == header_kind::fragment_start && hdr->sequence_id != 0
      && hdr->fragment_id != 1) {
    if (hdr->fragment_id == 0)
      return unexpected{error{errc::bad_fragment, "fragment id 0"}};
    auto ok = assembler_.start(hdr->sequence_id, hdr->fragment_id,
                               std::move(*ctl), refs, rest);
    if (!ok)
      return unexpected{ok.error()};
    return receive_event::fragment;
  }
  if (auto ok = finish(std::move(*ctl), rest, refs, false, out); !ok) {
    auto err = with_offset(ok.error());
    err.offset += consumed;
    return unexpected{err};
  }
  return receive_event::message;
}

} // namespace cafe::distribution
