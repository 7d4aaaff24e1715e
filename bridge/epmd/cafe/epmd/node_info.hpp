#pragma once

#include "cafe/epmd/tags.hpp"

#include <cstdint>
#include <string>

namespace cafe::epmd {

/// What a node tells epmd in ALIVE2_REQ and epmd repeats in PORT2_RESP.
struct node_info {
  /// TCP port on which the node accepts distribution connections.
  uint16_t port = 0;
  uint8_t node_type = epmd::node_type::normal;
  /// 0: TCP/IPv4, the only value OTP uses.
  uint8_t protocol = 0;
  uint16_t highest_version = dist_version;
  uint16_t lowest_version = dist_version;
  /// The alive part of the node name (before '@'), UTF-8.
  std::string name;
  std::string extra;

  friend bool operator==(const node_info&, const node_info&) = default;
};

} // namespace cafe::epmd
