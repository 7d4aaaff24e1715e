#pragma once

#include <algorithm>
#include <chrono>

namespace cafe::chat::rooms {

/// A token bucket: `burst` messages at once, refilled at `per_second`.
/// The clock is the caller's, so tests step it.
class rate_limit {
public:
  using clock = std::chrono::steady_clock;

  rate_limit(double per_second, double burst)
    : per_second_(per_second), burst_(burst), tokens_(burst) {
    // nop
  }

  /// Takes one token if there is one.
  bool try_take(clock::time_point now) {
    if (started_) {
      std::chrono::duration<double> dt = now - last_;
      tokens_ = std::min(burst_,
                         tokens_ + std::max(0.0, dt.count()) * per_second_);
    }
    started_ = true;
    last_ = now;
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

private:
  double per_second_;
  double burst_;
  double tokens_;
  bool started_ = false;
  clock::time_point last_;
};

} // namespace cafe::chat::rooms
