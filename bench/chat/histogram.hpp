#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace cafe::bench::chat {

/// Latencies in nanoseconds, log-linear: exact below 128 ns, then 64
/// buckets per power of two (under 1.6 % error), so millions of samples
/// cost a fixed 32 KiB and percentiles need no sorting. One per thread,
/// merged at the end.
class histogram {
public:
  void add(uint64_t ns) noexcept {
    ++counts_[index(ns)];
    ++total_;
    if (ns > max_)
      max_ = ns;
  }

  void merge(const histogram& other) noexcept {
    for (size_t i = 0; i < buckets; ++i)
      counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_)
      max_ = other.max_;
  }

  uint64_t count() const noexcept {
    return total_;
  }

  uint64_t max() const noexcept {
    return max_;
  }

  /// The value below which `q` (0..1) of the samples fall; 0 when empty.
  uint64_t percentile(double q) const noexcept {
    if (total_ == 0)
      return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_)
      rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets; ++i) {
      seen += counts_[i];
      if (seen > rank)
        return value(i);
    }
    return max_;
  }

private:
  static constexpr size_t buckets = 64 * 60;

  static size_t index(uint64_t v) noexcept {
    if (v < 128)
      return static_cast<size_t>(v);
    auto msb = 63 - std::countl_zero(v);
    auto shift = msb - 6;
    auto i = static_cast<size_t>(shift + 1) * 64 + ((v >> shift) - 64);
    return i < buckets ? i : buckets - 1;
  }

  /// The middle of bucket `i`.
  static uint64_t value(size_t i) noexcept {
    if (i < 128)
      return i;
    auto shift = i / 64 - 1;
    auto sub = i % 64 + 64;
    return (uint64_t{sub} << shift) + (uint64_t{1} << shift) / 2;
  }

  std::array<uint64_t, buckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

} // namespace cafe::bench::chat
