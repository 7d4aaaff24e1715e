// cafe-node's process groups and pubsub as real peers see them: an erl node
// running pg's default scope (`-kernel start_pg true`) finds the echo,
// counter and kv actors in the groups of their names and reaches them
// through those members; pg's API served over rpc answers like erl's own
// view; an Elixir node running the Phoenix.PubSub test double
// (tests/support/phoenix_pubsub) shares cafe-node's pubsub, sees kv's
// changes on topic "kv" and drives kv through "kv:commands", with the
// default name and pool size and with --pubsub / --pubsub-pool-size; and
// when cafe-node is SIGKILLed, the peers' scopes survive and drop its
// members. And global: `global:sync()` returns on erl and Elixir with
// cafe-node connected, echo and counter are `{echo, Node}` and
// `{counter, Node}` there (a gen_server call from erl, a GenServer.call
// from Elixir), names registered on erl are known to cafe-node over rpc,
// and cafe-node's names vanish when it is killed. Every node has a long name on
// 127.0.0.1; the fixture's in-process node runs the test's private EPMD, which
// cafe-node, erl and elixir all use.

#include "cafe/etf/compare.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/parse.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/test/process.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <sys/wait.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

/// cafe-node's name in every test.
const etf::atom cafe_node_name{"cafe@127.0.0.1"};

/// `text` (Erlang syntax, no pids) as a term; throws on a typo, which fails
/// the test with the text.
etf::term erl_term(std::string_view text) {
  auto x = etf::parse(text);
  if (!x)
    throw std::runtime_error("bad term literal: " + std::string{text});
  return *x;
}

/// `xs` sorted in Erlang's term order.
etf::term sorted(etf::term xs) {
  if (auto l = xs.get_if<etf::list>())
    std::sort(l->elements.begin(), l->elements.end(),
              [](auto& x, auto& y) { return etf::compare(x, y) < 0; });
  return xs;
}

