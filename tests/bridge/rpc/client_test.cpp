// rpc::call, multicall, cast and spawn from cafe into real erl nodes, in
// the blocking form and through the CAF client actor. Each outcome is
// compared with the exact term the BEAM produced (values, exception
// reasons, stacks); what happens on the erl side (a cast, a link's exit)
// is read back from a cafe_peer collector there.

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/rpc/client.hpp"
#include "interop_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>
#include <gtest/gtest.h>

namespace cafe::test {
namespace {

using namespace etf::literals;
using namespace std::chrono_literals;

/// The compiled client_peer.beam, shared by the tests of the binary.
std::unique_ptr<temp_dir> peer_dir;

using report_atom = caf::atom_constant<caf::atom("report")>;

/// Spawns `M:F(Args)` on `node` through `client`, linked and/or monitored,
/// reports `(report_atom, proxy)` (or the error) to `observer`, and then
/// every exit (trapped) and DOWN it sees as `(report_atom, source, reason
/// term, bool down)`, exits trapped. A term message quits with that term
/// as reason.
caf::behavior spawner(caf::event_based_actor* self, caf::actor client,
                      caf::actor observer, etf::atom node, etf::atom module,
                      etf::atom function, etf::list args,
                      rpc::spawn_options opts) {
  self->set_exit_handler([=](caf::exit_msg& x) {
    // The test's end (TearDown) is no report.
    if (x.reason == caf::exit_reason::user_shutdown) {
      self->quit(x.reason);
      return;
    }
    self->send(observer, report_atom::value, x.source,
               actor::to_exit_term(x.reason), false);
  });
  self->set_down_handler([=](caf::down_msg& x) {
    self->send(observer, report_atom::value, x.source,
               actor::to_exit_term(x.reason), true);
  });
  rpc::request_spawn(self, client, node, module, function, std::move(args),
                     opts, caf::timespan{5s})
    .then(
      [=](const caf::actor& proxy) {
        self->send(observer, report_atom::value, proxy);
      },
      [=](const caf::error& err) {
        self->send(observer, report_atom::value, err);
      });
  return {
    [=](const etf::term& reason) { self->quit(actor::to_error(reason)); },
  };
}

class rpc_client : public interop_fixture {
protected:
  rpc_client() {
    cfg_.set("scheduler.max-threads", 2);
  }

  void SetUp() override {
    interop_fixture::SetUp();
    if (!peer_dir)
      peer_dir = compile_erl("tests/bridge/rpc/client_peer.erl");
    sys = std::make_unique<caf::actor_system>(cfg_);
    cafe = start_cafe();
    br = std::make_shared<actor::bridge>(*sys, cafe);
    client = rpc::spawn_client(*sys, br);
    a = start_peer("a");
  }

  void TearDown() override {
    for (auto& x : kept)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
    client = nullptr;
    kept.clear();
    b.reset();
    a.reset();
    br.reset();
    sys.reset();
  }

  std::unique_ptr<erl_node> start_peer(std::string name) {
    return start_erl(std::move(name), [](erl_options& opts) {
      opts.extra_args = {"-pa", peer_dir->path().string()};
    });
  }

  rpc::call_result call(etf::atom node, etf::atom m, etf::atom f,
                        std::vector<etf::term> args,
                        std::chrono::milliseconds timeout = 5s) {
    return rpc::call(*cafe, node, m, f, etf::list{std::move(args)}, timeout);
  }

  /// The call through the CAF client from a scoped actor.
  rpc::call_result caf_call(etf::atom node, etf::atom m, etf::atom f,
                            std::vector<etf::term> args,
                            caf::timespan timeout = caf::timespan{5s}) {
    caf::scoped_actor self{*sys};
    std::optional<rpc::call_result> result;
    rpc::request_call(self, client, node, m, f, etf::list{std::move(args)},
                      timeout)
      .receive([&](const etf::term& x) { result = x; },
               [&](const caf::error& err) {
                 auto why = rpc::call_error_of(err);
                 if (!why)
                   ADD_FAILURE() << "not a call error: " << sys->render(err);
                 else
                   result = unexpected{*why};
               });
    if (!result)
      return unexpected{rpc::call_error{rpc::call_errc::signal, {}, {}}};
    return std::move(*result);
  }

