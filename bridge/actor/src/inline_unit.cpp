#include "inline_unit.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <memory>
#include <mutex>

namespace cafe::actor {

namespace {

/// Every unit ever made, reachable for the life of the process (actors may
/// hold one as their context until the very end); threads that end give
/// theirs back for the next thread.
class unit_pool {
public:
  inline_unit* acquire() {
    std::lock_guard guard{mtx_};
    if (!free_.empty()) {
      auto result = free_.back();
      free_.pop_back();
      return result;
    }
    return all_.emplace_back(std::make_unique<inline_unit>()).get();
  }

  void release(inline_unit* unit) {
    std::lock_guard guard{mtx_};
    free_.push_back(unit);
  }

private:
  std::mutex mtx_;
  std::vector<std::unique_ptr<inline_unit>> all_;
  std::vector<inline_unit*> free_;
};

unit_pool& pool() {
  // Never destroyed: actors outliving static destruction may still use a
  // unit.
  static auto* instance = new unit_pool;
  return *instance;
}

/// This thread's unit, taken on its first delivery.
struct thread_unit {
  inline_unit* unit = pool().acquire();

  ~thread_unit() {
    pool().release(unit);
  }
};

thread_local thread_unit this_thread;

/// The unit running actors on this thread right now, if any.
thread_local inline_unit* active = nullptr;

caf::actor_system* home_of(caf::resumable* job) {
  // Actors say what they are: the cross-cast below costs more than running
  // a small actor, and this runs for every message delivered inline.
  auto kind = job->subtype();
  if (kind == caf::resumable::scheduled_actor
      || kind == caf::resumable::io_actor)
    return &static_cast<caf::scheduled_actor*>(job)->home_system();
  auto actor = dynamic_cast<caf::abstract_actor*>(job);
  return actor ? &actor->home_system() : nullptr;
}

void schedule(caf::resumable* job, caf::actor_system* fallback) {
  if (auto sys = home_of(job))
    sys->scheduler().enqueue(job);
  else if (fallback)
    fallback->scheduler().enqueue(job);
}

} // namespace

void inline_unit::enqueue(const caf::strong_actor_ptr& dest,
                          caf::mailbox_element_ptr what) {
  if (active != nullptr) {
    // An actor running inline sends: a runnable target queues behind it.
    dest->enqueue(std::move(what), active);
    return;
  }
  auto unit = this_thread.unit;
  unit->system_ = dest->home_system;
  active = unit;
  struct reset {
    ~reset() {
      active = nullptr;
    }
  } guard;
  dest->enqueue(std::move(what), unit);
  unit->run();
}

void inline_unit::exec_later(caf::resumable* job) {
  // The job comes with a reference (scheduled_actor::enqueue took it).
  if (active == this && home_of(job) == system_)
    jobs_.push_back(job);
  else
    schedule(job, system_);
}

void inline_unit::run() {
  // Whatever is left (over budget, or after an exception that escaped CAF)
  // goes to the scheduler.
  struct hand_over {
    inline_unit& self;
    size_t next = 0;
    ~hand_over() {
      for (auto i = next; i < self.jobs_.size(); ++i)
        schedule(self.jobs_[i], self.system_);
      self.jobs_.clear();
    }
  } rest{*this};
  // By index: resuming a job may append more.
  for (size_t resumes = 0; rest.next < jobs_.size() && resumes < max_resumes;
       ++resumes) {
    auto job = jobs_[rest.next++];
    // As caf::scheduler::worker::run, except that an actor with messages
    // left continues on a worker, not here.
    switch (job->resume(this, max_throughput)) {
      case caf::resumable::resume_later: schedule(job, system_); break;
      case caf::resumable::awaiting_message:
      case caf::resumable::done:
      case caf::resumable::shutdown_execution_unit:
        intrusive_ptr_release(job);
        break;
    }
  }
}

} // namespace cafe::actor
