#pragma once

#include "rooms/chat_message.hpp"

#include <cstddef>
#include <deque>
#include <unordered_set>
#include <vector>

namespace cafe::chat::rooms {

/// The last `capacity` messages of a room, ordered by time (then by arrival),
/// each id at most once. Every node keeps one per room and they converge: a
/// message arrives live or in another node's history, in any order.
class history {
public:
  explicit history(size_t capacity);

  /// Adds `m` unless its id is known or it is older than everything kept
  /// in a full history. Whether it was added.
  bool add(chat_message m);

  /// Adds what `other` has and this one lacks.
  void merge(const std::vector<chat_message>& other);

  const std::deque<chat_message>& messages() const noexcept;

  bool contains(const std::string& id) const;

  size_t capacity() const noexcept;

private:
  size_t capacity_;
  std::deque<chat_message> messages_;
  std::unordered_set<std::string> ids_;
};

} // namespace cafe::chat::rooms