  static rpc::call_result value(etf::term x) {
    return x;
  }

  static rpc::call_result failed(rpc::call_errc code, etf::term reason = {}) {
    return unexpected{rpc::call_error{code, {}, std::move(reason)}};
  }

  static rpc::call_result raised(rpc::outcome x) {
    return unexpected{
      rpc::call_error{rpc::call_errc::exception, std::move(x), {}}};
  }

  /// The oldest message the erl collector `name` holds.
  etf::term take(erl_node& erl, const std::string& name) {
    return erl.eval("cafe_peer:take(" + name + ", 5000)");
  }

  caf::actor keep(caf::actor x) {
    kept.push_back(x);
    return x;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<node::node> cafe;
  std::shared_ptr<actor::bridge> br;
  caf::actor client;
  std::vector<caf::actor> kept;
  std::unique_ptr<erl_node> a;
  std::unique_ptr<erl_node> b;
};

std::string describe(const rpc::call_result& x) {
  return rpc::to_string(x);
}

#define EXPECT_RESULT(expected_result, actual)                                 \
  do {                                                                         \
    auto res_ = (actual);                                                      \
    auto want_ = (expected_result);                                            \
    EXPECT_EQ(res_.has_value(), want_.has_value())                             \
      << describe(res_) << " vs " << describe(want_);                          \
    if (res_.has_value() && want_.has_value())                                 \
      EXPECT_EQ(*res_, *want_) << describe(res_) << " vs " << describe(want_); \
    else if (!res_.has_value() && !want_.has_value())                          \
      EXPECT_EQ(res_.error(), want_.error())                                   \
        << describe(res_) << " vs " << describe(want_);                        \
  } while (false)

/// `{client_peer, raise, 2, [{file, _}, {line, _}]}`: the frame of
/// client_peer:raise/2 that a BEAM error stack starts with.
bool raise_frame(const etf::term& stack) {
  auto xs = stack.get_if<etf::list>();
  return xs != nullptr && !xs->elements.empty()
         && etf::match(xs->elements.front(), "client_peer"_atom, "raise"_atom,
                       2, etf::_);
}

// -- blocking call ------------------------------------------------------------

TEST_F(rpc_client, returns_the_value) {
  EXPECT_RESULT(value(a->name()),
                call(a->name(), "erlang"_atom, "node"_atom, {}));
  auto xs = etf::make_list(1, 2, 3);
  EXPECT_RESULT(value(etf::make_list(3, 2, 1)),
                call(a->name(), "lists"_atom, "reverse"_atom, {xs}));
  // Whatever the term: a map with a pid of ours round-trips unchanged.
  auto big = etf::make_map(
    {{"self"_atom, cafe->make_pid()}, {"bin"_atom, etf::binary{"\x00\xff"}}});
  EXPECT_RESULT(value(big),
                call(a->name(), "client_peer"_atom, "echo"_atom, {big}));
}

TEST_F(rpc_client, throw_error_and_exit_arrive_with_their_class) {
  EXPECT_RESULT(raised(rpc::outcome::thrown("ball"_atom)),
                call(a->name(), "client_peer"_atom, "raise"_atom,
                     {"throw"_atom, "ball"_atom}));
  EXPECT_RESULT(raised(rpc::outcome::exited(etf::make_tuple("bye"_atom, 1))),
                call(a->name(), "client_peer"_atom, "raise"_atom,
                     {"exit"_atom, etf::make_tuple("bye"_atom, 1)}));
  auto err = call(a->name(), "client_peer"_atom, "raise"_atom,
                  {"error"_atom, "badthing"_atom});
  ASSERT_FALSE(err) << describe(err);
  EXPECT_EQ(err.error().code, rpc::call_errc::exception);
  EXPECT_EQ(err.error().raised.kind, rpc::outcome_class::error);
  EXPECT_EQ(err.error().raised.value, etf::term{"badthing"_atom});
  EXPECT_TRUE(raise_frame(err.error().raised.stack)) << describe(err);
  // rpc:call's view of the same outcomes.
  EXPECT_EQ(
    rpc::to_rpc_term(err),
    etf::make_tuple(
      "badrpc"_atom,
      etf::make_tuple("EXIT"_atom, etf::make_tuple("badthing"_atom,
                                                   err.error().raised.stack))));
  // The BEAM's own classification of a failing BIF: badarith from
  // erlang:'/'/2, with the BIF's frame first.
  auto arith = call(a->name(), "erlang"_atom, "/"_atom, {1, 0});
  ASSERT_FALSE(arith) << describe(arith);
  EXPECT_EQ(arith.error().raised.value, etf::term{"badarith"_atom});
  auto frames = arith.error().raised.stack.get_if<etf::list>();
  ASSERT_TRUE(frames && !frames->elements.empty()) << describe(arith);
  EXPECT_TRUE(etf::match(frames->elements.front(), "erlang"_atom, "/"_atom,
                         etf::make_list(1, 0), etf::_))
    << describe(arith);
}

TEST_F(rpc_client, undef_has_the_beam_shape) {
  // Unknown module, and unknown function of a known one: `undef` with the
  // call itself as the first frame, `{M, F, Args, []}`.
  for (auto [m, f] : {std::pair{"no_such_module"_atom, "f"_atom},
                      std::pair{"lists"_atom, "no_such_function"_atom}}) {
    auto res = call(a->name(), m, f, {1, "x"_atom});
    ASSERT_FALSE(res) << describe(res);
    EXPECT_EQ(res.error().code, rpc::call_errc::exception);
    EXPECT_EQ(res.error().raised.kind, rpc::outcome_class::error);
    EXPECT_EQ(res.error().raised.value, etf::term{"undef"_atom});
    auto frames = res.error().raised.stack.get_if<etf::list>();
    ASSERT_TRUE(frames && !frames->elements.empty()) << describe(res);
    EXPECT_EQ(frames->elements.front(),
              etf::make_tuple(m, f, etf::make_list(1, "x"_atom), etf::list{}))
      << describe(res);
  }
}

TEST_F(rpc_client, unreachable_nodes_are_noconnection) {
  auto nobody = node_name("nobody");
  EXPECT_RESULT(failed(rpc::call_errc::noconnection),
                call(nobody, "erlang"_atom, "node"_atom, {}));
  EXPECT_EQ(rpc::to_rpc_term(call(nobody, "erlang"_atom, "node"_atom, {})),
            etf::make_tuple("badrpc"_atom, "nodedown"_atom));
  // A node that was up and is killed: it is gone from EPMD, or its port is.
  b = start_peer("b");
  auto b_name = b->name();
  EXPECT_RESULT(value(b_name), call(b_name, "erlang"_atom, "node"_atom, {}));
  b->kill();
  EXPECT_RESULT(failed(rpc::call_errc::noconnection),
                call(b_name, "erlang"_atom, "node"_atom, {}));
}

TEST_F(rpc_client, a_node_going_down_mid_call_is_noconnection) {
  b = start_peer("b");
  ASSERT_TRUE(cafe->connect(b->name(), 5s));
  std::optional<rpc::call_result> res;
  std::thread caller{
    [&] { res = call(b->name(), "timer"_atom, "sleep"_atom, {20000}, 15s); }};
  // Killed once the call runs there (timer:sleep is in its stack).
  EXPECT_TRUE(eventually(
    [&] {
      return b->eval("length([P || P <- processes(), "
                     "{current_function, {timer, sleep, 1}} =:= "
                     "process_info(P, current_function)])")
             == etf::term{1};
    },
    5s, 20ms));
  b->kill();
  caller.join();
  ASSERT_TRUE(res);
  EXPECT_RESULT(failed(rpc::call_errc::noconnection), *res);
}

TEST_F(rpc_client, a_spawn_error_is_badrpc) {
  // This node serves no spawns (no rpc::server): `notsup`, as erpc gets
  // from a node without spawn support.
  EXPECT_RESULT(failed(rpc::call_errc::badrpc, "notsup"_atom),
                call(cafe->name(), "erlang"_atom, "node"_atom, {}));
  // Arguments that are no proper list: erpc's badarg, nothing sent.
  auto improper = etf::list{{1}, etf::term{2}};
  EXPECT_RESULT(failed(rpc::call_errc::badrpc, "badarg"_atom),
                rpc::call(*cafe, a->name(), "erlang"_atom, "node"_atom,
                          improper, 5s));
}

TEST_F(rpc_client, a_late_reply_reaches_no_later_call) {
  a->eval("cafe_peer:start_collector(late)");
  auto baseline = cafe->process_count();
  auto start = clock::now();
  EXPECT_RESULT(failed(rpc::call_errc::timeout),
                call(a->name(), "client_peer"_atom, "slow"_atom,
                     {3000, "late"_atom, "late"_atom}, 200ms));
  auto took = clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 2500ms);
  // The slow call has returned on erl (its process ended: the collector
  // heard so after its DOWN went out)...
  EXPECT_EQ(take(*a, "late"), etf::make_tuple("done"_atom, "late"_atom));
  // ... and the next calls get their own answers, then a marker call
  // behind them on the same connection shows nothing else was left over.
  EXPECT_RESULT(value("next"_atom), call(a->name(), "client_peer"_atom,
                                         "echo"_atom, {"next"_atom}));
  EXPECT_RESULT(value("marker"_atom), call(a->name(), "client_peer"_atom,
                                           "echo"_atom, {"marker"_atom}));
  EXPECT_EQ(cafe->process_count(), baseline);
}

TEST_F(rpc_client, output_goes_to_the_callers_group_leader) {
  // io:format and put_chars from the remote process are answered (the
  // call does not hang on them) and the value comes back.
  EXPECT_RESULT(value(42),
                call(a->name(), "client_peer"_atom, "print"_atom, {42}));
}

// -- multicall and cast
// --------------------------------------------------------

TEST_F(rpc_client, multicall_answers_in_node_order) {
  b = start_peer("b");
  auto nobody = node_name("nobody");
  auto res = rpc::multicall(*cafe, {b->name(), nobody, a->name()},
                            "erlang"_atom, "node"_atom, {}, 5s);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_RESULT(value(b->name()), res[0]);
  EXPECT_RESULT(failed(rpc::call_errc::noconnection), res[1]);
  EXPECT_RESULT(value(a->name()), res[2]);
  // In parallel: two calls of 2.5 s each take 2.5 s, not 5.
  auto start = clock::now();
  res = rpc::multicall(*cafe, {a->name(), b->name()}, "timer"_atom,
                       "sleep"_atom, etf::list{{2500}}, 10s);
  EXPECT_LT(clock::now() - start, 4500ms);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_RESULT(value("ok"_atom), res[0]);
  EXPECT_RESULT(value("ok"_atom), res[1]);
}

TEST_F(rpc_client, cast_runs_on_the_node) {
  a->eval("cafe_peer:start_collector(casts)");
  rpc::cast(*cafe, a->name(), "erlang"_atom, "send"_atom,
            etf::list{{"casts"_atom, etf::make_tuple("cast"_atom, 1)}});
  EXPECT_EQ(take(*a, "casts"), etf::make_tuple("cast"_atom, 1));
}

TEST_F(rpc_client, blocking_spawn_gives_the_pid) {
  auto pid = rpc::spawn(*cafe, a->name(), "client_peer"_atom, "hold"_atom, {},
                        5s);
  ASSERT_TRUE(pid) << rpc::to_string(pid.error());
  EXPECT_EQ(pid->node, a->name());
  EXPECT_EQ(a->eval("is_process_alive(" + erl_literal(*pid) + ")"),
            etf::term{true});
  a->eval("exit(" + erl_literal(*pid) + ", kill)");
  auto none = rpc::spawn(*cafe, node_name("nobody"), "client_peer"_atom,
                         "hold"_atom, {}, 5s);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, rpc::call_errc::noconnection);
}

// -- the CAF client
// ------------------------------------------------------------

TEST_F(rpc_client, caf_call_gives_values_and_typed_errors) {
  EXPECT_RESULT(value(a->name()),
                caf_call(a->name(), "erlang"_atom, "node"_atom, {}));
  EXPECT_RESULT(raised(rpc::outcome::thrown("ball"_atom)),
                caf_call(a->name(), "client_peer"_atom, "raise"_atom,
                         {"throw"_atom, "ball"_atom}));
  auto err = caf_call(a->name(), "client_peer"_atom, "raise"_atom,
                      {"error"_atom, "badthing"_atom});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().raised.kind, rpc::outcome_class::error);
  EXPECT_TRUE(raise_frame(err.error().raised.stack)) << describe(err);
  EXPECT_RESULT(failed(rpc::call_errc::noconnection),
                caf_call(node_name("nobody"), "erlang"_atom, "node"_atom, {}));
}

