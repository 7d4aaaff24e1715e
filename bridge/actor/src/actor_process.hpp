#pragma once

// A local CAF actor as a process of the node. Not installed.

#include "cafe/actor/bridge.hpp"
#include "cafe/node/local_process.hpp"

#include <atomic>

namespace cafe::actor {

/// Binds a pid to a CAF actor: what the node delivers to the pid is
/// converted and enqueued into the actor's mailbox; an actor that was idle
/// then runs at once on the delivering thread (see inline_unit). Holds the
/// actor: an actor Erlang can reach by pid is never unreachable, so it
/// lives until it quits, like an Erlang process (or until the bridge goes).
class actor_process : public node::local_process {
public:
  actor_process(caf::strong_actor_ptr actor, etf::pid self,
                std::weak_ptr<bridge::state> owner);

  /// A message; `{'$gen_call', {From, Tag}, Request}` becomes a CAF
  /// request whose response is the reply, and `{Ref, Reply}` answering a
  /// call the actor made becomes that call's response.
  void deliver(const std::optional<etf::pid>& from, etf::term msg) override;

  /// An exit signal becomes an `exit_msg` from the sender's handle.
  void exit_signal(const etf::pid& from, const etf::term& reason,
                   bool linked) override;

  /// A monitor the pid holds fired: a `down_msg`, or, for the monitor of a
  /// call the actor made, that call's error (the DOWN reason as an
  /// `erlang_category` error).
  void down(const etf::reference& ref, const etf::term& who,
            const etf::term& reason) override;

  void set_delivery(delivery how) noexcept {
    delivery_.store(how);
  }

private:
  /// The message as the actor wants it.
  caf::message convert(const etf::term& x, bridge::state& owner) const;

  std::atomic<delivery> delivery_{delivery::typed};
  caf::strong_actor_ptr actor_;
  etf::pid self_;
  std::weak_ptr<bridge::state> owner_;
};

} // namespace cafe::actor
