#pragma once

#include "cafe/distribution/errc.hpp"
#include "cafe/etf/errc.hpp"
#include "cafe/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cafe::distribution {

/// An `errc` with enough context to log why a connection was dropped,
/// without allocating on the error path: `reason` always points to static
/// text.
struct error {
  errc code = errc::bad_header;
  /// Static text saying what was wrong, e.g. "element is not a pid".
  std::string_view reason;
  /// The control operation concerned, 0 if none.
  uint8_t op = 0;
  /// The 1-based tuple position concerned (as in `element/2`), 0 if none.
  uint8_t element = 0;
  /// The codec's reason when `code == errc::bad_term`.
  etf::errc term_error{};
  /// Byte offset into the frame (or fragment data) where the problem was
  /// found, when known.
  size_t offset = 0;

  friend bool operator==(const error&, const error&) = default;
};

/// "invalid_message: LINK element 3: not a pid", for logs.
std::string to_string(const error& err);

template <class T>
using result = expected<T, error>;

} // namespace cafe::distribution
