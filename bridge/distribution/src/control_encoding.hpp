#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/etf/encoder.hpp"

#include <cstddef>
#include <cstdint>

namespace cafe::distribution::detail {

/// Exact encoded size of the control tuple of `x` (no version byte), as
/// `enc` writes it. Writes the tuple straight from the typed message, with
/// no intermediate term.
size_t control_size(const control_message& x, const etf::encoder& enc);

/// Writes the control tuple of `x` at `out` (room for `control_size`
/// bytes); returns the position after it.
uint8_t* write_control(const control_message& x, const etf::encoder& enc,
                       uint8_t* out);

} // namespace cafe::distribution::detail
