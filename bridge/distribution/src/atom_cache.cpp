#include "cafe/distribution/atom_cache.hpp"

#include <string_view>

namespace cafe::distribution {

namespace {

error truncated(size_t offset) {
  return error{errc::bad_header, "truncated atom cache refs", 0, 0, {}, offset};
}

} // namespace

result<size_t> atom_cache::read_refs(std::span<const uint8_t> in,
                                     atom_cache_refs& refs, size_t& count) {
  count = 0;
  if (in.empty())
    return unexpected{truncated(0)};
  size_t n = in[0];
  size_t pos = 1;
  if (n == 0)
    return pos;
  // One nibble per ref plus one for the header flags (LongAtoms), two
  // nibbles a byte, low nibble first.
  size_t flag_bytes = n / 2 + 1;
  if (in.size() - pos < flag_bytes)
    return unexpected{truncated(pos)};
  auto flags = in.subspan(pos, flag_bytes);
  pos += flag_bytes;
  auto nibble = [&flags](size_t i) -> uint8_t {
    auto byte = flags[i / 2];
    return (i & 1) != 0 ? byte >> 4 : byte & 0x0F;
  };
  bool long_atoms = (nibble(n) & 0x1) != 0;
  for (size_t i = 0; i < n; ++i) {
    auto f = nibble(i);
    if (pos >= in.size())
      return unexpected{truncated(pos)};
    // SegmentIndex (3 bits) * 256 + InternalSegmentIndex: always < 2048.
    size_t slot = size_t{f & 0x7u} * 256 + in[pos++];
    if ((f & 0x8) == 0) {
      if (!used_.test(slot))
        return unexpected{error{errc::bad_header,
                                "reference to an empty atom cache slot",
                                0,
                                0,
                                {},
                                pos - 1}};
      refs[i] = slots_[slot];
      continue;
    }
    size_t len = 0;
    if (long_atoms) {
      if (in.size() - pos < 2)
        return unexpected{truncated(pos)};
      len = (size_t{in[pos]} << 8) | in[pos + 1];
      pos += 2;
    } else {
      if (in.size() - pos < 1)
        return unexpected{truncated(pos)};
      len = in[pos++];
    }
    if (in.size() - pos < len)
      return unexpected{truncated(pos)};
    auto text = std::string_view{reinterpret_cast<const char*>(in.data()) + pos,
                                 len};
    auto x = etf::atom::make(text);
    if (!x)
      return unexpected{error{errc::bad_atom, "invalid atom in cache update", 0,
                              0, x.error(), pos}};
    pos += len;
    slots_[slot] = *x;
    used_.set(slot);
    refs[i] = *x;
  }
  count = n;
  return pos;
}

} // namespace cafe::distribution
