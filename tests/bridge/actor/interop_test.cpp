// Messages and calls between CAF actors and real erl processes through the
// bridge: by registered name and by pid, both ways, gen_server:call into an
// actor, CAF requests to a gen_server, and messages that fit no handler.
// Each erl-side reply is taken by a fresh erl process (interop_peer) and
// compared with an exact term.

#include "bridge_interop_fixture.hpp"
#include "cafe/etf/match.hpp"

#include <caf/actor_cast.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>
#include <cstdint>
#include <limits>
#include <set>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

/// Answers `{chat, Room, User, Text}` to its sender with
/// `{chat, Room, <<"cafe">>, <<"re: Text from User">>}`.
caf::behavior chat_room(caf::event_based_actor* self) {
  return {
    [=](chat_atom, std::string room, std::string user, std::string text) {
      auto from = caf::actor_cast<caf::actor>(self->current_sender());
      self->send(from, chat_atom::value, std::move(room), std::string{"cafe"},
                 "re: " + text + " from " + user);
    },
  };
}

/// `{From, ping}` -> From ! {pong, Self}.
caf::behavior pinger(caf::event_based_actor* self) {
  return {
    [=](const caf::actor& from, caf::ping_atom) {
      self->send(from, caf::pong_atom::value,
                 caf::actor_cast<caf::actor>(self));
    },
  };
}

/// A counter to gen_server:call: `incr`, `{add, N}` and `get` answer the
/// count, `reset` answers nothing (void), `{'div', N}` the quotient or, for
/// 0, the error `{badarith, Count}`.
caf::behavior counter(caf::event_based_actor*) {
  auto n = std::make_shared<int64_t>(0);
  return {
    [=](incr_atom) { return ++*n; },
    [=](caf::add_atom, int64_t x) { return *n += x; },
    [=](caf::get_atom) { return *n; },
    [=](caf::reset_atom) { *n = 0; },
    [=](caf::div_atom, int64_t x) -> caf::result<int64_t> {
      if (x == 0)
        return actor::to_error(etf::make_tuple("badarith"_atom, *n));
      return *n / x;
    },
  };
}

class interop : public actor_interop {
protected:
  void SetUp() override {
    actor_interop::SetUp();
    a = start_peer("a");
    node = quoted(cafe->name());
  }

  void TearDown() override {
    a.reset();
    actor_interop::TearDown();
  }

  /// `interop_peer:exchange(fun(S) -> Body end, 5000)`: what a fresh erl
  /// process `S` receives after doing `body`.
  etf::term exchange(const std::string& body,
                     std::chrono::milliseconds timeout = 5s) {
    return a->eval("interop_peer:exchange(fun(S) -> " + body + " end, "
                     + std::to_string(timeout.count()) + ")",
                   timeout + 5s);
  }

  /// The first `n` messages a fresh erl process receives after `body`,
  /// `timeout` in place of each one missing.
  etf::term exchange(const std::string& body, size_t n,
                     std::chrono::milliseconds timeout) {
    return a->eval("interop_peer:exchange(fun(S) -> " + body + " end, "
                     + std::to_string(n) + ", "
                     + std::to_string(timeout.count()) + ")",
                   n * timeout + 5s);
  }

  /// The next message the erl collector `inbox` holds equals the Erlang
  /// literal `expected` (compared by erl, =:=).
  void expect_in_inbox(const std::string& expected) {
    auto res
      = a->eval("X = cafe_peer:take(inbox, 5000), {X =:= " + expected + ", X}");
    etf::term got;
    ASSERT_TRUE(etf::match(res, true, &got))
      << "expected " << expected << ", erl got " << etf::to_string(res);
  }

  std::unique_ptr<erl_node> a;
  /// The cafe node as an Erlang literal.
  std::string node;
};

