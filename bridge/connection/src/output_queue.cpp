#include "cafe/connection/output_queue.hpp"

#include "cafe/distribution/frame_writer.hpp"

#include <type_traits>
#include <variant>

namespace cafe::connection {

std::optional<etf::pid> sender_of(const distribution::control_message& ctl) {
  return std::visit(
    [](const auto& x) -> std::optional<etf::pid> {
      if constexpr (requires { x.from; }) {
        using from_type = std::decay_t<decltype(x.from)>;
        if constexpr (std::is_same_v<from_type, etf::pid>)
          return x.from;
        else if constexpr (std::is_same_v<from_type, distribution::pid_or_name>)
          if (auto p = std::get_if<etf::pid>(&x.from))
            return *p;
      }
      return std::nullopt;
    },
    ctl);
}

void output_queue::append(std::span<const uint8_t> bytes) {
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
}

void output_queue::append_tick() {
  distribution::append_tick(pending_);
}

void output_queue::start_distribution(distribution::sender_config cfg) {
  sender_.emplace(cfg);
}

distribution::result<void>
output_queue::push(const distribution::control_message& ctl,
                   const etf::term* payload,
                   const std::optional<etf::pid>& from) {
  // OTP blocks a sender until its last fragment is out; here the rest of
  // its earlier message is simply written first.
  for (auto i = fragments_.begin(); i != fragments_.end();) {
    if (from && i->from && *i->from != *from) {
      ++i;
      continue;
    }
    while (!i->frags.done())
      i->frags.next(pending_);
    i = fragments_.erase(i);
  }
  auto res = sender_->write(ctl, payload, pending_);
  if (!res)
    return unexpected{res.error()};
  if (!res->done())
    fragments_.push_back({std::move(*res), from});
  return {};
}

size_t output_queue::size() const noexcept {
  auto n = pending_.size() + batch_.size();
  for (auto& f : fragments_)
    n += f.frags.remaining() * f.frags.next_frame_size();
  return n;
}

void output_queue::consume(size_t n) {
  pending_.erase(pending_.begin(),
                 pending_.begin() + static_cast<ptrdiff_t>(n));
}

std::span<const uint8_t> output_queue::next_batch() {
  // One fragment of every large message per batch: small messages queued
  // meanwhile go out between fragments.
  for (auto i = fragments_.begin(); i != fragments_.end();) {
    i->frags.next(pending_);
    i = i->frags.done() ? fragments_.erase(i) : std::next(i);
  }
  batch_.swap(pending_);
  return batch_;
}

void output_queue::written() {
  batch_.clear();
  // One huge message must not pin its buffer for the connection's life.
  if (batch_.capacity() > (size_t{4} << 20))
    batch_.shrink_to_fit();
}

void output_queue::clear() {
  pending_.clear();
  fragments_.clear();
}

} // namespace cafe::connection
