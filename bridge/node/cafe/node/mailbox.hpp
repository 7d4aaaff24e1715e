#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/node/local_process.hpp"
#include "cafe/node/node.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

namespace cafe::node {

/// A process for plain threads (tools, tests, the CLI), like jinterface's
/// OtpMbox: it has a pid, sends with blocking back-pressure, and queues what
/// it receives for `receive`. Exit signals do not kill it; they arrive as
/// `{'EXIT', From, Reason}` messages, as for a process trapping exits.
class mailbox : public local_process,
                public std::enable_shared_from_this<mailbox> {
public:
  mailbox(std::weak_ptr<node> owner, etf::pid self);

  ~mailbox() override;

  const etf::pid& self() const noexcept {
    return self_;
  }

  /// The node this mailbox lives on, while it runs.
  std::shared_ptr<node> owner() const noexcept {
    return owner_.lock();
  }

  /// Sends `msg` to `to`, waiting while the connection is busy. False if
  /// the message could not be handed to a connection (node unreachable).
  bool send(const etf::pid& to, const etf::term& msg);

  /// Sends `msg` to `{name, to_node}`.
  bool send(etf::atom name, etf::atom to_node, const etf::term& msg);

  /// The next message, or nothing after `timeout`.
  std::optional<etf::term> receive(std::chrono::milliseconds timeout);

  /// The next message that satisfies `pred`, leaving others queued.
  template <class Predicate>
  std::optional<etf::term>
  receive_if(Predicate pred, std::chrono::milliseconds timeout) {
    std::unique_lock guard{mtx_};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (auto i = queue_.begin(); i != queue_.end(); ++i) {
        if (pred(*i)) {
          auto result = std::move(*i);
          queue_.erase(i);
          return result;
        }
      }
      if (cv_.wait_until(guard, deadline) == std::cv_status::timeout)
        return std::nullopt;
    }
  }

  /// Messages waiting.
  size_t size() const;

  /// Ends the process: links and monitors fire with `reason`.
  void close(const etf::term& reason);

  // -- local_process ----------------------------------------------------------

  void deliver(const std::optional<etf::pid>& from, etf::term msg) override;

  void exit_signal(const etf::pid& from, const etf::term& reason,
                   bool linked) override;

  void down(const etf::reference& ref, const etf::term& who,
            const etf::term& reason) override;

private:
  void push(etf::term msg);

  std::weak_ptr<node> owner_;
  etf::pid self_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<etf::term> queue_;
  bool closed_ = false;
};

} // namespace cafe::node