TEST_F(interop, an_actor_with_a_pid_outlives_its_last_handle) {
  // CAF ends an actor nothing refers to as `unreachable`; one that has a
  // pid is reachable from Erlang, so it lives on like an Erlang process.
  etf::pid pid;
  caf::actor_addr addr;
  {
    auto p = sys->spawn(pinger);
    pid = br->pid_of(p);
    addr = p.address();
  }
  // No C++ handle is left, only the pid.
  auto reply = exchange(erl_literal(pid) + " ! {S, ping}");
  EXPECT_EQ(reply, etf::make_tuple("pong"_atom, pid)) << etf::to_string(reply);
  // Still the same live actor, and still there for the next message.
  EXPECT_TRUE(caf::actor_cast<caf::actor>(addr));
  reply = exchange(erl_literal(pid) + " ! {S, ping}");
  EXPECT_EQ(reply, etf::make_tuple("pong"_atom, pid)) << etf::to_string(reply);
}

TEST_F(interop, erl_sends_to_an_actor_by_registered_name) {
  auto room = keep(sys->spawn(chat_room));
  ASSERT_TRUE(br->register_name("chat_room"_atom, room));
  // A name is taken once, on the node itself.
  auto other = keep(sys->spawn(chat_room));
  EXPECT_FALSE(br->register_name("chat_room"_atom, other));
  EXPECT_EQ(cafe->whereis("chat_room"_atom), br->pid_of(room));
  auto reply = exchange("{chat_room, " + node
                        + "} ! {chat, <<\"lobby\">>, <<\"bob\">>, <<\"hi\">>}");
  EXPECT_EQ(reply, etf::make_tuple("chat"_atom, "lobby"_bin, "cafe"_bin,
                                   "re: hi from bob"_bin))
    << etf::to_string(reply);
  // A charlist is a list, not a std::string, in a dynamic message (only
  // from_term<std::string> takes charlists): no handler matches, CAF's
  // unexpected-message path drops it, and no answer comes back.
  reply = exchange(
    "{chat_room, " + node + "} ! {chat, \"hall\", \"eve\", \"yo\"}", 500ms);
  EXPECT_EQ(reply, etf::term{"timeout"_atom}) << etf::to_string(reply);
  // The name goes with the actor.
  caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
  EXPECT_TRUE(eventually(
    [&] { return !cafe->whereis("chat_room"_atom).has_value(); }, 5s));
  EXPECT_EQ(exchange("{chat_room, " + node
                       + "} ! {chat, <<\"x\">>, <<\"y\">>, <<\"z\">>}",
                     500ms),
            etf::term{"timeout"_atom});
  // ... and is free for another actor.
  EXPECT_TRUE(br->register_name("chat_room"_atom, other));
  reply = exchange("{chat_room, " + node
                   + "} ! {chat, <<\"l\">>, <<\"u\">>, <<\"t\">>}");
  EXPECT_EQ(reply, etf::make_tuple("chat"_atom, "l"_bin, "cafe"_bin,
                                   "re: t from u"_bin))
    << etf::to_string(reply);
}

TEST_F(interop, erl_sends_to_an_actor_by_pid) {
  auto p = keep(sys->spawn(pinger));
  auto pid = br->pid_of(p);
  EXPECT_EQ(pid.node, cafe->name());
  EXPECT_EQ(br->pid_of(p), pid); // one pid an actor
  EXPECT_EQ(br->actor_of(pid), p);
  auto reply = exchange(erl_literal(pid) + " ! {S, ping}");
  EXPECT_EQ(reply, etf::make_tuple("pong"_atom, pid)) << etf::to_string(reply);
  // The pid is a plain Erlang pid there: is_pid, node/1.
  EXPECT_EQ(a->eval("P = " + erl_literal(pid) + ", {is_pid(P), node(P)}"),
            etf::make_tuple(true, cafe->name()));
  EXPECT_EQ(br->process_count(), 1u);
}

