#include "rooms/history.hpp"

#include <algorithm>

namespace cafe::chat::rooms {

namespace {

// Messages of the same millisecond keep the order they arrived in: a reply
// that a client sent after seeing a message can carry the same timestamp,
// and another node's id says nothing about which came first.
bool earlier(const chat_message& x, const chat_message& y) {
  return x.at_ms < y.at_ms;
}

} // namespace

history::history(size_t capacity) : capacity_(capacity) {
  // nop
}

bool history::add(chat_message m) {
  if (capacity_ == 0 || ids_.contains(m.id))
    return false;
  if (messages_.size() == capacity_ && earlier(m, messages_.front()))
    return false;
  // Live messages come in order: the common case appends.
  auto pos = messages_.end();
  if (!messages_.empty() && earlier(m, messages_.back()))
    pos = std::upper_bound(messages_.begin(), messages_.end(), m, earlier);
  ids_.insert(m.id);
  messages_.insert(pos, std::move(m));
  if (messages_.size() > capacity_) {
    ids_.erase(messages_.front().id);
    messages_.pop_front();
  }
  return true;
}

void history::merge(const std::vector<chat_message>& other) {
  for (auto& m : other)
    add(m);
}

const std::deque<chat_message>& history::messages() const noexcept {
  return messages_;
}

bool history::contains(const std::string& id) const {
  return ids_.contains(id);
}

size_t history::capacity() const noexcept {
  return capacity_;
}

} // namespace cafe::chat::rooms
