#include "cafe/handshake/messages.hpp"

#include "cafe/length_prefix.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cassert>

namespace cafe::handshake {

using detail::get_u16;
using detail::get_u32;
using detail::get_u64;
using detail::put_bytes;
using detail::put_u16;
using detail::put_u32;
using detail::put_u64;

namespace {

void put_digest(std::vector<uint8_t>& out, const digest& x) {
  out.insert(out.end(), x.begin(), x.end());
}

digest get_digest(std::span<const uint8_t> in, size_t pos) {
  digest result;
  std::copy_n(in.begin() + static_cast<ptrdiff_t>(pos), result.size(),
              result.begin());
  return result;
}

// Checks the tag and that `in` is at least `min` bytes long.
expected<void, errc> expect(std::span<const uint8_t> in, uint8_t tag,
                            size_t min) {
  if (in.empty() || in[0] != tag)
    return unexpected{errc::unexpected_message};
  if (in.size() < min)
    return unexpected{errc::malformed_message};
  return {};
}

} // namespace

void encode(const send_name_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::name);
    put_u64(out, x.flags);
    put_u32(out, x.creation);
    put_u16(out, static_cast<uint16_t>(x.name.size()));
    put_bytes(out, x.name);
  });
}

void encode(const old_send_name_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::old_name);
    put_u16(out, x.version);
    put_u32(out, x.flags);
    put_bytes(out, x.name);
  });
}

void encode(const status_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::status);
    put_bytes(out, x.text);
  });
}

void encode(const challenge_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::name);
    put_u64(out, x.flags);
    put_u32(out, x.challenge);
    put_u32(out, x.creation);
    put_u16(out, static_cast<uint16_t>(x.name.size()));
    put_bytes(out, x.name);
  });
}

void encode(const complement_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::complement);
    put_u32(out, x.flags_high);
    put_u32(out, x.creation);
  });
}

void encode(const challenge_reply_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::challenge_reply);
    put_u32(out, x.challenge);
    put_digest(out, x.sum);
  });
}

void encode(const challenge_ack_msg& x, std::vector<uint8_t>& out) {
  wire::put_with_u16_length(out, [&] {
    out.push_back(tag::challenge_ack);
    put_digest(out, x.sum);
  });
}

expected<send_name_msg, errc> decode_send_name(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::name, send_name_msg::min_size); !ok)
    return unexpected{ok.error()};
  send_name_msg x;
  x.flags = get_u64(in, 1);
  x.creation = get_u32(in, 9);
  size_t nlen = get_u16(in, 13);
  if (in.size() - send_name_msg::min_size < nlen)
    return unexpected{errc::malformed_message};
  x.name = std::string{detail::as_chars(in.subspan(15, nlen))};
  return x;
}

expected<old_send_name_msg, errc>
decode_old_send_name(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::old_name, old_send_name_msg::min_size); !ok)
    return unexpected{ok.error()};
  old_send_name_msg x;
  x.version = get_u16(in, 1);
  x.flags = get_u32(in, 3);
  // No length field: the name is the rest of the frame.
  x.name = std::string{detail::as_chars(in.subspan(7))};
  return x;
}

expected<status_msg, errc> decode_status(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::status, 1); !ok)
    return unexpected{ok.error()};
  return status_msg{std::string{detail::as_chars(in.subspan(1))}};
}

expected<challenge_msg, errc> decode_challenge(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::name, challenge_msg::min_size); !ok)
    return unexpected{ok.error()};
  challenge_msg x;
  x.flags = get_u64(in, 1);
  x.challenge = get_u32(in, 9);
  x.creation = get_u32(in, 13);
  size_t nlen = get_u16(in, 17);
  if (in.size() - challenge_msg::min_size < nlen)
    return unexpected{errc::malformed_message};
  x.name = std::string{detail::as_chars(in.subspan(19, nlen))};
  return x;
}

expected<complement_msg, errc> decode_complement(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::complement, complement_msg::size); !ok)
    return unexpected{ok.error()};
  if (in.size() != complement_msg::size)
    return unexpected{errc::malformed_message};
  return complement_msg{get_u32(in, 1), get_u32(in, 5)};
}

expected<challenge_reply_msg, errc>
decode_challenge_reply(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::challenge_reply, challenge_reply_msg::size);
      !ok)
    return unexpected{ok.error()};
  if (in.size() != challenge_reply_msg::size)
    return unexpected{errc::malformed_message};
  return challenge_reply_msg{get_u32(in, 1), get_digest(in, 5)};
}

expected<challenge_ack_msg, errc>
decode_challenge_ack(std::span<const uint8_t> in) {
  if (auto ok = expect(in, tag::challenge_ack, challenge_ack_msg::size); !ok)
    return unexpected{ok.error()};
  if (in.size() != challenge_ack_msg::size)
    return unexpected{errc::malformed_message};
  return challenge_ack_msg{get_digest(in, 1)};
}

} // namespace cafe::handshake
