#pragma once

#include "cafe/etf/term.hpp"

#include <array>
#include <cstdint>
#include <ei.h>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cafe::bench {

// The baseline's owned result: what a C++ program built on erl_interface
// would keep after decoding, shaped like `etf::term` (a variant over the same
// kinds, children in vectors) so that both sides allocate alike and the
// benchmark compares the codecs, not the data models.

struct ei_value;

struct ei_atom {
  std::string text;
};

struct ei_binary {
  std::string bytes;
};

/// STRING_EXT, which ei hands out as a C string.
struct ei_charlist {
  std::string bytes;
};

struct ei_pid {
  std::string node;
  uint32_t num = 0;
  uint32_t serial = 0;
  uint32_t creation = 0;
};

struct ei_ref {
  std::string node;
  uint32_t creation = 0;
  int len = 0;
  std::array<uint32_t, 5> n{};
};

struct ei_tuple {
  std::vector<ei_value> elements;
};

struct ei_list {
  std::vector<ei_value> elements;
  // Improper lists only, e.g. `[alias | Ref]` in gen_server call tags.
  std::shared_ptr<const ei_value> tail;
};

struct ei_map {
  std::vector<std::pair<ei_value, ei_value>> entries;
};

struct ei_value {
  std::variant<ei_list, long long, double, ei_atom, ei_binary, ei_charlist,
               ei_pid, ei_ref, ei_tuple, ei_map>
    value;
};

/// Decodes the output of `term_to_binary` (version byte, one uncompressed
/// term) with `ei_get_type`/`ei_decode_*`. Returns false on anything the
/// benchmark messages do not contain. Note: ei's decoders take no buffer
/// length, so only the final position is checked against `bytes`.
bool ei_binary_to_value(std::span<const uint8_t> bytes, ei_value& out);

/// Appends the version byte and `x` to `buf` with `ei_x_encode_*`.
bool ei_value_to_binary(const ei_value& x, ei_x_buff& buf);

/// Converts to cafe's model, to check that both decoders agree.
etf::term to_term(const ei_value& x);

} // namespace cafe::bench
