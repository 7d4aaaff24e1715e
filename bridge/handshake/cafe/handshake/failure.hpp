#pragma once

#include "cafe/handshake/errc.hpp"

#include <string>

namespace cafe::handshake {

/// An error code plus what a log line needs to explain it (the missing
/// flags, the offending name, the file path).
struct failure {
  errc reason;
  std::string detail;
};

} // namespace cafe::handshake
