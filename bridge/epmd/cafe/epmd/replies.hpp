#pragma once

#include "cafe/epmd/errc.hpp"
#include "cafe/epmd/node_info.hpp"
#include "cafe/expected.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cafe::epmd {

/// epmd's answer to ALIVE2_REQ: ALIVE2_X_RESP (`extended`, 32-bit creation)
/// for requests with HighestVersion >= 6, else the old ALIVE2_RESP.
struct alive2_resp {
  /// 0 on success. On failure epmd puts 99 in `creation`.
  uint8_t result = 0;
  uint32_t creation = 0;
  bool extended = true;
  friend bool operator==(const alive2_resp&, const alive2_resp&) = default;
};

/// epmd's answer to PORT_PLEASE2_REQ; `node` is meaningful if `result` is 0.
struct port2_resp {
  uint8_t result = 0;
  node_info node;
  friend bool operator==(const port2_resp&, const port2_resp&) = default;
};

/// One line of the NAMES listing.
struct name_entry {
  std::string name;
  uint16_t port = 0;
  friend bool operator==(const name_entry&, const name_entry&) = default;
};

/// epmd's answer to NAMES_REQ: its own port, then `name <N> at port <P>\n`
/// per registered node, newest registration first.
struct names_resp {
  uint32_t epmd_port = 0;
  std::vector<name_entry> nodes;
  friend bool operator==(const names_resp&, const names_resp&) = default;
};

/// epmd's answer to DUMP_REQ: its port, then NUL-terminated text records.
struct dump_resp {
  uint32_t epmd_port = 0;
  std::vector<std::string> lines;
  friend bool operator==(const dump_resp&, const dump_resp&) = default;
};

/// epmd's answer to KILL_REQ: "OK" (it exits) or "NO".
struct kill_resp {
  bool ok = false;
  friend bool operator==(const kill_resp&, const kill_resp&) = default;
};

/// epmd's answer to STOP_REQ. Real epmd answers an unknown name with
/// "NOEXIST" directly followed by "STOPPED" (it falls through after the
/// first reply); both forms are read as `existed == false`.
struct stop_resp {
  bool existed = true;
  friend bool operator==(const stop_resp&, const stop_resp&) = default;
};

/// The largest NAMES or DUMP reply a reader buffers.
inline constexpr size_t max_listing_size = size_t{2} << 20;

/// What the bytes received so far amount to: a reply, `std::nullopt` if
/// more bytes are needed, or an error.
template <class Reply>
using decode_result = expected<std::optional<Reply>, errc>;

/// Decodes a complete or partial reply. `eof` says that epmd closed the
/// connection after `received`: NAMES, DUMP and STOP replies end only there,
/// and for the others it turns "need more bytes" into `truncated`.
template <class Reply>
decode_result<Reply> decode_reply(std::span<const uint8_t> received, bool eof);

template <>
decode_result<alive2_resp>
decode_reply<alive2_resp>(std::span<const uint8_t> received, bool eof);

template <>
decode_result<port2_resp>
decode_reply<port2_resp>(std::span<const uint8_t> received, bool eof);

template <>
decode_result<names_resp>
decode_reply<names_resp>(std::span<const uint8_t> received, bool eof);

template <>
decode_result<dump_resp>
decode_reply<dump_resp>(std::span<const uint8_t> received, bool eof);

template <>
decode_result<kill_resp>
decode_reply<kill_resp>(std::span<const uint8_t> received, bool eof);

template <>
decode_result<stop_resp>
decode_reply<stop_resp>(std::span<const uint8_t> received, bool eof);

/// Appends the reply bytes as epmd writes them (replies carry no length
/// prefix). Used by the embedded server and by tests.
void encode(const alive2_resp& x, std::vector<uint8_t>& out);
void encode(const port2_resp& x, std::vector<uint8_t>& out);
void encode(const names_resp& x, std::vector<uint8_t>& out);
void encode(const dump_resp& x, std::vector<uint8_t>& out);
void encode(const kill_resp& x, std::vector<uint8_t>& out);
void encode(const stop_resp& x, std::vector<uint8_t>& out);

/// The creation of a successful registration, `registration_failed`
/// otherwise (erl_epmd reports any non-zero result as `duplicate_name`).
expected<uint32_t, errc> creation_of(const alive2_resp& x);

/// The node of a successful lookup, `not_found` otherwise.
expected<node_info, errc> node_of(const port2_resp& x);

} // namespace cafe::epmd
