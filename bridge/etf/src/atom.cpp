#include "cafe/etf/atom.hpp"

#include "utf8.hpp"

#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace cafe::etf {

namespace detail {

struct atom_entry {
  std::string text;
  size_t hash;
};

} // namespace detail

namespace {

using detail::atom_entry;

// The table is sharded so that decoders on different threads rarely meet on
// one lock; lookups of known atoms take only a shared lock.
constexpr size_t shard_count = 64;

struct shard {
  std::shared_mutex mtx;
  std::unordered_map<std::string_view, const atom_entry*> index;
  std::deque<atom_entry> storage; // stable addresses
};

struct table {
  std::array<shard, shard_count> shards;
  std::atomic<size_t> size{0};
  std::atomic<size_t> limit{size_t{1} << 20};
};

table& global_table() {
  // Never destroyed: atoms may be used from static destructors and
  // detached threads until the very end of the process.
  static auto* instance = new table;
  return *instance;
}

// Recently seen atoms per thread, so that decoding the same atoms over and
// over (the common case on a connection) takes no lock at all.
// Two ways per set: with one, two atoms of the same message that map to
// the same slot (e.g. 'get' and 'key' under std::hash) evict each other on
// every message and send both through the shared lock.
struct thread_cache {
  static constexpr size_t sets = 256;
  std::array<std::array<const atom_entry*, 2>, sets> entries{};
};

thread_local thread_cache tl_cache;

/// Validates UTF-8 as Erlang does for atoms: well-formed, no surrogates, at
/// most `atom::max_chars` code points.
inline uint64_t load64(const char* p) noexcept {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

inline uint64_t load32(const char* p) noexcept {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

inline uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ULL;
  x ^= x >> 32;
  return x;
}

/// Inline hash for atom texts, 8 bytes per step (std::hash is an
/// out-of-line call that costs more than the rest of a cache hit).
size_t hash_text(std::string_view text) noexcept {
  auto p = text.data();
  auto n = text.size();
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
  for (; n >= 8; p += 8, n -= 8)
    h = mix(h ^ load64(p));
  uint64_t w = 0;
  if (n >= 4)
    w = (load32(p) << 32) | load32(p + n - 4);
  else if (n > 0)
    w = (uint64_t{static_cast<uint8_t>(p[0])} << 16)
        | (uint64_t{static_cast<uint8_t>(p[n >> 1])} << 8)
        | uint64_t{static_cast<uint8_t>(p[n - 1])};
  return mix(h ^ w ^ 0x5BD1E995ULL);
}

bool all_ascii(std::string_view text) noexcept {
  auto p = text.data();
  auto n = text.size();
  uint64_t acc = 0;
  for (; n >= 8; p += 8, n -= 8)
    acc |= load64(p);
  for (; n > 0; ++p, --n)
    acc |= static_cast<uint8_t>(*p);
  return (acc & 0x8080808080808080ULL) == 0;
}

bool valid_atom_utf8(std::string_view text) noexcept {
  size_t chars = 0;
  auto p = reinterpret_cast<const unsigned char*>(text.data());
  auto end = p + text.size();
  uint32_t cp = 0;
  while (p < end) {
    if (!detail::next_code_point(p, end, cp))
      return false;
    ++chars;
  }
  return chars <= atom::max_chars;
}

using cache_set = std::array<const atom_entry*, 2>;

// Out of line: its locks and exception handling would otherwise give the
// cache hit below a large stack frame.
[[gnu::noinline]] expected<const atom_entry*, errc>
intern_slow(std::string_view text, size_t h, cache_set& set) noexcept {
  // Most recently interned first; the older one moves to the second way.
  set[1] = set[0];
  auto& slot = set[0];
  auto& tbl = global_table();
  auto& sh = tbl.shards[h % shard_count];
  {
    std::shared_lock guard{sh.mtx};
    if (auto i = sh.index.find(text); i != sh.index.end()) {
      slot = i->second;
      return i->second;
    }
  }
  std::unique_lock guard{sh.mtx};
  if (auto i = sh.index.find(text); i != sh.index.end()) {
    slot = i->second;
    return i->second;
  }
  if (tbl.size.load(std::memory_order_relaxed)
      >= tbl.limit.load(std::memory_order_relaxed))
    return unexpected{errc::atom_table_full};
  try {
    auto& entry = sh.storage.emplace_back(atom_entry{std::string{text}, h});
    sh.index.emplace(entry.text, &entry);
    tbl.size.fetch_add(1, std::memory_order_relaxed);
    slot = &entry;
    return &entry;
  } catch (const std::bad_alloc&) {
    return unexpected{errc::atom_table_full};
  }
}

inline expected<const atom_entry*, errc>
intern(std::string_view text) noexcept {
  auto h = hash_text(text);
  auto& set = tl_cache.entries[h % thread_cache::sets];
  for (auto e : set)
    if (e != nullptr && e->hash == h && e->text == text)
      return e;
  return intern_slow(text, h, set);
}

const atom_entry* empty_entry() {
  static const atom_entry* entry = *intern(std::string_view{});
  return entry;
}

} // namespace

atom::atom() noexcept : entry_(empty_entry()) {
  // nop
}

atom::atom(std::string_view text) {
  auto res = make(text);
  if (!res)
    throw std::invalid_argument(std::string{"invalid atom: "}
                                + std::string{to_string(res.error())});
  entry_ = res->entry_;
}

expected<atom, errc> atom::make(std::string_view text) noexcept {
  // Atoms on the wire are nearly always ASCII: one wide check settles it.
  bool ascii = text.size() <= max_chars && all_ascii(text);
  if (text.size() > max_bytes || (!ascii && !valid_atom_utf8(text)))
    return unexpected{errc::bad_atom};
  auto res = intern(text);
  if (!res)
    return unexpected{res.error()};
  return atom{*res};
}

expected<atom, errc> atom::make_latin1(std::string_view text) noexcept {
  if (text.size() > max_chars)
    return unexpected{errc::bad_atom};
  // Latin-1 code points map 1:1 onto Unicode; ASCII needs no conversion.
  char buf[max_chars * 2];
  size_t n = 0;
  for (unsigned char c : text) {
    if (c < 0x80) {
      buf[n++] = static_cast<char>(c);
    } else {
      buf[n++] = static_cast<char>(0xC0 | (c >> 6));
      buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  auto res = intern(std::string_view{buf, n});
  if (!res)
    return unexpected{res.error()};
  return atom{*res};
}

size_t atom::table_size() noexcept {
  return global_table().size.load();
}

size_t atom::table_limit() noexcept {
  return global_table().limit.load();
}

void atom::table_limit(size_t n) noexcept {
  global_table().limit.store(n);
}

std::string_view atom::text() const noexcept {
  return entry_->text;
}

size_t atom::hash() const noexcept {
  return entry_->hash;
}

std::strong_ordering operator<=>(atom x, atom y) noexcept {
  if (x.entry_ == y.entry_)
    return std::strong_ordering::equal;
  // UTF-8 byte order is code point order, which is how Erlang orders atoms.
  return x.text().compare(y.text()) <=> 0;
}

} // namespace cafe::etf
