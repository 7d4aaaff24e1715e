#pragma once

// Running an idle actor on the thread that delivers to it. Not installed.

#include <caf/execution_unit.hpp>
#include <caf/fwd.hpp>
#include <caf/mailbox_element.hpp>
#include <cstddef>
#include <vector>

namespace cafe::actor {

/// Delivers to local actors the way a BEAM scheduler runs a process it just
/// made runnable: when the message wakes an idle actor, the actor runs at
/// once on the delivering thread (for messages from peers, the io thread
/// that decoded them) instead of being handed to a CAF worker. The hand-off
/// costs a thread wake-up (~80 us on a 2-vCPU VM, where a parked thread
/// takes ~50 us to wake and CAF workers nap 50 us between polls) on every
/// gen_server:call; see bench/README.md.
///
/// Bounded, so an io thread never turns into a scheduler: one delivery runs
/// at most `max_resumes` actors (the target, then actors it made runnable,
/// in order), each for at most `max_throughput` messages; whatever is left
/// goes to CAF's scheduler as before. A delivery made while this thread
/// already runs actors inline only enqueues (no nesting). Actors that are
/// busy, detached or blocking are enqueued as always.
///
/// An actor keeps the unit it last ran on as its context (a response
/// promise delivered later, from any thread, enqueues through it), so units
/// are never freed: one per thread, reused by later threads, and
/// `exec_later` from anywhere but the unit's own run hands the job to the
/// job's scheduler.
class inline_unit final : public caf::execution_unit {
public:
  static constexpr size_t max_resumes = 8;

  static constexpr size_t max_throughput = 16;

  /// Enqueues `what` into `dest` and, if that made `dest` runnable, runs it
  /// here.
  static void enqueue(const caf::strong_actor_ptr& dest,
                      caf::mailbox_element_ptr what);

  /// Queues `job` for this unit's run when called from it; otherwise, or
  /// for a job of another actor system, schedules it with CAF.
  void exec_later(caf::resumable* job) override;

  inline_unit() = default;

private:
  /// Runs the queued jobs within the budget, hands the rest to the
  /// scheduler.
  void run();

  std::vector<caf::resumable*> jobs_;
};

} // namespace cafe::actor
