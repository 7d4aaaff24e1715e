#pragma once

// What the parser builds a `<<...>>` literal in; not installed.

#include "cafe/etf/term.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace cafe::etf::detail {

/// The bits of a binary under construction, most significant bit first.
class bit_builder {
public:
  void push(uint64_t value, size_t bits) {
    if (size_ % 8 == 0 && bits == 8) {
      bytes_.push_back(static_cast<char>(value));
      size_ += 8;
      return;
    }
    for (size_t i = bits; i > 0; --i) {
      if (size_ % 8 == 0)
        bytes_.push_back('\0');
      if ((value >> (i - 1)) & 1)
        bytes_.back() = static_cast<char>(
          static_cast<unsigned char>(bytes_.back()) | (0x80u >> (size_ % 8)));
      ++size_;
    }
  }

  /// A binary when the bits fill whole bytes, else a bitstring (whose
  /// unused low bits are zero).
  term release() {
    if (size_ % 8 == 0)
      return binary{std::move(bytes_)};
    bitstring result;
    result.bytes = std::move(bytes_);
    result.tail_bits = static_cast<uint8_t>(size_ % 8);
    return result;
  }

private:
  std::string bytes_;
  size_t size_ = 0;
};

} // namespace cafe::etf::detail
