#include "cafe/distribution/fragment_assembler.hpp"

#include <algorithm>
#include <utility>

namespace cafe::distribution {

namespace {

// Buffers above this capacity go back to the allocator instead of the spare
// list: keeping them would pin memory after a one-off huge message.
constexpr size_t max_spare_capacity = size_t{4} << 20;
constexpr size_t max_spares = 2;

error fragment_error(std::string_view why) {
  return error{errc::bad_fragment, why};
}

error limit_error(std::string_view why) {
  return error{errc::reassembly_limit, why};
}

} // namespace

pending_message* fragment_assembler::find(uint64_t seq) noexcept {
  for (auto& msg : pending_)
    if (msg.sequence_id == seq)
      return &msg;
  return nullptr;
}

result<void> fragment_assembler::start(uint64_t seq, uint64_t fragments,
                                       control_message ctl,
                                       std::span<const etf::atom> refs,
                                       std::span<const uint8_t> data) {
  if (fragments < 2)
    return unexpected{fragment_error("start fragment of a single fragment")};
  if (find(seq) != nullptr)
    return unexpected{fragment_error("sequence id already in use")};
  if (pending_.size() >= limits_.max_sequences)
    return unexpected{limit_error("too many fragmented messages at once")};
  if (data.size() > limits_.max_bytes - bytes_)
    return unexpected{limit_error("fragment reassembly byte limit")};
  auto& msg = pending_.emplace_back();
  msg.sequence_id = seq;
  msg.next_fragment = fragments - 1;
  msg.control = std::move(ctl);
  msg.refs.assign(refs.begin(), refs.end());
  if (!spare_.empty()) {
    msg.data = std::move(spare_.back());
    spare_.pop_back();
  }
  msg.data.assign(data.begin(), data.end());
  bytes_ += data.size();
  return {};
}

result<pending_message*>
fragment_assembler::add(uint64_t seq, uint64_t fragment_id,
                        std::span<const uint8_t> data) {
  auto msg = find(seq);
  if (msg == nullptr)
    return unexpected{fragment_error("fragment of an unknown sequence")};
  if (fragment_id != msg->next_fragment)
    return unexpected{fragment_error("fragment out of order")};
  if (data.size() > limits_.max_bytes - bytes_)
    return unexpected{limit_error("fragment reassembly byte limit")};
  msg->data.insert(msg->data.end(), data.begin(), data.end());
  bytes_ += data.size();
  if (fragment_id > 1) {
    --msg->next_fragment;
    return static_cast<pending_message*>(nullptr);
  }
  msg->next_fragment = 0;
  return msg;
}

void fragment_assembler::release(pending_message* msg) {
  auto i = std::find_if(pending_.begin(), pending_.end(),
                        [msg](const auto& x) { return &x == msg; });
  if (i == pending_.end())
    return;
  bytes_ -= i->data.size();
  if (spare_.size() < max_spares && i->data.capacity() <= max_spare_capacity) {
    i->data.clear();
    spare_.push_back(std::move(i->data));
  }
  // Order among pending sequences does not matter: swap-and-pop.
  if (i != pending_.end() - 1)
    *i = std::move(pending_.back());
  pending_.pop_back();
}

} // namespace cafe::distribution