TEST_F(interop, actor_sends_to_erl_by_pid_and_by_name) {
  auto inbox = a->eval("cafe_peer:start_collector(inbox)");
  ASSERT_TRUE(inbox.is<etf::pid>()) << etf::to_string(inbox);
  auto proxy = br->actor_of(inbox.get<etf::pid>());
  ASSERT_TRUE(proxy);
  EXPECT_EQ(br->actor_of(inbox.get<etf::pid>()), proxy); // one proxy a pid
  caf::scoped_actor self{*sys};
  // Several elements: a tuple, each element by its type.
  self->send(proxy, chat_atom::value, std::string{"lobby"}, int64_t{-7},
             std::numeric_limits<uint64_t>::max(), 2.5, true,
             etf::make_tuple("nested"_atom, etf::make_list(1, 2),
                             etf::make_map({{"k"_atom, "v"_atom}})),
             std::vector<std::string>{"a", "b", ""});
  expect_in_inbox("{chat, <<\"lobby\">>, -7, 18446744073709551615, 2.5, true, "
                  "{nested, [1, 2], #{k => v}}, [<<\"a\">>, <<\"b\">>, <<>>]}");
  // One element: the term itself.
  self->send(proxy, std::string{"solo"});
  expect_in_inbox("<<\"solo\">>");
  // An actor handle becomes its pid.
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->send(proxy, caf::ping_atom::value, me);
  expect_in_inbox("{ping, " + erl_literal(br->pid_of(me)) + "}");
  // A proxy inside a message is its Erlang pid again.
  auto other = a->eval("spawn(fun() -> receive _ -> ok end end)");
  ASSERT_TRUE(other.is<etf::pid>());
  self->send(proxy, caf::ping_atom::value, br->actor_of(other.get<etf::pid>()));
  expect_in_inbox("{ping, " + erl_literal(other) + "}");
  // By registered name, through a proxy of its own.
  auto named = br->remote("inbox"_atom, a->name());
  ASSERT_TRUE(named);
  EXPECT_NE(named, proxy);
  self->send(named, std::vector<int64_t>{3, 2, 1});
  expect_in_inbox("[3, 2, 1]");
  self->send(named, std::map<std::string, int64_t>{{"x", 1}});
  expect_in_inbox("#{<<\"x\">> => 1}");
  EXPECT_EQ(br->proxy_count(), 2u); // the one for `other` went with its message
}

TEST_F(interop, erl_gen_server_call_into_an_actor) {
  auto c = keep(sys->spawn(counter));
  ASSERT_TRUE(br->register_name("counter"_atom, c));
  auto call = [&](const std::string& dest, const std::string& req) {
    return a->eval("catch gen_server:call(" + dest + ", " + req + ", 3000)",
                   10s);
  };
  auto by_name = "{counter, " + node + "}";
  EXPECT_EQ(call(by_name, "incr"), etf::term{1});
  EXPECT_EQ(call(by_name, "incr"), etf::term{2});
  EXPECT_EQ(call(by_name, "{add, 40}"), etf::term{42});
  EXPECT_EQ(call(by_name, "get"), etf::term{42});
  // A handler without a result answers ok.
  EXPECT_EQ(call(by_name, "reset"), etf::term{"ok"_atom});
  // A handler's error is {error, Reason}.
  EXPECT_EQ(call(by_name, "{'div', 0}"),
            etf::make_tuple("error"_atom, etf::make_tuple("badarith"_atom, 0)));
  // By pid.
  EXPECT_EQ(call(erl_literal(br->pid_of(c)), "incr"), etf::term{1});
  // A request no handler takes: CAF's default handler answers
  // sec::unexpected_message, which comes back as {error, Reason}.
  auto res = call(by_name, "bogus");
  EXPECT_EQ(res, etf::make_tuple("error"_atom,
                                 etf::make_tuple("system"_atom,
                                                 "unexpected_message"_atom)))
    << etf::to_string(res);
  // The actor lives on.
  EXPECT_EQ(call(by_name, "incr"), etf::term{2});
  // Ten callers at once: ten distinct answers.
  res = a->eval("Self = self(), N = " + node
                  + ", [spawn(fun() -> Self ! {call, gen_server:call({counter, "
                    "N}, {add, 1}, 3000)} end) || _ <- lists:seq(1, 10)], "
                    "lists:sort([receive {call, R} -> R after 5000 -> timeout "
                    "end || _ <- lists:seq(1, 10)])",
                10s);
  std::vector<etf::term> expected;
  for (int64_t i = 3; i <= 12; ++i)
    expected.emplace_back(i);
  EXPECT_EQ(res, etf::term{etf::list{expected}}) << etf::to_string(res);
  EXPECT_EQ(call(by_name, "get"), etf::term{12});
}

