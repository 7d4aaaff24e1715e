#pragma once

#include "cafe/byte_order.hpp"

#include <cassert>
#include <cstdint>
#include <vector>

namespace cafe::wire {

/// Appends a message with a 2-byte big-endian length before it, as EPMD
/// requests and handshake messages are framed: `body()` appends the
/// message to `out`, and the prefix is patched in afterwards, so the body
/// is written once and its length is exact. The body must fit in 65,535
/// bytes.
template <class Body>
void put_with_u16_length(std::vector<uint8_t>& out, Body&& body) {
  auto start = out.size();
  put_u16(out, 0);
  body();
  auto len = out.size() - start - 2;
  assert(len <= 0xFFFF);
  put_u16(out.data() + start, static_cast<uint16_t>(len));
}

} // namespace cafe::wire