TEST_F(rpc_client, caf_call_times_out_and_the_late_reply_is_dropped) {
  a->eval("cafe_peer:start_collector(late)");
  EXPECT_RESULT(failed(rpc::call_errc::timeout),
                caf_call(a->name(), "client_peer"_atom, "slow"_atom,
                         {3000, "late"_atom, "late"_atom},
                         caf::timespan{200ms}));
  EXPECT_EQ(take(*a, "late"), etf::make_tuple("done"_atom, "late"_atom));
  // The client's one pid got whatever came late: the next call through it
  // answers with its own value.
  EXPECT_RESULT(value("next"_atom), caf_call(a->name(), "client_peer"_atom,
                                             "echo"_atom, {"next"_atom}));
}

TEST_F(rpc_client, caf_multicall_and_cast) {
  b = start_peer("b");
  caf::scoped_actor self{*sys};
  std::optional<rpc::multicall_results> res;
  self
    ->request(client, 10s, rpc::multicall_atom::value,
              etf::make_list(a->name(), node_name("nobody"), b->name()),
              "erlang"_atom, "node"_atom, etf::term{etf::list{}},
              caf::timespan{5s})
    .receive([&](const rpc::multicall_results& xs) { res = xs; },
             [&](const caf::error& err) { ADD_FAILURE() << sys->render(err); });
  ASSERT_TRUE(res);
  ASSERT_EQ(res->size(), 3u);
  EXPECT_RESULT(value(a->name()), (*res)[0]);
  EXPECT_RESULT(failed(rpc::call_errc::noconnection), (*res)[1]);
  EXPECT_RESULT(value(b->name()), (*res)[2]);
  b->eval("cafe_peer:start_collector(casts)");
  self->send(
    client, rpc::cast_atom::value, b->name(), "erlang"_atom, "send"_atom,
    etf::term{etf::list{{"casts"_atom, etf::make_tuple("c"_atom, 2)}}});
  EXPECT_EQ(take(*b, "casts"), etf::make_tuple("c"_atom, 2));
}

