// An Erlang message that wakes an idle CAF actor runs it on the delivering
// thread (an io thread, for messages from peers; here the test's own
// thread, sending through a mailbox), within a budget; what the actor
// makes runnable follows it there, the rest goes to CAF's workers, and a
// response promise delivered later from anywhere still reaches its
// requester.

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/node/mailbox.hpp"
#include "interop_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

using work_atom = caf::atom_constant<caf::atom("work")>;

int64_t this_thread_tag() {
  return static_cast<int64_t>(
    std::hash<std::thread::id>{}(std::this_thread::get_id()));
}

/// `{From, Next}`: the next actor of a chain, or `none`; every actor sends
/// `{ran, Tag}` (its thread) to `From` and passes the message on.
caf::behavior chain_link(caf::event_based_actor* self,
                         std::shared_ptr<actor::bridge> br, caf::actor next) {
  return {
    [=](const etf::term& msg) {
      etf::pid from;
      etf::term rest;
      if (!etf::match(msg, &from, &rest))
        return;
      self->send(br->actor_of(from),
                 etf::make_tuple("ran"_atom, this_thread_tag()));
      if (next)
        self->send(next, msg);
    },
  };
}

/// Answers `work` with a promise that the test keeps and delivers itself.
caf::behavior
promiser(caf::event_based_actor* self,
         std::shared_ptr<std::optional<caf::response_promise>> stash) {
  return {
    [=](work_atom) {
      auto rp = self->make_response_promise();
      *stash = rp;
      return rp;
    },
  };
}

/// `{From, go}`: asks `worker` for `work` and sends `{result, X}` to From.
caf::behavior requester(caf::event_based_actor* self,
                        std::shared_ptr<actor::bridge> br, caf::actor worker) {
  return {
    [=](const etf::term& msg) {
      etf::pid from;
      if (!etf::match(msg, &from, "go"_atom))
        return;
      self->request(worker, caf::infinite, work_atom::value)
        .then([=](int64_t x) {
          self->send(br->actor_of(from), etf::make_tuple("result"_atom, x));
        });
    },
  };
}

class inline_delivery : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    node_ = start_cafe();
    br_ = std::make_shared<actor::bridge>(sys_, node_);
    mb_ = node_->make_mailbox();
  }

  void TearDown() override {
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    mb_.reset();
    br_.reset();
  }

  /// Spawns lazily: the actor first runs for its first message, so it is
  /// idle whenever a test delivers one.
  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto a = sys_.spawn<caf::lazy_init>(std::forward<Ts>(xs)...);
    actors_.push_back(a);
    return a;
  }

  /// The next message of the mailbox, printed; "timeout" after 10 s.
  std::string next() {
    auto msg = mb_->receive(10s);
    return msg ? etf::to_string(*msg) : "timeout";
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  std::shared_ptr<node::node> node_;
  std::shared_ptr<actor::bridge> br_;
  std::shared_ptr<node::mailbox> mb_;
  std::vector<caf::actor> actors_;
};

TEST_F(inline_delivery, an_idle_actor_runs_on_the_delivering_thread) {
  auto a = spawn(chain_link, br_, caf::actor{});
  auto pid = br_->bind(a, actor::delivery::raw);
  auto expected
    = etf::to_string(etf::make_tuple("ran"_atom, this_thread_tag()));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(mb_->send(pid, etf::make_tuple(mb_->self(), "x"_atom)));
    EXPECT_EQ(next(), expected) << "delivery " << i;
  }
}

TEST_F(inline_delivery, a_long_chain_continues_on_caf_workers) {
  // 40 actors, each passing the message to the next: the first ones run
  // here, after them the rest on CAF's workers, every one exactly once.
  const int length = 40;
  caf::actor head;
  for (int i = 0; i < length; ++i)
    head = spawn(chain_link, br_, head);
  auto pid = br_->bind(head, actor::delivery::raw);
  ASSERT_TRUE(mb_->send(pid, etf::make_tuple(mb_->self(), "x"_atom)));
  auto here = etf::to_string(etf::make_tuple("ran"_atom, this_thread_tag()));
  std::vector<std::string> ran;
  for (int i = 0; i < length; ++i)
    ran.push_back(next());
  EXPECT_EQ(ran.front(), here);
  EXPECT_NE(ran.back(), here);
  for (auto& x : ran)
    EXPECT_TRUE(x.starts_with("{ran,")) << x;
  // Nothing more: the marker after it is the next message.
  ASSERT_TRUE(mb_->send(mb_->self(), "marker"_atom));
  EXPECT_EQ(next(), "marker");
}

TEST_F(inline_delivery, a_promise_delivered_later_reaches_its_requester) {
  // The requester and the promiser both run here (the requester wakes the
  // promiser); the promise then goes out from this thread, long after both
  // went idle, through the promiser's last execution unit.
  auto stash = std::make_shared<std::optional<caf::response_promise>>();
  auto worker = spawn(promiser, stash);
  auto req = spawn(requester, br_, worker);
  auto pid = br_->bind(req, actor::delivery::raw);
  ASSERT_TRUE(mb_->send(pid, etf::make_tuple(mb_->self(), "go"_atom)));
  ASSERT_TRUE(stash->has_value())
    << "the promiser did not run on the delivering thread";
  auto rp = std::move(**stash);
  stash->reset();
  rp.deliver(int64_t{42});
  EXPECT_EQ(next(), "{result,42}");
}

} // namespace