class cafe_node_groups : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    // Runs the EPMD everyone registers with; named so that cafe-node can
    // be `cafe@127.0.0.1`.
    epmd_holder = start_cafe([](node::config& cfg) {
      cfg.name = std::string{node_name("holder").text()};
    });
  }

  /// cafe-node as `cafe@127.0.0.1` with the extra `args`, returning once it
  /// is up.
  std::unique_ptr<child_process>
  start_cafe_node(std::vector<std::string> args = {}) {
    spawn_options so;
    so.program = binary_dir() / "apps" / "cafe-node";
    so.args = {"--name",      std::string{cafe_node_name.text()},
               "--cookie",    cookie_,
               "--epmd-port", std::to_string(epmd_port_),
               "--listen",    "127.0.0.1"};
    so.args.insert(so.args.end(), args.begin(), args.end());
    so.env = {{"ERL_EPMD_ADDRESS", "127.0.0.1"}};
    so.pipe_stdout = true;
    auto child = std::make_unique<child_process>(so);
    auto up = "cafe node " + std::string{cafe_node_name.text()} + " up";
    auto out = read_until(*child, up, 15s);
    if (out.find(up) == std::string::npos)
      throw std::runtime_error("cafe-node did not come up: " + out);
    return child;
  }

  /// An erl node running pg's default scope, connected to cafe-node.
  std::unique_ptr<erl_node> start_erl_pg(std::string name) {
    auto node = start_erl(std::move(name), [](erl_options& o) {
      o.extra_args = {"-kernel", "start_pg", "true"};
    });
    connect(*node);
    return node;
  }

  /// An Elixir node running the Phoenix.PubSub test double with `pubsub`
  /// and `pool_size`, connected to cafe-node.
  std::unique_ptr<erl_node>
  start_elixir(std::string name, const std::string& pubsub, size_t pool_size) {
    auto node = start_erl(std::move(name), [&](erl_options& o) {
      o.command = elixir_pubsub_peer(o, pubsub, pool_size);
    });
    connect(*node);
    return node;
  }

  static void connect(erl_node& peer) {
    ASSERT_EQ(peer.eval("net_adm:ping(" + quoted(cafe_node_name) + ")"),
              etf::term{"pong"_atom})
      << peer.name().text() << " cannot reach cafe-node";
  }

  /// `erpc:call(Cafe, M, F, A)` as an Erlang expression.
  static std::string on_cafe(std::string_view mfa) {
    return "erpc:call(" + quoted(cafe_node_name) + ", " + std::string{mfa}
           + ")";
  }

  /// Polls `expr` on `peer` until it evaluates to `want`.
  static ::testing::AssertionResult
  eval_until(erl_node& peer, const std::string& expr, const etf::term& want,
             std::chrono::milliseconds timeout = 15s) {
    etf::term last;
    if (eventually(
          [&] {
            last = peer.eval(expr);
            return last == want;
          },
          timeout, 50ms))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << peer.name().text() << ": " << expr << "\n  is   "
           << etf::to_string(last) << "\n  want " << etf::to_string(want)
           << "\n  (after " << timeout.count() << " ms)";
  }

  /// Waits until the pubsub `pubsub`'s group `group` has exactly one
  /// member on each of cafe-node and `ex`, registered there under the
  /// group's name, in the views of both nodes; returns cafe-node's worker.
  etf::term wait_for_workers(erl_node& ex, const std::string& pubsub,
                             const std::string& group) {
    auto g = "'Elixir." + pubsub + "." + group + "'";
    auto cafe_worker = ex.eval(on_cafe("erlang, whereis, [" + g + "]"));
    EXPECT_TRUE(cafe_worker.is<etf::pid>())
      << "no worker " << g << " on cafe-node: " << etf::to_string(cafe_worker);
    if (!cafe_worker.is<etf::pid>())
      return cafe_worker;
    EXPECT_EQ(cafe_worker.get<etf::pid>().node, cafe_node_name);
    auto ex_worker = ex.eval("whereis(" + g + ")");
    EXPECT_TRUE(ex_worker.is<etf::pid>()) << etf::to_string(ex_worker);
    auto both = sorted(etf::list{{cafe_worker, ex_worker}});
    // Elixir's view, then cafe-node's (pg over rpc).
    EXPECT_TRUE(eval_until(
      ex, "lists:sort(pg:get_members('Elixir.Phoenix.PubSub', " + g + "))",
      both));
    EXPECT_TRUE(eval_until(ex,
                           "lists:sort("
                             + on_cafe("pg, get_members, "
                                       "['Elixir.Phoenix.PubSub', "
                                       + g + "]")
                             + ")",
                           both));
    return cafe_worker;
  }

  /// kv and the Elixir node `ex` through the pubsub `pubsub`: kv's changes
  /// reach a subscriber of "kv" there, and commands broadcast there on
  /// "kv:commands" change kv. Every expected message is the next one the
  /// subscriber holds, so none arrives twice or out of order.
  void check_kv_flow(erl_node& ex, const std::string& pubsub) {
    auto cafe = quoted(cafe_node_name);
    auto kv = "{kv, " + cafe + "}";
    auto next = "'Elixir.PhxPeer':next(sub, 10000)";
    ASSERT_EQ(
      ex.eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"kv\">>]), ok"),
      etf::term{"ok"_atom});
    // Changes made by calls.
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", {put, a, 1})"),
              etf::term{"ok"_atom});
    EXPECT_EQ(ex.eval(next, 15s), erl_term("{kv_put, a, 1}"));
    // A get changes nothing and publishes nothing: the delete's event is
    // the next message.
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", {get, a})"),
              erl_term("{ok, 1}"));
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", {delete, a})"),
              etf::term{"ok"_atom});
    EXPECT_EQ(ex.eval(next, 15s), erl_term("{kv_delete, a}"));
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", {get, a})"),
              etf::term{"not_found"_atom});
    // Commands broadcast from Elixir.
    auto command = [&](const std::string& cmd) {
      return ex.eval("'Elixir.Phoenix.PubSub':broadcast('Elixir." + pubsub
                     + "', <<\"kv:commands\">>, " + cmd + ")");
    };
    EXPECT_EQ(command("{put, b, 2}"), etf::term{"ok"_atom});
    EXPECT_TRUE(eval_until(ex, "gen_server:call(" + kv + ", {get, b})",
                           erl_term("{ok, 2}")));
    EXPECT_EQ(ex.eval(next, 15s), erl_term("{kv_put, b, 2}"));
    EXPECT_EQ(command("{delete, b}"), etf::term{"ok"_atom});
    EXPECT_TRUE(eval_until(ex, "gen_server:call(" + kv + ", {get, b})",
                           etf::term{"not_found"_atom}));
    // Applied once: the delete's event follows the put's directly.
    EXPECT_EQ(ex.eval(next, 15s), erl_term("{kv_delete, b}"));
    // A last change, as the marker that nothing else came in between.
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", {put, z, done})"),
              etf::term{"ok"_atom});
    EXPECT_EQ(ex.eval(next, 15s), erl_term("{kv_put, z, done}"));
    EXPECT_EQ(ex.eval("gen_server:call(" + kv + ", keys)"), erl_term("[z]"));
  }

  std::shared_ptr<node::node> epmd_holder;
};