TEST_F(rpc_client, spawn_with_monitor_reports_the_exit_through_the_proxy) {
  caf::scoped_actor self{*sys};
  auto owner = keep(sys->spawn(spawner, client, caf::actor{self}, a->name(),
                               "client_peer"_atom, "hold"_atom, etf::list{},
                               rpc::spawn_options{false, true}));
  caf::actor proxy;
  self->receive([&](report_atom, const caf::actor& x) { proxy = x; },
                [&](report_atom, const caf::error& err) {
                  ADD_FAILURE() << sys->render(err);
                },
                caf::after(10s) >> [] { ADD_FAILURE() << "no spawn"; });
  ASSERT_TRUE(proxy);
  auto pid = br->pid_of(proxy);
  EXPECT_EQ(pid.node, a->name());
  a->eval(erl_literal(pid) + " ! {exit, boom}");
  bool seen = false;
  self->receive(
    [&](report_atom, const caf::actor_addr& source, const etf::term& reason,
        bool down) {
      seen = true;
      EXPECT_TRUE(down);
      EXPECT_EQ(source, proxy.address());
      EXPECT_EQ(reason, etf::term{"boom"_atom});
    },
    caf::after(10s) >> [] { ADD_FAILURE() << "no DOWN"; });
  EXPECT_TRUE(seen);
}

