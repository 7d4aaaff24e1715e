#pragma once

// Flag names for log messages; not installed (a candidate for
// cafe::distribution).

#include "cafe/distribution/flags.hpp"

#include <string>

namespace cafe::handshake::detail {

/// dist_util's names for the set bits, e.g. "[BIG_CREATION, HANDSHAKE_23]".
std::string flag_names(distribution::flags_t fs);

} // namespace cafe::handshake::detail
