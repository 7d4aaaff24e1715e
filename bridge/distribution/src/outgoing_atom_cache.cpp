#include "cafe/distribution/outgoing_atom_cache.hpp"

#include <cstring>

namespace cafe::distribution {

outgoing_atom_cache::outgoing_atom_cache() noexcept {
  index_.fill(-1);
}

void outgoing_atom_cache::begin() noexcept {
  for (size_t i = 0; i < count_; ++i)
    index_[slots_[i]] = -1;
  count_ = 0;
  collecting_ = true;
  is_new_.reset();
  long_atoms_ = false;
  refs_size_ = 1;
}

int outgoing_atom_cache::index_of(etf::atom x) const noexcept {
  auto slot = slot_of(x);
  auto idx = index_[slot];
  if (idx >= 0)
    return atoms_[static_cast<size_t>(idx)] == x ? idx : -1;
  if (!collecting_ || count_ == max_atom_cache_refs)
    return -1;
  idx = static_cast<int16_t>(count_);
  index_[slot] = idx;
  atoms_[count_] = x;
  slots_[count_] = static_cast<uint16_t>(slot);
  ++count_;
  return idx;
}

void outgoing_atom_cache::seal() noexcept {
  collecting_ = false;
  if (count_ == 0) {
    refs_size_ = 1;
    return;
  }
  size_t text_bytes = 0;
  for (size_t i = 0; i < count_; ++i) {
    if (out_[slots_[i]] == atoms_[i].id())
      continue;
    is_new_.set(i);
    auto len = atoms_[i].text().size();
    long_atoms_ = long_atoms_ || len > 255;
    text_bytes += len;
  }
  auto new_entries = is_new_.count();
  // N, the flag nibbles (one per ref plus the header flags), one slot byte
  // per ref, and a length plus the text per new entry.
  refs_size_ = 1 + (count_ / 2 + 1) + count_
               + new_entries * (long_atoms_ ? 2 : 1) + text_bytes;
}

uint8_t* outgoing_atom_cache::write_refs(uint8_t* out) noexcept {
  *out++ = static_cast<uint8_t>(count_);
  if (count_ == 0)
    return out;
  auto flag_bytes = count_ / 2 + 1;
  auto flags = out;
  std::memset(flags, 0, flag_bytes);
  auto set_nibble = [flags](size_t i, uint8_t value) {
    flags[i / 2] |= static_cast<uint8_t>((i & 1) != 0 ? value << 4 : value);
  };
  out += flag_bytes;
  for (size_t i = 0; i < count_; ++i) {
    auto slot = slots_[i];
    auto segment = static_cast<uint8_t>(slot >> 8);
    *out++ = static_cast<uint8_t>(slot & 0xFF);
    if (!is_new_.test(i)) {
      set_nibble(i, segment);
      continue;
    }
    set_nibble(i, static_cast<uint8_t>(0x8 | segment));
    auto text = atoms_[i].text();
    if (long_atoms_)
      *out++ = static_cast<uint8_t>(text.size() >> 8);
    *out++ = static_cast<uint8_t>(text.size() & 0xFF);
    std::memcpy(out, text.data(), text.size());
    out += text.size();
    out_[slot] = atoms_[i].id();
  }
  set_nibble(count_, long_atoms_ ? 0x1 : 0x0);
  return out;
}

} // namespace cafe::distribution
