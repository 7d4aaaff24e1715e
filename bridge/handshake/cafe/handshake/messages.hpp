#pragma once

#include "cafe/distribution/flags.hpp"
#include "cafe/expected.hpp"
#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/errc.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::handshake {

/// First byte of each handshake message (after the 2-byte length).
namespace tag {

/// send_name and challenge in the version-6 form.
inline constexpr uint8_t name = 'N';
/// send_name in the version-5 form (OTP 22 and older; OTP 23/24 without
/// epmd).
inline constexpr uint8_t old_name = 'n';
inline constexpr uint8_t status = 's';
inline constexpr uint8_t complement = 'c';
inline constexpr uint8_t challenge_reply = 'r';
inline constexpr uint8_t challenge_ack = 'a';

} // namespace tag

/// Initiator -> acceptor: 'N' Flags(8) Creation(4) Nlen(2) Name [ignored].
struct send_name_msg {
  distribution::flags_t flags = 0;
  uint32_t creation = 0;
  std::string name;
  friend bool operator==(const send_name_msg&, const send_name_msg&) = default;
  static constexpr size_t min_size = 1 + 8 + 4 + 2;
};

/// Old initiator -> acceptor: 'n' Version(2) Flags(4, low half) Name.
/// Followed by a complement once the 'N' challenge arrives.
struct old_send_name_msg {
  uint16_t version = 5;
  uint32_t flags = 0;
  std::string name;
  friend bool operator==(const old_send_name_msg&, const old_send_name_msg&)
    = default;
  static constexpr size_t min_size = 1 + 2 + 4;
};

/// Either direction: 's' Text. The acceptor's verdict, or the initiator's
/// "true"/"false" after `alive`.
struct status_msg {
  std::string text;
  friend bool operator==(const status_msg&, const status_msg&) = default;
};

/// Acceptor -> initiator: 'N' Flags(8) Challenge(4) Creation(4) Nlen(2)
/// Name [ignored].
struct challenge_msg {
  distribution::flags_t flags = 0;
  uint32_t challenge = 0;
  uint32_t creation = 0;
  std::string name;
  friend bool operator==(const challenge_msg&, const challenge_msg&) = default;
  static constexpr size_t min_size = 1 + 8 + 4 + 4 + 2;
};

/// Old initiator -> acceptor after the challenge: 'c' FlagsHigh(4)
/// Creation(4).
struct complement_msg {
  uint32_t flags_high = 0;
  uint32_t creation = 0;
  friend bool operator==(const complement_msg&, const complement_msg&)
    = default;
  static constexpr size_t size = 1 + 4 + 4;
};

/// Initiator -> acceptor: 'r' Challenge(4) Digest(16).
struct challenge_reply_msg {
  uint32_t challenge = 0;
  digest sum{};
  friend bool operator==(const challenge_reply_msg&, const challenge_reply_msg&)
    = default;
  static constexpr size_t size = 1 + 4 + 16;
};

/// Acceptor -> initiator: 'a' Digest(16).
struct challenge_ack_msg {
  digest sum{};
  friend bool operator==(const challenge_ack_msg&, const challenge_ack_msg&)
    = default;
  static constexpr size_t size = 1 + 16;
};

/// The largest handshake payload a 2-byte length prefix can announce.
inline constexpr size_t max_frame_size = 0xFFFF;

/// Encoders append the 2-byte length prefix and the message. Names and
/// texts must fit a frame (node names are at most 255 bytes).
void encode(const send_name_msg& x, std::vector<uint8_t>& out);
void encode(const old_send_name_msg& x, std::vector<uint8_t>& out);
void encode(const status_msg& x, std::vector<uint8_t>& out);
void encode(const challenge_msg& x, std::vector<uint8_t>& out);
void encode(const complement_msg& x, std::vector<uint8_t>& out);
void encode(const challenge_reply_msg& x, std::vector<uint8_t>& out);
void encode(const challenge_ack_msg& x, std::vector<uint8_t>& out);

/// Decoders take one frame's payload (without the length prefix). Like
/// dist_util: bytes after the name of 'N' messages are ignored, the reply,
/// ack and complement must have their exact size.
expected<send_name_msg, errc>
decode_send_name(std::span<const uint8_t> payload);

expected<old_send_name_msg, errc>
decode_old_send_name(std::span<const uint8_t> payload);

expected<status_msg, errc> decode_status(std::span<const uint8_t> payload);

expected<challenge_msg, errc>
decode_challenge(std::span<const uint8_t> payload);

expected<complement_msg, errc>
decode_complement(std::span<const uint8_t> payload);

expected<challenge_reply_msg, errc>
decode_challenge_reply(std::span<const uint8_t> payload);

expected<challenge_ack_msg, errc>
decode_challenge_ack(std::span<const uint8_t> payload);

} // namespace cafe::handshake