// (a) pg's default scope on erl and on cafe-node.
TEST_F(cafe_node_groups, erl_finds_the_actors_in_pg_and_reaches_them) {
  auto cafe = start_cafe_node();
  auto a = start_erl_pg("a");
  // erl's scope discovered cafe-node's on nodeup.
  ASSERT_TRUE(eval_until(*a, "lists:sort(pg:which_groups())",
                         erl_term("[counter, echo, kv]")));
  for (auto group : {"echo", "counter", "kv"}) {
    SCOPED_TRACE(group);
    // The one member is the actor registered under the group's name.
    auto registered
      = a->eval(on_cafe("erlang, whereis, ['" + std::string{group} + "']"));
    ASSERT_TRUE(registered.is<etf::pid>()) << etf::to_string(registered);
    EXPECT_EQ(registered.get<etf::pid>().node, cafe_node_name);
    auto members = a->eval("pg:get_members(" + std::string{group} + ")");
    EXPECT_EQ(members, etf::term{etf::list{{registered}}});
    // cafe-node's view over rpc, all of it and its local part, is erl's.
    EXPECT_EQ(a->eval(on_cafe("pg, get_members, [" + std::string{group} + "]")),
              members);
    EXPECT_EQ(
      a->eval(on_cafe("pg, get_members, [pg, " + std::string{group} + "]")),
      members);
    EXPECT_EQ(
      a->eval(on_cafe("pg, get_local_members, [" + std::string{group} + "]")),
      members);
    // erl's members are not cafe-node's local ones.
    EXPECT_EQ(a->eval("pg:get_local_members(" + std::string{group} + ")"),
              etf::term{etf::list{}});
  }
  EXPECT_EQ(a->eval("lists:sort(" + on_cafe("pg, which_groups, []") + ")"),
            erl_term("[counter, echo, kv]"));
  EXPECT_EQ(
    a->eval("lists:sort(" + on_cafe("pg, which_local_groups, []") + ")"),
    erl_term("[counter, echo, kv]"));
  // The echo member answers {EchoPid, Term} to {Pid, Term}, nothing else.
  auto res = a->eval("[P] = pg:get_members(echo), P ! {self(), hi}, "
                     "{P, receive M -> M after 10000 -> timeout end}",
                     15s);
  etf::term echo_pid;
  etf::term reply;
  ASSERT_TRUE(etf::match(res, &echo_pid, &reply)) << etf::to_string(res);
  EXPECT_EQ(reply, etf::make_tuple(echo_pid, "hi"_atom));
  // counter and kv are reached through their members too.
  EXPECT_EQ(a->eval("[P] = pg:get_members(counter), gen_server:call(P, "
                    "{add, 41}), gen_server:call(P, incr)"),
            etf::term{42});
  EXPECT_EQ(a->eval("[P] = pg:get_members(kv), ok = gen_server:call(P, {put, "
                    "k, v}), gen_server:call({kv, "
                    + quoted(cafe_node_name) + "}, {get, k})"),
            erl_term("{ok, v}"));
  // A member erl adds is seen by cafe-node, in the same group.
  EXPECT_EQ(a->eval("pg:join(echo, self())"), etf::term{"ok"_atom});
  EXPECT_TRUE(eval_until(*a,
                         "lists:sort(" + on_cafe("pg, get_members, [echo]")
                           + ") =:= lists:sort(pg:get_members(echo))",
                         etf::term{true}));
  EXPECT_EQ(a->eval("length(pg:get_members(echo))"), etf::term{2});
}

// (b) the default pubsub, Cafe.PubSub with one group.
TEST_F(cafe_node_groups, kv_talks_to_elixir_through_the_default_pubsub) {
  auto cafe = start_cafe_node();
  auto ex = start_elixir("ex", "Cafe.PubSub", 1);
  // cafe-node runs exactly the group of pool size 1, in scope
  // Phoenix.PubSub.
  wait_for_workers(*ex, "Cafe.PubSub", "Adapter");
  EXPECT_EQ(ex->eval(on_cafe("pg, which_local_groups, "
                             "['Elixir.Phoenix.PubSub']")),
            erl_term("['Elixir.Cafe.PubSub.Adapter']"));
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':groups()"),
            erl_term("['Elixir.Cafe.PubSub.Adapter']"));
  check_kv_flow(*ex, "Cafe.PubSub");
}

