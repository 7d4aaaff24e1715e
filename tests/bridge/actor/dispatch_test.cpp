// Messages made by type_registry::to_message reach CAF's typed handlers, and
// replies convert back with type_registry::to_term; run on CAF's
// deterministic test coordinator.

#define CAF_SUITE bridge.actor.dispatch

#include "cafe/actor/term_context.hpp"
#include "cafe/actor/type_registry.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/term.hpp"

#include <caf/test/dsl.hpp>
#include <caf/test/unit_test_impl.hpp>
#include <string>
#include <utility>

using namespace cafe;
using namespace cafe::actor;
using namespace std::string_literals;

namespace {

using chat_atom = caf::atom_constant<caf::atom("chat")>;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using moved_atom = caf::atom_constant<caf::atom("moved")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;

/// A record: {point, X, Y}.
struct point {
  int32_t x = 0;
  int32_t y = 0;
};

bool operator==(const point& a, const point& b) {
  return a.x == b.x && a.y == b.y;
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, point& x) {
  return f(caf::meta::type_name("point"), x.x, x.y);
}

etf::term atom(std::string_view text) {
  return etf::term{etf::atom{text}};
}

etf::term bin(std::string_view text) {
  return etf::term{etf::binary{text}};
}

/// The bridge's part for one known process: <0.42.0> on erl@vm is the
/// fixture's scoped actor.
class one_process_context : public term_context {
public:
  one_process_context(etf::pid pid, caf::actor hdl)
    : pid_(std::move(pid)), hdl_(std::move(hdl)) {
    // nop
  }

  caf::actor actor_of(const etf::pid& x) override {
    return x == pid_ ? hdl_ : caf::actor{};
  }

  etf::pid pid_of(const caf::strong_actor_ptr& x) override {
    if (x == caf::actor_cast<caf::strong_actor_ptr>(hdl_))
      return pid_;
    return etf::pid{etf::atom{"cafe@test"}, 1, 0, 1};
  }

private:
  etf::pid pid_;
  caf::actor hdl_;
};

/// The testee. A class, not a function: CAF 0.17.6 spawns an argument-less
/// function through a null shared_ptr (init_fun_factory.hpp), which UBSan
/// rejects.
class chat_room : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    return {
      [](chat_atom, std::string room, std::string user, std::string text) {
        return caf::make_message(delivered_atom::value, std::move(room),
                                 std::move(user),
                                 static_cast<int64_t>(text.size()));
      },
      [](const point& p) {
        return caf::make_message(moved_atom::value, point{p.x + 1, p.y + 1});
      },
      [](ping_atom, const caf::actor& from) {
        return caf::make_message(pong_atom::value, from);
      },
    };
  }
};

struct fixture : test_coordinator_fixture<> {
  fixture()
    : erl_pid{etf::atom{"erl@vm"}, 42, 0, 3}, ctx(erl_pid, caf::actor{self}),
      testee(sys.spawn<chat_room>()) {
    types.add<point>();
    run();
  }

  ~fixture() override {
    caf::anon_send_exit(testee, caf::exit_reason::user_shutdown);
    run();
  }

  /// Sends the Erlang term `x` from `self` to the testee, as the bridge does.
  void send_term(const etf::term& x) {
    self->send(testee, types.to_message(x, ctx));
  }

  /// The Erlang term of the next message in `self`'s mailbox (left there).
  etf::term next_reply_term() {
    auto ptr = self.ptr()->peek_at_next_mailbox_element();
    CAF_REQUIRE(ptr != nullptr);
    auto x = types.to_term(ptr->copy_content_to_message(), ctx);
    if (!x)
      CAF_FAIL("reply without a term: " << x.error());
    return std::move(*x);
  }

  etf::pid erl_pid;
  type_registry types;
  one_process_context ctx;
  caf::actor testee;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(dispatch_tests, fixture)

CAF_TEST(a chat tuple reaches the typed chat handler) {
  send_term(etf::make_tuple(atom("chat"), bin("lobby"), bin("bob"), bin("hi")));
  expect((chat_atom, std::string, std::string, std::string),
         from(self).to(testee).with(chat_atom::value, "lobby"s, "bob"s, "hi"s));
  CAF_CHECK_EQUAL(next_reply_term(),
                  etf::make_tuple(atom("delivered"), bin("lobby"), bin("bob"),
                                  etf::term{2}));
  expect((delivered_atom, std::string, std::string, int64_t),
         from(testee).to(self).with(delivered_atom::value, "lobby"s, "bob"s,
                                    int64_t{2}));
}

CAF_TEST(a registered record reaches the point handler) {
  send_term(etf::make_tuple(atom("point"), 1, 2));
  expect((point), from(self).to(testee).with(point{1, 2}));
  CAF_CHECK_EQUAL(next_reply_term(),
                  etf::make_tuple(atom("moved"),
                                  etf::make_tuple(atom("point"), 2, 3)));
  expect((moved_atom, point),
         from(testee).to(self).with(moved_atom::value, point{2, 3}));
}

CAF_TEST(a pid arrives as an actor and goes back as the pid) {
  send_term(etf::make_tuple(atom("ping"), etf::term{erl_pid}));
  expect((ping_atom, caf::actor),
         from(self).to(testee).with(ping_atom::value, caf::actor{self}));
  CAF_CHECK_EQUAL(next_reply_term(),
                  etf::make_tuple(atom("pong"), etf::term{erl_pid}));
  expect((pong_atom, caf::actor), from(testee).to(self).with(_, _));
}

CAF_TEST(an unmatched term takes the unexpected message path) {
  // As a request: CAF's default handler answers unexpected_message.
  auto bad = types.to_message(
    etf::make_tuple(atom("chat"), bin("lobby"), etf::make_list(1, 2)), ctx);
  CAF_REQUIRE((bad.match_elements<caf::atom_value, std::string, etf::term>()));
  self->request(testee, caf::infinite, bad);
  expect((caf::atom_value, std::string, etf::term),
         from(self).to(testee).with(caf::atom("chat"), "lobby"s,
                                    etf::make_list(1, 2)));
  CAF_CHECK_EQUAL(next_reply_term(),
                  etf::make_tuple(atom("system"), atom("unexpected_message")));
  expect((caf::error), from(testee).to(self).with(
                         caf::make_error(caf::sec::unexpected_message)));
  // As a plain message (a point of the wrong arity is no point): the same
  // path, CAF 0.17 answers the sender with the error as well.
  send_term(etf::make_tuple(atom("point"), 1, 2, 3));
  expect((caf::atom_value, int64_t, int64_t, int64_t),
         from(self).to(testee).with(caf::atom("point"), int64_t{1}, int64_t{2},
                                    int64_t{3}));
  {
    // Not flagged as a response: whoever forwards replies to Erlang sees an
    // ordinary message.
    auto ptr = self.ptr()->peek_at_next_mailbox_element();
    CAF_REQUIRE(ptr != nullptr);
    CAF_CHECK(!ptr->mid.is_response());
  }
  expect((caf::error), from(testee).to(self).with(
                         caf::make_error(caf::sec::unexpected_message)));
  // The testee lives on and handles the next good message.
  send_term(
    etf::make_tuple(atom("chat"), bin("lobby"), bin("al"), bin("still")));
  expect((chat_atom, std::string, std::string, std::string),
         from(self).to(testee).with(chat_atom::value, "lobby"s, "al"s,
                                    "still"s));
  expect((delivered_atom, std::string, std::string, int64_t),
         from(testee).to(self).with(delivered_atom::value, "lobby"s, "al"s,
                                    int64_t{5}));
}

CAF_TEST_FIXTURE_SCOPE_END()
