#include "cafe/node/mailbox.hpp"

#include <thread>

namespace cafe::node {

namespace {

using namespace std::chrono_literals;

/// How long a blocked sender waits for a busy connection before it checks
/// again that the connection still exists.
constexpr auto busy_wait_step = 100ms;

} // namespace

mailbox::mailbox(std::weak_ptr<node> owner, etf::pid self)
  : owner_(std::move(owner)), self_(std::move(self)) {
  // nop
}

mailbox::~mailbox() {
  // nop
}

bool mailbox::send(const etf::pid& to, const etf::term& msg) {
  auto owner = owner_.lock();
  if (!owner)
    return false;
  // Like a BEAM process on a busy distribution port: wait, then retry.
  for (;;) {
    switch (owner->send(self_, to, msg)) {
      case send_status::ok: return true;
      case send_status::busy:
        if (!owner->wait_writable(to.node, busy_wait_step)
            && !owner->connection_to(to.node))
          return false;
        break;
      default: return false;
    }
  }
}

bool mailbox::send(etf::atom name, etf::atom to_node, const etf::term& msg) {
  auto owner = owner_.lock();
  if (!owner)
    return false;
  for (;;) {
    switch (owner->send(self_, name, to_node, msg)) {
      case send_status::ok: return true;
      case send_status::busy:
        if (!owner->wait_writable(to_node, busy_wait_step)
            && !owner->connection_to(to_node))
          return false;
        break;
      default: return false;
    }
  }
}

std::optional<etf::term> mailbox::receive(std::chrono::milliseconds timeout) {
  std::unique_lock guard{mtx_};
  if (!cv_.wait_for(guard, timeout, [this] { return !queue_.empty(); }))
    return std::nullopt;
  auto result = std::move(queue_.front());
  queue_.pop_front();
  return result;
}

size_t mailbox::size() const {
  std::lock_guard guard{mtx_};
  return queue_.size();
}

void mailbox::close(const etf::term& reason) {
  {
    std::lock_guard guard{mtx_};
    if (closed_)
      return;
    closed_ = true;
  }
  if (auto owner = owner_.lock())
    owner->remove_process(self_, reason);
}

void mailbox::push(etf::term msg) {
  {
    std::lock_guard guard{mtx_};
    queue_.push_back(std::move(msg));
  }
  cv_.notify_one();
}

void mailbox::deliver(const std::optional<etf::pid>&, etf::term msg) {
  push(std::move(msg));
}

void mailbox::exit_signal(const etf::pid& from, const etf::term& reason, bool) {
  push(etf::make_tuple(etf::atom{"EXIT"}, from, reason));
}

void mailbox::down(const etf::reference& ref, const etf::term& who,
                   const etf::term& reason) {
  push(
    etf::make_tuple(etf::atom{"DOWN"}, ref, etf::atom{"process"}, who, reason));
}

} // namespace cafe::node