// (c) --pubsub and --pubsub-pool-size.
TEST_F(cafe_node_groups, pubsub_flags_set_name_and_pool_size) {
  auto cafe
    = start_cafe_node({"--pubsub", "MyApp.PubSub", "--pubsub-pool-size", "2"});
  auto ex = start_elixir("ex", "MyApp.PubSub", 2);
  auto w1 = wait_for_workers(*ex, "MyApp.PubSub", "Adapter");
  auto w2 = wait_for_workers(*ex, "MyApp.PubSub", "Adapter_2");
  EXPECT_NE(w1, w2) << "one worker per group";
  EXPECT_EQ(sorted(ex->eval(on_cafe("pg, which_local_groups, "
                                    "['Elixir.Phoenix.PubSub']"))),
            erl_term("['Elixir.MyApp.PubSub.Adapter', "
                     "'Elixir.MyApp.PubSub.Adapter_2']"));
  // No pubsub under the default name.
  EXPECT_EQ(ex->eval(on_cafe("erlang, whereis, "
                             "['Elixir.Cafe.PubSub.Adapter']")),
            etf::term{"undefined"_atom});
  check_kv_flow(*ex, "MyApp.PubSub");
  // Commands from publishers hashing to each group reach kv through
  // cafe-node's worker of that group: Phoenix picks the group by
  // phash2(self(), 2), so a publisher that hashes to K goes to group K.
  ASSERT_EQ(
    ex->eval(
      "'Elixir.PhxPeer':start_subscriber(sub2, [<<\"kv\">>]), "
      "Pub = fun Pub(K, Cmd, Tries) when Tries > 0 -> "
      "  {_, R} = 'Elixir.PhxPeer':in_process(fun() -> "
      "    case erlang:phash2(self(), 2) of "
      "      K -> 'Elixir.Phoenix.PubSub':broadcast('Elixir.MyApp.PubSub', "
      "             <<\"kv:commands\">>, Cmd); "
      "      _ -> other_group "
      "    end end), "
      "  case R of ok -> ok; other_group -> Pub(K, Cmd, Tries - 1) end "
      "end, "
      "{Pub(0, {put, g1, 1}, 200), Pub(1, {put, g2, 2}, 200)}",
      30s),
    erl_term("{ok, ok}"));
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':next(sub2, 10000)", 15s),
            erl_term("{kv_put, g1, 1}"));
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':next(sub2, 10000)", 15s),
            erl_term("{kv_put, g2, 2}"));
  EXPECT_EQ(
    ex->eval("gen_server:call({kv, " + quoted(cafe_node_name) + "}, keys)"),
    erl_term("[g1, g2, z]"));
}

// (d) cafe-node SIGKILLed under both peers.
TEST_F(cafe_node_groups, peers_scopes_survive_a_killed_cafe_node) {
  auto cafe = start_cafe_node();
  auto a = start_erl_pg("a");
  auto ex = start_elixir("ex", "Cafe.PubSub", 1);
  ASSERT_TRUE(eval_until(*a, "lists:sort(pg:which_groups())",
                         erl_term("[counter, echo, kv]")));
  wait_for_workers(*ex, "Cafe.PubSub", "Adapter");
  auto erl_scope = a->eval("whereis(pg)");
  ASSERT_TRUE(erl_scope.is<etf::pid>()) << etf::to_string(erl_scope);
  auto ex_scope = ex->eval("whereis('Elixir.Phoenix.PubSub')");
  ASSERT_TRUE(ex_scope.is<etf::pid>()) << etf::to_string(ex_scope);
  auto ex_worker = ex->eval("whereis('Elixir.Cafe.PubSub.Adapter')");
  ASSERT_TRUE(ex_worker.is<etf::pid>()) << etf::to_string(ex_worker);
  // erl's own member of echo, which must stay.
  ASSERT_EQ(a->eval("pg:join(echo, self())"), etf::term{"ok"_atom});
  ASSERT_EQ(::kill(cafe->pid(), SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return cafe->exited(); }, 10s));
  auto status = cafe->stop(0ms);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
    << describe_status(status);
  // erl: the node is gone, so are its members; the scope is the same
  // process and still serves.
  EXPECT_TRUE(
    eval_until(*a, "lists:member(" + quoted(cafe_node_name) + ", nodes())",
               etf::term{false}));
  EXPECT_TRUE(
    eval_until(*a, "pg:get_members(echo) =:= [self()]", etf::term{true}));
  EXPECT_TRUE(eval_until(*a, "pg:which_groups()", erl_term("[echo]")));
  EXPECT_EQ(a->eval("pg:get_members(counter)"), etf::term{etf::list{}});
  EXPECT_EQ(a->eval("whereis(pg)"), erl_scope);
  EXPECT_EQ(a->eval("pg:leave(echo, self())"), etf::term{"ok"_atom});
  EXPECT_EQ(a->eval("pg:which_groups()"), etf::term{etf::list{}});
  // Elixir: only its own worker is left in the pubsub's group, under the
  // same scope and worker processes.
  EXPECT_TRUE(eval_until(*ex,
                         "'Elixir.PhxPeer':members("
                         "'Elixir.Cafe.PubSub.Adapter')",
                         etf::term{etf::list{{ex_worker}}}));
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':groups()"),
            erl_term("['Elixir.Cafe.PubSub.Adapter']"));
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':workers()"),
            erl_term("[{'Elixir.Cafe.PubSub.Adapter', true}]"));
  EXPECT_EQ(ex->eval("whereis('Elixir.Phoenix.PubSub')"), ex_scope);
  EXPECT_EQ(ex->eval("whereis('Elixir.Cafe.PubSub.Adapter')"), ex_worker);
  // And its pubsub still delivers.
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':start_subscriber(sub, [<<\"t\">>]), "
                     "'Elixir.Phoenix.PubSub':broadcast('Elixir.Cafe.PubSub', "
                     "<<\"t\">>, after_kill)"),
            etf::term{"ok"_atom});
  EXPECT_EQ(ex->eval("'Elixir.PhxPeer':next(sub, 10000)", 15s),
            etf::term{"after_kill"_atom});
}

