#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace cafe::chat::http {

/// The frames waiting for one WebSocket, oldest first. Holds no memory
/// while empty and gives back what a burst grew (a std::deque keeps a
/// 512-byte block and its map per connection, idle or not: thousands of
/// idle clients pay for it).
class frame_queue {
public:
  using frame = std::shared_ptr<const std::string>;

  bool empty() const noexcept {
    return head_ == frames_.size();
  }

  size_t size() const noexcept {
    return frames_.size() - head_;
  }

  const frame& front() const noexcept {
    return frames_[head_];
  }

  const frame& back() const noexcept {
    return frames_.back();
  }

  void push_back(frame x) {
    // Slots before head_ are spent: reuse them once they are half.
    if (head_ > 0 && head_ >= frames_.size() / 2) {
      frames_.erase(frames_.begin(),
                    frames_.begin() + static_cast<ptrdiff_t>(head_));
      head_ = 0;
    }
    frames_.push_back(std::move(x));
  }

  void pop_front() {
    frames_[head_++].reset();
    if (empty())
      release();
  }

  void pop_back() {
    frames_.pop_back();
    if (empty())
      release();
  }

private:
  void release() {
    head_ = 0;
    if (frames_.capacity() > small_capacity)
      std::vector<frame>{}.swap(frames_);
    else
      frames_.clear();
  }

  /// What an idle connection may keep: a few frames' worth of slots.
  static constexpr size_t small_capacity = 4;

  std::vector<frame> frames_;
  size_t head_ = 0;
};

} // namespace cafe::chat::http
