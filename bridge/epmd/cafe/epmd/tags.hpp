#pragma once

#include <cstddef>
#include <cstdint>

namespace cafe::epmd {

/// First byte of each EPMD request and reply (erts/epmd/src/epmd.h).
namespace tag {

inline constexpr uint8_t alive2_req = 'x'; // 120
inline constexpr uint8_t alive2_x_resp = 'v'; // 118, 32-bit creation
inline constexpr uint8_t alive2_resp = 'y'; // 121, 16-bit creation
inline constexpr uint8_t port_please2_req = 'z'; // 122
inline constexpr uint8_t port2_resp = 'w'; // 119
inline constexpr uint8_t names_req = 'n'; // 110
inline constexpr uint8_t dump_req = 'd'; // 100
inline constexpr uint8_t kill_req = 'k'; // 107
inline constexpr uint8_t stop_req = 's'; // 115

} // namespace tag

/// NodeType in ALIVE2_REQ and PORT2_RESP.
namespace node_type {

inline constexpr uint8_t normal = 77; // 'M'
inline constexpr uint8_t hidden = 72; // 'H'

} // namespace node_type

/// The port epmd listens on unless told otherwise.
inline constexpr uint16_t default_port = 4369;

/// Distribution protocol version 6 (OTP 23+); OTP 25+ only speaks 6.
inline constexpr uint16_t dist_version = 6;

/// epmd's own limits (epmd_int.h): a node name or extra field holds at most
/// 255 characters of UTF-8, i.e. 1020 bytes, and a request must fit the
/// 3060-byte input buffer including its 2-byte length prefix.
inline constexpr size_t max_name_chars = 255;
inline constexpr size_t max_symbol_bytes = 255 * 4;
inline constexpr size_t input_buffer_size = 3 * max_symbol_bytes;

/// epmd's answer to a failed ALIVE2 puts this in the creation field.
inline constexpr uint32_t failed_creation = 99;

} // namespace cafe::epmd