TEST_F(rpc_client, spawn_with_link_works_both_ways) {
  caf::scoped_actor self{*sys};
  // erl's process ends: the linked owner (trapping) sees the exit.
  auto owner = keep(sys->spawn(spawner, client, caf::actor{self}, a->name(),
                               "client_peer"_atom, "hold"_atom, etf::list{},
                               rpc::spawn_options{true, false}));
  caf::actor proxy;
  self->receive([&](report_atom, const caf::actor& x) { proxy = x; },
                caf::after(10s) >> [] { ADD_FAILURE() << "no spawn"; });
  ASSERT_TRUE(proxy);
  auto pid = br->pid_of(proxy);
  a->eval(erl_literal(pid) + " ! {exit, {shutdown, why}}");
  bool seen = false;
  self->receive(
    [&](report_atom, const caf::actor_addr& source, const etf::term& reason,
        bool down) {
      seen = true;
      EXPECT_FALSE(down);
      EXPECT_EQ(source, proxy.address());
      EXPECT_EQ(reason, etf::make_tuple("shutdown"_atom, "why"_atom));
    },
    caf::after(10s) >> [] { ADD_FAILURE() << "no exit"; });
  EXPECT_TRUE(seen);
  // The owner ends: the linked erl process (trapping) gets its reason.
  a->eval("cafe_peer:start_collector(exits)");
  auto owner2 = sys->spawn(spawner, client, caf::actor{self}, a->name(),
                           "client_peer"_atom, "trap_and_report"_atom,
                           etf::list{{"exits"_atom}},
                           rpc::spawn_options{true, false});
  proxy = nullptr;
  self->receive([&](report_atom, const caf::actor& x) { proxy = x; },
                caf::after(10s) >> [] { ADD_FAILURE() << "no spawn"; });
  ASSERT_TRUE(proxy);
  ASSERT_EQ(take(*a, "exits"), etf::term{"trapping"_atom});
  self->send(owner2, etf::term{"gone"_atom});
  EXPECT_EQ(take(*a, "exits"), etf::make_tuple("exit"_atom, "gone"_atom));
}