TEST_F(interop, actor_requests_to_an_erl_gen_server) {
  auto started = a->eval("interop_peer:start_store(store, 17)");
  etf::pid server;
  ASSERT_TRUE(etf::match(started, "ok"_atom, &server))
    << etf::to_string(started);
  caf::scoped_actor self{*sys};
  auto by_pid = br->actor_of(server);
  int64_t n = 0;
  self->request(by_pid, 5s, caf::get_atom::value)
    .receive([&](int64_t x) { n = x; },
             [&](caf::error& err) {
               ADD_FAILURE() << "get failed: " << sys->render(err);
             });
  EXPECT_EQ(n, 17);
  // By name: {put, <<"x">>} answers ok, then get answers the binary.
  auto by_name = br->remote("store"_atom, a->name());
  bool put = false;
  self->request(by_name, 5s, caf::put_atom::value, std::string{"x"})
    .receive([&](caf::ok_atom) { put = true; },
             [&](caf::error& err) {
               ADD_FAILURE() << "put failed: " << sys->render(err);
             });
  EXPECT_TRUE(put);
  std::string text;
  self->request(by_name, 5s, caf::get_atom::value)
    .receive([&](std::string& x) { text = x; },
             [&](caf::error& err) {
               ADD_FAILURE() << "get failed: " << sys->render(err);
             });
  EXPECT_EQ(text, "x");
  // A reply that is a tuple: a message of its elements.
  self
    ->request(by_name, 5s, caf::put_atom::value,
              etf::make_tuple("pair"_atom, 99))
    .receive([](caf::ok_atom) {},
             [&](caf::error& err) {
               ADD_FAILURE() << "put failed: " << sys->render(err);
             });
  self->request(by_pid, 5s, caf::get_atom::value)
    .receive(
      [&](caf::atom_value tag, int64_t x) {
        EXPECT_EQ(tag, caf::atom("pair"));
        n = x;
      },
      [&](caf::error& err) {
        ADD_FAILURE() << "get failed: " << sys->render(err);
      });
  EXPECT_EQ(n, 99);
}

TEST_F(interop, actor_request_fails_with_the_callee_down_reason) {
  caf::scoped_actor self{*sys};
  // What the call failed with, as the Erlang DOWN reason, and how fast.
  auto failure = [&](const caf::actor& callee) {
    etf::term reason;
    auto start = clock::now();
    self->request(callee, 20s, caf::get_atom::value)
      .receive([&](const caf::message&) { ADD_FAILURE() << "a reply"; },
               [&](caf::error& err) {
                 if (auto t = actor::erlang_term_of(err))
                   reason = *t;
                 else
                   ADD_FAILURE() << "not a DOWN reason: " << sys->render(err);
               });
    EXPECT_LT(clock::now() - start, 5s) << "waited for the timeout";
    return reason;
  };
  // No such name: noproc at once, like gen_server:call.
  EXPECT_EQ(failure(br->remote("nobody"_atom, a->name())),
            etf::term{"noproc"_atom});
  // A callee that takes the call and dies without a reply.
  auto doomed = a->eval("spawn(fun() -> receive _ -> exit(boom) end end)");
  ASSERT_TRUE(doomed.is<etf::pid>());
  EXPECT_EQ(failure(br->actor_of(doomed.get<etf::pid>())),
            etf::term{"boom"_atom});
  // A dead pid: noproc.
  EXPECT_EQ(failure(br->actor_of(doomed.get<etf::pid>())),
            etf::term{"noproc"_atom});
}

