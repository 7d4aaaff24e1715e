// rpc::server against real erl nodes: erpc and rpc outcomes exactly as a
// BEAM node produces them, calls dropped when their caller has gone
// (demonitor, noconnection) before they started, remote spawn of
// functions, actors, unknown functions and funs, rex for erl_call-style
// callers, and the built-ins.

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/node/mailbox.hpp"
#include "cafe/rpc/builtins.hpp"
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/server.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace cafe::test {
namespace {

using namespace etf::literals;
using namespace std::chrono_literals;
using get_atom = caf::atom_constant<caf::atom("get")>;

/// A CAF actor the async function forwards to: answers `(get_atom, K)`
/// with K * 10.
caf::behavior tenfold(caf::event_based_actor*) {
  return {[](get_atom, int64_t k) { return k * 10; }};
}

/// A spawnable actor: `{From, ping}` -> `From ! {Self, pong}`; `{exit, R}`
/// ends it with R.
caf::behavior pinger(caf::event_based_actor* self,
                     std::shared_ptr<actor::bridge> br) {
  return {
    [=](const etf::term& msg) {
      etf::pid from;
      etf::term reason;
      if (etf::match(msg, &from, "ping"_atom))
        self->send(
          br->actor_of(from),
          etf::make_tuple(br->pid_of(caf::actor_cast<caf::actor>(self)),
                          "pong"_atom));
      else if (etf::match(msg, "exit"_atom, &reason))
        self->quit(actor::to_error(reason));
    },
  };
}

class rpc_server : public interop_fixture {
protected:
  rpc_server() {
    cfg_.set("scheduler.max-threads", 2);
  }

  void SetUp() override {
    interop_fixture::SetUp();
    sys = std::make_unique<caf::actor_system>(cfg_);
    cafe = start_cafe();
    br = std::make_shared<actor::bridge>(*sys, cafe);
    table = std::make_shared<rpc::exports>();
    rpc::add_builtins(*table, cafe, [this](int status) {
      std::lock_guard guard{mtx};
      halts.push_back(status);
    });
    tens = sys->spawn(tenfold);
    auto tens_handle = tens;
    auto& s = *sys;
    table->add("t", "add", [](int64_t a, int64_t b) { return a + b; })
      .add(
        "t", "add_here", [](int64_t a, int64_t b) { return a + b; },
        rpc::execution::caller_thread)
      .add(
        "t", "error_here",
        [](etf::term x) -> etf::term { rpc::raise_error(std::move(x)); },
        rpc::execution::caller_thread)
      .add("t", "concat",
           [](std::string a, std::vector<std::string> bs) {
             for (auto& b : bs)
               a += b;
             return a;
           })
      .add("t", "nothing", [] {})
      .add("t", "throw",
           [](etf::term x) -> etf::term { rpc::raise_throw(std::move(x)); })
      .add("t", "error",
           [](etf::term x) -> etf::term { rpc::raise_error(std::move(x)); })
      .add("t", "exit",
           [](etf::term x) -> etf::term { rpc::raise_exit(std::move(x)); })
      .add("t", "cpp",
           [](int64_t) -> int64_t {
             throw std::runtime_error("out of coffee");
           })
      .add_raw("t", "args", 3,
               [](const rpc::call& c) { return etf::term{c.args}; })
      .add_async(
        "t", "tenfold", 1,
        [&s, tens_handle](const rpc::call& c, rpc::responder done) {
          auto k = actor::from_term<int64_t>(c.args[0]);
          if (!k)
            rpc::detail::raise_badarg();
          s.spawn([=](caf::event_based_actor* self) {
            self->request(tens_handle, caf::infinite, get_atom::value, *k)
              .then(
                [=](int64_t r) { done(rpc::outcome::returned(etf::term{r})); });
          });
        })
      // Answers only when the test releases it.
      .add_async("t", "held", 0,
                 [this](const rpc::call&, rpc::responder done) {
                   std::lock_guard guard{mtx};
                   held.push_back(std::move(done));
                 })
      .add("t", "record",
           [this](etf::term x) {
             std::lock_guard guard{mtx};
             recorded.push_back(std::move(x));
             recorded_cv.notify_all();
           })
      // Holds the CAF worker it runs on until the test releases it (at
      // most 60 s, so a failed test cannot hang the suite).
      .add("t", "block",
           [this] {
             std::unique_lock guard{mtx};
             ++blocking;
             blocking_cv.notify_all();
             blocking_cv.wait_for(guard, 60s, [this] { return unblocked; });
           })
      .add_spawnable(
        "t", "pinger",
        [br = br](caf::event_based_actor* self) { return pinger(self, br); },
        actor::delivery::raw);
    server = std::make_unique<rpc::server>(*sys, br, table);
    a = start_erl("a");
    node = quoted(cafe->name());
  }

  void TearDown() override {
    {
      std::lock_guard guard{mtx};
      unblocked = true;
    }
    blocking_cv.notify_all();
    server.reset();
    {
      std::lock_guard guard{mtx};
      held.clear();
    }
    caf::anon_send_exit(tens, caf::exit_reason::user_shutdown);
    a.reset();
    // The table's functions hold the bridge: both go before the system.
    table.reset();
    tens = nullptr;
    br.reset();
    sys.reset();
  }

  /// erl's view of `expr`, printed.
  std::string on_erl(const std::string& expr) {
    return etf::to_string(a->eval(expr));
  }

  std::string erpc(const std::string& mfa_args) {
    return on_erl("catch erpc:call(" + node + ", " + mfa_args + ")");
  }

  std::string rpc_call(const std::string& mfa_args) {
    return on_erl("rpc:call(" + node + ", " + mfa_args + ")");
  }

  size_t held_count() {
    std::lock_guard guard{mtx};
    return held.size();
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<node::node> cafe;
  std::shared_ptr<actor::bridge> br;
  std::shared_ptr<rpc::exports> table;
  std::unique_ptr<rpc::server> server;
  std::unique_ptr<erl_node> a;
  std::string node;
  caf::actor tens;

  std::mutex mtx;
  std::condition_variable recorded_cv;
  std::vector<int> halts;
  std::vector<rpc::responder> held;
  std::vector<etf::term> recorded;
  /// t:block/0 calls running, and whether they may return.
  int blocking = 0;
  bool unblocked = false;
  std::condition_variable blocking_cv;
};

// erpc:call's view of each outcome: the value, or the exception erpc
// raises in the caller (`catch` shows it with erpc's own frames, which we
// cut off on the erl side).
std::string exception_of(const std::string& call) {
  return "try " + call + " of V -> {value, V} catch C:R -> {C, R} end";
}

TEST_F(rpc_server, erpc_outcomes_are_what_a_beam_node_gives) {
  auto call = [&](const std::string& args) {
    return on_erl(exception_of("erpc:call(" + node + ", " + args + ")"));
  };
  EXPECT_EQ(call("t, add, [40, 2]"), "{value,42}");
  // The same on the io thread.
  EXPECT_EQ(call("t, add_here, [40, 2]"), "{value,42}");
  EXPECT_EQ(call("t, add_here, [a, 2]"),
            "{error,{exception,badarg,[{t,add_here,[a,2],[]}]}}");
  EXPECT_EQ(call("t, error_here, [boom]"),
            "{error,{exception,boom,[{t,error_here,1,[]}]}}");
  EXPECT_EQ(rpc_call("t, add_here, [1, 2]"), "3");
  EXPECT_EQ(call("t, concat, [<<\"a\">>, [<<\"b\">>, \"c\"]]"),
            "{value,<<\"abc\">>}");
  EXPECT_EQ(call("t, nothing, []"), "{value,ok}");
  EXPECT_EQ(call("t, args, [1, x, \"s\"]"), "{value,[1,x,\"s\"]}");
  EXPECT_EQ(call("t, throw, [{oops, 1}]"), "{throw,{oops,1}}");
  EXPECT_EQ(call("t, exit, [bye]"), "{exit,{exception,bye}}");
  EXPECT_EQ(call("t, error, [boom]"),
            "{error,{exception,boom,[{t,error,1,[]}]}}");
  // Arguments that do not convert: badarg naming the call, as for a BIF.
  EXPECT_EQ(call("t, add, [a, 2]"),
            "{error,{exception,badarg,[{t,add,[a,2],[]}]}}");
  // Unknown function, wrong arity, unknown module: undef, as on BEAM.
  EXPECT_EQ(call("t, nope, [1]"),
            "{error,{exception,undef,[{t,nope,[1],[]}]}}");
  EXPECT_EQ(call("t, add, [1]"), "{error,{exception,undef,[{t,add,[1],[]}]}}");
  EXPECT_EQ(call("nomod, f, []"),
            "{error,{exception,undef,[{nomod,f,[],[]}]}}");
  // A C++ exception is an error with a readable reason; the node serves on.
  EXPECT_EQ(call("t, cpp, [1]"),
            "{error,{exception,{cpp_exception,<<\"out of coffee\">>},"
            "[{t,cpp,1,[]}]}}");
  EXPECT_EQ(call("t, add, [1, 2]"), "{value,3}");
  // An asynchronous function answered by a CAF actor.
  EXPECT_EQ(call("t, tenfold, [7]"), "{value,70}");
  EXPECT_EQ(call("t, tenfold, [x]"),
            "{error,{exception,badarg,[{t,tenfold,[x],[]}]}}");
}

TEST_F(rpc_server, rpc_call_outcomes_are_what_a_beam_node_gives) {
  EXPECT_EQ(rpc_call("t, add, [40, 2]"), "42");
  EXPECT_EQ(rpc_call("t, throw, [oops]"), "oops");
  EXPECT_EQ(rpc_call("t, exit, [bye]"), "{badrpc,{'EXIT',bye}}");
  EXPECT_EQ(rpc_call("t, error, [boom]"),
            "{badrpc,{'EXIT',{boom,[{t,error,1,[]}]}}}");
  EXPECT_EQ(rpc_call("t, nope, []"),
            "{badrpc,{'EXIT',{undef,[{t,nope,[],[]}]}}}");
  EXPECT_EQ(on_erl("rpc:block_call(" + node + ", t, add, [1, 2])"), "3");
  EXPECT_EQ(on_erl("[R || {ok, R} <- [rpc:yield(rpc:async_call(" + node
                   + ", t, add, [2, 2]))]] ++ [rpc:yield(rpc:async_call(" + node
                   + ", t, add, [2, 3]))]"),
            "[5]");
}

TEST_F(rpc_server, a_held_call_times_out_while_other_calls_keep_flowing) {
  // A call that has not answered does not stall the connection: 200 calls
  // complete while it waits. Its caller gives up at the timeout.
  on_erl("register(held_caller, spawn(fun() -> R = erpc:call(" + node
         + ", t, held, [], 30000), receive {get, P} -> P ! {held, R} end "
           "end))");
  ASSERT_TRUE(eventually([&] { return held_count() == 1; }, 10s));
  EXPECT_EQ(on_erl("Me = self(), spawn(fun() -> Me ! lists:sum([erpc:call("
                   + node
                   + ", t, add, [I, 1]) || I <- lists:seq(1, 200)]) "
                     "end), receive S -> S after 20000 -> none end"),
            "20300");
  {
    std::lock_guard guard{mtx};
    held.front()(rpc::outcome::returned(etf::term{"released"_atom}));
    held.clear();
  }
  EXPECT_EQ(on_erl("held_caller ! {get, self()}, receive {held, R} -> R after "
                   "10000 -> none end"),
            "released");
  // A timeout: erpc's own error, then the late answer is dropped (the
  // caller demonitored): the next call's reply is the next thing seen.
  EXPECT_EQ(on_erl(exception_of("erpc:call(" + node + ", t, held, [], 200)")),
            "{error,{erpc,timeout}}");
  EXPECT_EQ(rpc_call("t, held, [], 200"), "{badrpc,timeout}");
  ASSERT_TRUE(eventually([&] { return held_count() == 2; }, 10s));
  {
    std::lock_guard guard{mtx};
    for (auto& done : held)
      done(rpc::outcome::returned(etf::term{"late"_atom}));
    held.clear();
  }
  EXPECT_EQ(on_erl("{erpc:call(" + node
                   + ", t, add, [1, 1]), process_info(self(), messages)}"),
            "{2,{messages,[]}}");
}

// -- a call whose caller has gone is dropped ----------------------------------

/// One CAF worker: while t:block/0 holds it, every call for the scheduler
/// that arrives is queued and none starts, so a test can make a caller give
/// up between "queued" and "started", and know it did.
class rpc_server_one_worker : public rpc_server {
protected:
  rpc_server_one_worker() {
    cfg_.set("scheduler.max-threads", 1);
  }

  /// Makes erl call t:block/0, and waits until it holds the only worker.
  bool occupy_worker() {
    on_erl("spawn(fun() -> erpc:call(" + node + ", t, block, [], 60000) end)");
    std::unique_lock guard{mtx};
    return blocking_cv.wait_for(guard, 10s, [this] { return blocking == 1; });
  }

  /// Whether t:block/0 still holds the worker.
  bool worker_held() {
    std::lock_guard guard{mtx};
    return blocking == 1 && !unblocked;
  }

  void release_worker() {
    {
      std::lock_guard guard{mtx};
      unblocked = true;
    }
    blocking_cv.notify_all();
  }

  /// The process that appears on the cafe node beyond `before` within 10 s
  /// (the task of a call that has arrived), if exactly one does.
  std::optional<etf::pid> new_process(const std::vector<etf::pid>& before) {
    std::vector<etf::pid> fresh;
    eventually(
      [&] {
        fresh.clear();
        for (auto& p : cafe->processes())
          if (std::find(before.begin(), before.end(), p) == before.end())
            fresh.push_back(p);
        return !fresh.empty();
      },
      10s);
    if (fresh.size() != 1)
      return std::nullopt;
    return fresh.front();
  }

  bool alive(const etf::pid& p) {
    auto ps = cafe->processes();
    return std::find(ps.begin(), ps.end(), p) != ps.end();
  }

  std::vector<etf::term> recorded_now() {
    std::lock_guard guard{mtx};
    return recorded;
  }

  /// Queues t:record(control) from erl behind the calls already queued,
  /// releases the worker, and checks that the control call ran and that
  /// `dropped` (queued earlier) has had its turn: its process ended. After
  /// this, `recorded` shows which function bodies ran.
  void run_control_behind(const etf::pid& dropped) {
    auto before = cafe->processes();
    a->post("erpc:call(" + node + ", t, record, [control], 60000)");
    auto control = new_process(before);
    ASSERT_TRUE(control) << "the control call never reached cafe";
    ASSERT_TRUE(worker_held());
    EXPECT_TRUE(recorded_now().empty()) << "a queued call started";
    release_worker();
    EXPECT_EQ(etf::to_string(a->result(20s)), "ok");
    // With one worker, jobs need not run in arrival order: wait for the
    // dropped call's turn (its task ends) before judging it.
    EXPECT_TRUE(eventually([&] { return !alive(dropped); }, 10s))
      << "the dropped call's task never ended";
  }
};

TEST_F(rpc_server_one_worker, a_call_whose_caller_demonitored_is_dropped) {
  // erpc:call gives up after 2 s while its call is queued behind t:block/0:
  // it demonitors, then tells cafe so over the same connection, after the
  // DEMONITOR (one connection, in order).
  auto marker = cafe->make_mailbox("cafe_marker");
  ASSERT_TRUE(occupy_worker());
  auto before = cafe->processes();
  a->post("try erpc:call(" + node
          + ", t, record, [dropped], 2000) catch error:E -> E after "
            "{cafe_marker, "
          + node + "} ! given_up end");
  auto queued = new_process(before);
  ASSERT_TRUE(queued) << "the call never reached cafe";
  EXPECT_TRUE(recorded_now().empty());
  EXPECT_EQ(etf::to_string(a->result(20s)), "{erpc,timeout}");
  auto m = marker->receive(10s);
  ASSERT_TRUE(m) << "no marker after the timeout";
  EXPECT_EQ(*m, etf::term{"given_up"_atom});
  // The race happened: the caller gave up, and cafe knows it, while the
  // call was queued and not started (the only worker is still held), and
  // its process is alive: nothing but the monitor's absence can drop it (an
  // abandoned spawn would have ended it with an exit signal).
  ASSERT_TRUE(worker_held());
  EXPECT_TRUE(recorded_now().empty());
  ASSERT_TRUE(alive(*queued)) << "the task ended before its turn";
  run_control_behind(*queued);
  EXPECT_EQ(recorded_now(), std::vector<etf::term>{etf::term{"control"_atom}})
    << "the body of a call whose caller had gone ran";
}

TEST_F(rpc_server_one_worker, a_call_whose_callers_node_went_down_is_dropped) {
  // The caller's node is SIGKILLed while its call is queued behind
  // t:block/0: noconnection.
  struct downs_seen {
    std::mutex mtx;
    std::condition_variable cv;
    std::vector<etf::atom> nodes;
  };
  auto downs = std::make_shared<downs_seen>();
  cafe->monitor_nodes([downs](etf::atom n, bool up) {
    if (up)
      return;
    std::lock_guard guard{downs->mtx};
    downs->nodes.push_back(n);
    downs->cv.notify_all();
  });
  auto b = start_erl("b");
  auto b_name = b->name();
  ASSERT_TRUE(occupy_worker());
  auto before = cafe->processes();
  b->post("erpc:call(" + node + ", t, record, [dropped], 60000)");
  auto queued = new_process(before);
  ASSERT_TRUE(queued) << "the call never reached cafe";
  EXPECT_TRUE(recorded_now().empty());
  b->kill();
  {
    // monitor_nodes reports a node down after its links and monitors
    // have been dropped.
    std::unique_lock guard{downs->mtx};
    ASSERT_TRUE(downs->cv.wait_for(
      guard, 10s, [&] { return contains(downs->nodes, b_name); }))
      << "cafe never saw b go down";
  }
  // The race happened: cafe lost the caller while the call was queued and
  // not started; its process is alive (erpc does not link), so only the
  // monitor's absence can drop it.
  ASSERT_TRUE(worker_held());
  EXPECT_TRUE(recorded_now().empty());
  ASSERT_TRUE(alive(*queued)) << "the task ended before its turn";
  run_control_behind(*queued);
  EXPECT_EQ(recorded_now(), std::vector<etf::term>{etf::term{"control"_atom}})
    << "the body of a call whose caller had gone ran";
}

TEST_F(rpc_server, casts_run) {
  EXPECT_EQ(on_erl("erpc:cast(" + node + ", t, record, [first])"), "ok");
  EXPECT_EQ(on_erl("rpc:cast(" + node + ", t, record, [second])"), "true");
  std::unique_lock guard{mtx};
  ASSERT_TRUE(
    recorded_cv.wait_for(guard, 10s, [&] { return recorded.size() == 2; }));
  // Each cast runs in a process of its own, so in any order (as on BEAM).
  EXPECT_TRUE(std::is_permutation(
    recorded.begin(), recorded.end(),
    std::vector<etf::term>{etf::term{"first"_atom}, etf::term{"second"_atom}}
      .begin()));
}

TEST_F(rpc_server, spawn_of_a_spawnable_actor_honours_link_and_monitor) {
  // spawn_monitor/4: a CAF actor answers as a process; its exit reason
  // reaches the monitor.
  EXPECT_EQ(on_erl("{P, R} = spawn_monitor(" + node
                   + ", t, pinger, []), P ! {self(), ping}, "
                     "Pong = receive {P, pong} -> pong after 5000 -> none end, "
                     "P ! {exit, boom}, "
                     "Down = receive {'DOWN', R, process, P, Why} -> Why "
                     "after 5000 -> none end, {node(P), Pong, Down}"),
            "{'cafe@127.0.0.1',pong,boom}");
  // spawn_link/4 from a process that traps exits.
  EXPECT_EQ(on_erl("Me = self(), spawn(fun() -> process_flag(trap_exit, true), "
                   "P = spawn_link("
                   + node
                   + ", t, pinger, []), "
                     "P ! {exit, linked_boom}, "
                     "Me ! receive {'EXIT', P, Why} -> Why after 5000 -> none "
                     "end end), receive X -> X after 10000 -> none end"),
            "linked_boom");
  // spawn_request/5 with a reply.
  EXPECT_EQ(on_erl("Req = spawn_request(" + node
                   + ", t, pinger, [], [monitor]), receive {spawn_reply, Req, "
                     "ok, P} -> P ! {exit, normal}, receive {'DOWN', Req, "
                     "process, P, Why} -> {ok, Why} after 5000 -> none end "
                     "after 5000 -> none end"),
            "{ok,normal}");
}

TEST_F(rpc_server,
       spawn_of_a_function_unknown_function_or_fun_ends_as_on_beam) {
  auto down_of = [&](const std::string& spawn) {
    return on_erl("{P, R} = " + spawn
                  + ", receive {'DOWN', R, process, P, Why} -> Why after 5000 "
                    "-> none end");
  };
  // A function as the initial call: normal on return.
  EXPECT_EQ(down_of("spawn_monitor(" + node + ", t, add, [1, 2])"), "normal");
  EXPECT_EQ(down_of("spawn_monitor(" + node + ", t, error, [boom])"),
            "{boom,[{t,error,1,[]}]}");
  // The spawn succeeds and the process ends with undef, as on a BEAM node
  // without the module.
  EXPECT_EQ(down_of("spawn_monitor(" + node + ", nomod, nofun, [1])"),
            "{undef,[{nomod,nofun,[1],[]}]}");
  // A fun cannot run on a C++ node: it ends as on a BEAM node where the
  // fun's module is not loaded, `{undef, [{Fun, Args, []}]}`, and so does
  // erpc:call(Node, Fun) (`erlang:apply(Fun, [])`).
  EXPECT_EQ(on_erl("{P, R} = spawn_monitor(" + node
                   + ", fun() -> ok end), receive {'DOWN', R, process, P, "
                     "{undef, [{F, [], []}]}} -> is_function(F) after 5000 -> "
                     "none end"),
            "true");
  EXPECT_EQ(on_erl("case "
                   + exception_of("erpc:call(" + node + ", fun() -> ok end)")
                   + " of {error, {exception, undef, [{F, [], []}, {erlang, "
                     "apply, 2, []}]}} -> is_function(F); X -> X end"),
            "true");
  // An export fun names a function: it runs.
  EXPECT_EQ(on_erl("erpc:call(" + node
                   + ", erlang, apply, [fun t:add/2, [1, "
                     "2]])"),
            "3");
}

TEST_F(rpc_server, rex_answers_erl_call_style_requests) {
  EXPECT_EQ(on_erl("{rex, " + node
                   + "} ! {self(), {call, t, add, [2, 3], user}}, receive "
                     "{rex, R} -> R after 5000 -> none end"),
            "5");
  EXPECT_EQ(on_erl("{rex, " + node
                   + "} ! {self(), {call, t, error, [x], user}}, receive "
                     "{rex, R} -> R after 5000 -> none end"),
            "{badrpc,{'EXIT',{x,[{t,error,1,[]}]}}}");
  EXPECT_EQ(on_erl("gen_server:call({rex, " + node
                   + "}, {call, t, add, [1, 1], user})"),
            "2");
  EXPECT_EQ(on_erl("{rex, " + node
                   + "} ! {self(), features_request}, receive "
                     "{features_reply, N, F} -> {N, F} after 5000 -> none end"),
            "{'cafe@127.0.0.1',[erpc]}");
  EXPECT_EQ(on_erl("gen_server:cast({rex, " + node
                   + "}, {cast, t, record, [cast], user})"),
            "ok");
  std::unique_lock guard{mtx};
  ASSERT_TRUE(
    recorded_cv.wait_for(guard, 10s, [&] { return recorded.size() == 1; }));
  EXPECT_EQ(recorded[0], etf::term{"cast"_atom});
}

TEST_F(rpc_server, builtins_answer_from_the_cafe_nodes_view) {
  EXPECT_EQ(rpc_call("erlang, node, []"), "'cafe@127.0.0.1'");
  EXPECT_EQ(rpc_call("erlang, nodes, []"), "['a@127.0.0.1']");
  EXPECT_EQ(rpc_call("erlang, nodes, [this]"), "['cafe@127.0.0.1']");
  EXPECT_EQ(rpc_call("erlang, nodes, [[this, visible]]"),
            "['cafe@127.0.0.1','a@127.0.0.1']");
  EXPECT_EQ(
    on_erl("lists:sort(rpc:call(" + node + ", erlang, registered, []))"),
    "[net_kernel,rex]");
  EXPECT_EQ(on_erl("is_pid(rpc:call(" + node + ", erlang, whereis, [rex]))"),
            "true");
  EXPECT_EQ(rpc_call("erlang, whereis, [nobody]"), "undefined");
  EXPECT_EQ(on_erl("P = rpc:call(" + node
                   + ", erlang, whereis, [rex]), {rpc:call(" + node
                   + ", erlang, is_process_alive, [P]), lists:member(P, "
                     "rpc:call("
                   + node + ", erlang, processes, []))}"),
            "{true,true}");
  EXPECT_EQ(rpc_call("erlang, system_info, [otp_release]"), "\"25\"");
  EXPECT_EQ(on_erl("is_integer(rpc:call(" + node
                   + ", erlang, system_info, [process_count]))"),
            "true");
  EXPECT_EQ(rpc_call("erlang, system_info, [nonsense]"),
            "{badrpc,{'EXIT',{badarg,[{erlang,system_info,[nonsense],[]}]}}}");
  EXPECT_EQ(
    on_erl("{W1, _} = rpc:call(" + node
           + ", erlang, statistics, [wall_clock]), {W2, _} = "
             "rpc:call("
           + node
           + ", erlang, statistics, [wall_clock]), {R, _} = "
             "rpc:call("
           + node
           + ", erlang, statistics, [runtime]), W2 >= W1 andalso R >= 0"),
    "true");
  auto b = start_erl("b");
  EXPECT_EQ(rpc_call("net_adm, ping, ['b@127.0.0.1']"), "pong");
  EXPECT_EQ(rpc_call("net_adm, ping, ['nobody@127.0.0.1']"), "pang");
  EXPECT_EQ(rpc_call("net_kernel, connect_node, ['b@127.0.0.1']"), "true");
  EXPECT_TRUE(contains(cafe->nodes(), b->name()));
  // halt never answers (the node goes away); init:stop answers ok first.
  EXPECT_EQ(rpc_call("init, stop, []"), "ok");
  EXPECT_EQ(rpc_call("erlang, halt, [3], 500"), "{badrpc,timeout}");
  std::lock_guard guard{mtx};
  EXPECT_EQ(halts, (std::vector<int>{0, 3}));
}

} // namespace
} // namespace cafe::test