TEST_F(rpc_client, spawn_errors_are_typed) {
  caf::scoped_actor self{*sys};
  keep(sys->spawn(spawner, client, caf::actor{self}, node_name("nobody"),
                  "client_peer"_atom, "hold"_atom, etf::list{},
                  rpc::spawn_options{true, true}));
  std::optional<rpc::call_error> why;
  self->receive(
    [&](report_atom, const caf::error& err) { why = rpc::call_error_of(err); },
    [&](report_atom, const caf::actor&) { ADD_FAILURE() << "spawned"; },
    caf::after(10s) >> [] { ADD_FAILURE() << "no answer"; });
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, rpc::call_errc::noconnection);
  // This node serves no spawns.
  keep(sys->spawn(spawner, client, caf::actor{self}, cafe->name(),
                  "client_peer"_atom, "hold"_atom, etf::list{},
                  rpc::spawn_options{}));
  why.reset();
  self->receive(
    [&](report_atom, const caf::error& err) { why = rpc::call_error_of(err); },
    [&](report_atom, const caf::actor&) { ADD_FAILURE() << "spawned"; },
    caf::after(10s) >> [] { ADD_FAILURE() << "no answer"; });
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, rpc::call_errc::badrpc);
  EXPECT_EQ(why->reason, etf::term{"notsup"_atom});
}

} // namespace
} // namespace cafe::test