TEST_F(interop, unexpected_messages_leave_node_and_actor_working) {
  auto room = keep(sys->spawn(chat_room));
  ASSERT_TRUE(br->register_name("chat_room"_atom, room));
  auto pid = br->pid_of(room);
  // Shapes no handler takes: wrong arity, wrong element types, a map, an
  // improper list, a bignum, a pid; then a good one. Each bad one takes
  // CAF's unexpected-message path: logged and dropped; the error CAF
  // answers with is not sent to the erl sender.
  auto replies = exchange(
    "D = {chat_room, " + node
      + "}, D ! {chat, <<\"lobby\">>}, D ! {chat, 1, 2, 3}, D ! #{a => 1}, "
        "D ! [1 | 2], D ! 1 bsl 100, D ! {chat, <<\"l\">>, <<\"u\">>, "
        "<<\"t\">>, extra}, D ! S, D ! {chat, <<\"l\">>, <<\"u\">>, "
        "<<\"ok\">>}",
    2, 1000ms);
  EXPECT_EQ(replies,
            etf::make_list(etf::make_tuple("chat"_atom, "l"_bin, "cafe"_bin,
                                           "re: ok from u"_bin),
                           "timeout"_atom))
    << etf::to_string(replies);
  EXPECT_EQ(br->pid_of(room), pid); // the same process, still alive
  EXPECT_EQ(cafe->whereis("chat_room"_atom), pid);
  // CAF -> erl: a message with no Erlang mapping is not sent; a request
  // with one is answered with an error; what follows is sent as usual.
  auto inbox = a->eval("cafe_peer:start_collector(inbox)");
  ASSERT_TRUE(inbox.is<etf::pid>());
  auto proxy = br->actor_of(inbox.get<etf::pid>());
  caf::scoped_actor self{*sys};
  self->send(proxy, std::set<int32_t>{1, 2});
  std::optional<caf::error> err;
  self->request(proxy, 5s, std::set<int32_t>{3})
    .receive([](caf::ok_atom) {}, [&](caf::error& x) { err = x; });
  ASSERT_TRUE(err);
  EXPECT_EQ(*err, caf::sec::unexpected_message) << sys->render(*err);
  self->send(proxy, std::string{"after"});
  expect_in_inbox("<<\"after\">>");
  EXPECT_EQ(a->eval("cafe_peer:take(inbox, 200)"), etf::term{"timeout"_atom});
  // The node still answers erl.
  EXPECT_EQ(a->eval("net_adm:ping(" + node + ")"), etf::term{"pong"_atom});
}

TEST_F(interop, actor_requests_a_local_actor_by_name) {
  // A name proxy may name a process of this node: the request travels as a
  // gen_server call through the node and back.
  auto c = keep(sys->spawn(counter));
  ASSERT_TRUE(br->register_name("counter"_atom, c));
  auto named = br->remote("counter"_atom, cafe->name());
  caf::scoped_actor self{*sys};
  int64_t n = 0;
  self->request(named, 5s, incr_atom::value)
    .receive([&](int64_t x) { n = x; },
             [&](caf::error& err) {
               ADD_FAILURE() << "incr failed: " << sys->render(err);
             });
  EXPECT_EQ(n, 1);
  // A plain send by name arrives as well.
  self->send(named, caf::add_atom::value, int64_t{41});
  self->request(c, 5s, caf::get_atom::value)
    .receive([&](int64_t x) { n = x; },
             [&](caf::error& err) {
               ADD_FAILURE() << "get failed: " << sys->render(err);
             });
  EXPECT_EQ(n, 42);
}

/// Raw delivery: every message is one etf::term. `{From, X}` answers X,
/// anything else `{raw, Term}`; as in CAF, the result of a handler for a
/// plain send goes back to the sender as a message.
caf::behavior raw_echo(caf::event_based_actor*) {
  return {
    [=](const etf::term& x) {
      etf::term what;
      if (etf::match(x, etf::_, &what))
        return what;
      return etf::make_tuple("raw"_atom, x);
    },
  };
}

TEST_F(interop, raw_delivery_hands_over_the_term) {
  auto r = keep(sys->spawn(raw_echo));
  ASSERT_TRUE(br->register_name("raw"_atom, r, actor::delivery::raw));
  // A tuple that typed delivery would split, with a charlist and a map.
  auto reply = exchange("{raw, " + node + "} ! {S, {\"abc\", #{k => [1]}}}");
  EXPECT_EQ(reply,
            etf::make_tuple(etf::make_list(97, 98, 99),
                            etf::make_map({{"k"_atom, etf::make_list(1)}})))
    << etf::to_string(reply);
  // A call: the request is the term, the reply the handler's term.
  EXPECT_EQ(
    a->eval("gen_server:call({raw, " + node + "}, {any, <<\"x\">>, 1})"),
    etf::make_tuple("raw"_atom, etf::make_tuple("any"_atom, "x"_bin, 1)));
}

} // namespace