TEST_F(cafe_node_groups, global_names_both_ways) {
  auto cafe = start_cafe_node();
  auto a = start_erl_pg("a");
  auto ex = start_elixir("ex", "Cafe.PubSub", 1);
  auto node = quoted(cafe_node_name);
  // global:sync() waits for every node in nodes(): it returns only because
  // cafe-node speaks global.
  for (auto* peer : {a.get(), ex.get()})
    EXPECT_EQ(peer->eval("global:sync()", 30s), etf::term{"ok"_atom})
      << peer->name().text();
  auto echo = a->eval("global:whereis_name({echo, " + node + "})");
  ASSERT_TRUE(echo.is<etf::pid>()) << etf::to_string(echo);
  EXPECT_EQ(echo.get<etf::pid>().node, cafe_node_name);
  EXPECT_EQ(ex->eval("global:whereis_name({echo, " + node + "})"), echo);
  EXPECT_EQ(a->eval("global:send({echo, " + node
                    + "}, {self(), hi}), "
                      "receive {_, M} -> M after 10000 -> timeout end"),
            etf::term{"hi"_atom});
  EXPECT_EQ(
    a->eval("gen_server:call({global, {counter, " + node + "}}, incr, 10000)"),
    etf::term{int64_t{1}});
  // Elixir's GenServer.call({:global, {:counter, node}}, :incr).
  EXPECT_EQ(ex->eval("'Elixir.GenServer':call({global, {counter, " + node
                     + "}}, incr, 10000)"),
            etf::term{int64_t{2}});
  // A name registered on erl, seen from cafe-node (global over rpc).
  ASSERT_EQ(a->eval("global:register_name(from_erl, self())"),
            etf::term{"yes"_atom});
  EXPECT_TRUE(
    eval_until(*a, on_cafe("global, whereis_name, [from_erl]") + " =:= self()",
               etf::term{true}));
  EXPECT_EQ(
    a->eval("lists:sort(" + on_cafe("global, registered_names, []") + ")"),
    sorted(erl_term("[from_erl, {echo, 'cafe@127.0.0.1'}, "
                    "{counter, 'cafe@127.0.0.1'}]")));
  // cafe-node killed: its names vanish everywhere, sync still returns.
  ASSERT_EQ(::kill(cafe->pid(), SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return cafe->exited(); }, 10s));
  (void)cafe->stop(0ms);
  for (auto* peer : {a.get(), ex.get()}) {
    EXPECT_TRUE(eval_until(*peer, "global:whereis_name({echo, " + node + "})",
                           etf::term{"undefined"_atom}))
      << peer->name().text();
    EXPECT_EQ(peer->eval("global:sync()", 30s), etf::term{"ok"_atom});
  }
  EXPECT_EQ(a->eval("global:registered_names()"), erl_term("[from_erl]"));
}

} // namespace
