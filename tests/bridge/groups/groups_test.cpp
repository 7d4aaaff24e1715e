// CAF actors in pg groups and pubsub topics, against a real erl node
// (`-kernel start_pg true`): actors are the members erl lists and erl's
// members are actors in C++, watches arrive as CAF messages, the pg2
// helpers, pg served over rpc with pg's own errors, and topics delivering
// typed messages, other dispatchers and broadcast_from to actors.

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/groups/pg_exports.hpp"
#include "cafe/groups/process_groups.hpp"
#include "cafe/groups/topics.hpp"
#include "cafe/pg/scopes.hpp"
#include "cafe/pubsub/pubsub.hpp"
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/server.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace cafe::test {
namespace {

using namespace etf::literals;
using namespace std::chrono_literals;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using kv_put_atom = caf::atom_constant<caf::atom("kv_put")>;

/// Forwards every message it gets to `observer`, until `stop_atom`.
caf::behavior relay(caf::event_based_actor* self, caf::actor observer) {
  self->set_default_handler(
    [=](caf::scheduled_actor*,
        caf::message_view& x) -> caf::result<caf::message> {
      self->send(observer, x.move_content_to_message());
      return caf::message{};
    });
  return {[=](stop_atom) { self->quit(); }};
}

class groups_test : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    sys = std::make_unique<caf::actor_system>(cfg_);
    cafe = start_cafe();
    br = std::make_shared<actor::bridge>(*sys, cafe);
    scopes = std::make_shared<pg::scopes>(cafe);
    auto pg_scope = scopes->start("pg"_atom);
    ASSERT_TRUE(pg_scope) << pg_scope.error();
    groups = std::make_unique<groups::process_groups>(br, *pg_scope);
    auto ps_scope = scopes->start(pubsub::scope_name());
    ASSERT_TRUE(ps_scope) << ps_scope.error();
    auto started = pubsub::pubsub::start(cafe, *ps_scope, {});
    ASSERT_TRUE(started) << started.error();
    ps = *started;
    topics = std::make_unique<groups::topics>(br, ps);
    table = std::make_shared<rpc::exports>();
    groups::add_pg_exports(*table, scopes);
    server = std::make_unique<rpc::server>(*sys, br, table);
    a = start_erl("a", [](erl_options& o) {
      o.extra_args = {"-kernel", "start_pg", "true"};
    });
    node = quoted(cafe->name());
    ASSERT_EQ(a->eval("net_adm:ping(" + node + ")"), etf::term{"pong"_atom});
  }

  void TearDown() override {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    spawned.clear();
    server.reset();
    a.reset();
    topics.reset();
    if (ps)
      ps->stop();
    groups.reset();
    if (scopes)
      scopes->stop();
    table.reset();
    br.reset();
    sys.reset();
  }

  caf::actor spawn_relay(const caf::actor& observer) {
    auto x = sys->spawn(relay, observer);
    spawned.push_back(x);
    return x;
  }

  /// erl's pg:get_members(Group), sorted.
  etf::term erl_members(const std::string& group) {
    return a->eval("lists:sort(pg:get_members(" + group + "))");
  }

  etf::term sorted_pids(std::vector<etf::pid> xs) {
    etf::list result;
    for (auto& x : xs)
      result.elements.emplace_back(x);
    std::sort(result.elements.begin(), result.elements.end(),
              [](auto& x, auto& y) { return etf::compare(x, y) < 0; });
    return result;
  }

  std::vector<etf::pid> pids(const std::vector<caf::actor>& xs) {
    std::vector<etf::pid> result;
    for (auto& x : xs)
      result.push_back(br->pid_of(x));
    return result;
  }

  std::string erpc(const std::string& mfa_args) {
    return etf::to_string(
      a->eval("try erpc:call(" + node + ", " + mfa_args
              + ") of V -> {value, V} catch C:R -> {C, R} end"));
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<node::node> cafe;
  std::shared_ptr<actor::bridge> br;
  std::shared_ptr<pg::scopes> scopes;
  std::unique_ptr<groups::process_groups> groups;
  std::shared_ptr<pubsub::pubsub> ps;
  std::unique_ptr<groups::topics> topics;
  std::shared_ptr<rpc::exports> table;
  std::unique_ptr<rpc::server> server;
  std::unique_ptr<erl_node> a;
  std::string node;
  std::vector<caf::actor> spawned;
};

TEST_F(groups_test, actors_are_the_members_erlang_sees_and_back) {
  caf::scoped_actor self{*sys};
  auto x = spawn_relay(self);
  auto y = spawn_relay(self);
  groups->join("workers"_atom, x);
  groups->join("workers"_atom, std::vector<caf::actor>{x, y});
  auto cafe_view = sorted_pids({br->pid_of(x), br->pid_of(x), br->pid_of(y)});
  ASSERT_TRUE(
    eventually([&] { return erl_members("workers") == cafe_view; }, 10s))
    << etf::to_string(erl_members("workers"));
  // An erl process joins: cafe lists it as a proxy actor.
  auto erl_pid = a->eval(
    "P = spawn(fun() -> pg:join(workers, self()), receive stop -> ok end "
    "end), P");
  ASSERT_TRUE(erl_pid.is<etf::pid>());
  ASSERT_TRUE(eventually(
    [&] { return groups->members("workers"_atom).size() == 4; }, 10s));
  auto all = pids(groups->members("workers"_atom));
  EXPECT_NE(std::find(all.begin(), all.end(), erl_pid.get<etf::pid>()),
            all.end());
  EXPECT_EQ(sorted_pids(pids(groups->local_members("workers"_atom))),
            cafe_view);
  // A proxy member is an actor: a message to it reaches the erl process,
  // which ends (and leaves).
  caf::anon_send(br->actor_of(erl_pid.get<etf::pid>()), etf::term{"stop"_atom});
  EXPECT_TRUE(eventually(
    [&] { return groups->members("workers"_atom).size() == 3; }, 10s));
  // leave once: x stays once; not_joined for what is not in it.
  EXPECT_TRUE(groups->leave("workers"_atom, x));
  EXPECT_FALSE(groups->leave("other"_atom, x));
  // An actor that ends leaves every group.
  caf::anon_send(x, stop_atom::value);
  auto only_y = sorted_pids({br->pid_of(y)});
  EXPECT_TRUE(eventually([&] { return erl_members("workers") == only_y; }, 10s))
    << etf::to_string(erl_members("workers"));
  EXPECT_EQ(groups->which_groups(), (std::vector<etf::term>{"workers"_atom}));
}

TEST_F(groups_test, watches_arrive_as_messages_with_actors) {
  caf::scoped_actor self{*sys};
  auto w = spawn_relay(self);
  auto [id, now] = groups->monitor("room"_atom, w);
  EXPECT_TRUE(now.empty());
  auto erl_pid = a->eval(
    "P = spawn(fun() -> pg:join(room, self()), receive stop -> ok end end), "
    "P");
  auto expect_event = [&](bool join) {
    bool seen = false;
    self->receive(
      [&](groups::pg_join_atom, const etf::term& group,
          const std::vector<caf::actor>& who) {
        EXPECT_TRUE(join);
        EXPECT_EQ(group, etf::term{"room"_atom});
        EXPECT_EQ(pids(who), std::vector<etf::pid>{erl_pid.get<etf::pid>()});
        seen = true;
      },
      [&](groups::pg_leave_atom, const etf::term& group,
          const std::vector<caf::actor>& who) {
        EXPECT_FALSE(join);
        EXPECT_EQ(group, etf::term{"room"_atom});
        EXPECT_EQ(pids(who), std::vector<etf::pid>{erl_pid.get<etf::pid>()});
        seen = true;
      },
      caf::after(10s) >> [] {});
    EXPECT_TRUE(seen);
  };
  expect_event(true);
  a->eval(erl_literal(erl_pid) + " ! stop");
  expect_event(false);
  EXPECT_TRUE(groups->demonitor(id));
  // A scope watch sees every group, with a snapshot first.
  auto z = spawn_relay(self);
  groups->join("lobby"_atom, z);
  auto scope_watch = groups->monitor_scope(w);
  ASSERT_EQ(scope_watch.second.size(), 1u);
  EXPECT_EQ(scope_watch.second.front().first, etf::term{"lobby"_atom});
  EXPECT_EQ(scope_watch.second.front().second, std::vector<caf::actor>{z});
  groups->join("hall"_atom, z);
  self->receive(
    [&](groups::pg_join_atom, const etf::term& group,
        const std::vector<caf::actor>& who) {
      EXPECT_EQ(group, etf::term{"hall"_atom});
      EXPECT_EQ(who, std::vector<caf::actor>{z});
    },
    caf::after(10s) >> [] { ADD_FAILURE() << "no join of hall"; });
  groups->demonitor(scope_watch.first);
}

TEST_F(groups_test, pg2_helpers_prefer_local_members) {
  caf::scoped_actor self{*sys};
  EXPECT_FALSE(groups->get_closest_pid("g"_atom));
  groups->create("g"_atom);
  EXPECT_TRUE(groups->which_groups().empty());
  auto erl_pid = a->eval(
    "P = spawn(fun() -> pg:join(g, self()), receive stop -> ok end end), P");
  ASSERT_TRUE(
    eventually([&] { return groups->get_members("g"_atom).size() == 1; }, 10s));
  auto closest = groups->get_closest_pid("g"_atom);
  ASSERT_TRUE(closest);
  EXPECT_EQ(br->pid_of(*closest), erl_pid.get<etf::pid>());
  auto x = spawn_relay(self);
  groups->join("g"_atom, x);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(groups->get_closest_pid("g"_atom), x);
  EXPECT_EQ(groups->get_local_members("g"_atom), std::vector<caf::actor>{x});
  a->eval(erl_literal(erl_pid) + " ! stop");
}

TEST_F(groups_test, pg_over_rpc_answers_from_cafes_view_with_pgs_errors) {
  caf::scoped_actor self{*sys};
  auto x = spawn_relay(self);
  groups->join("workers"_atom, x);
  auto xs = etf::to_string(etf::term{br->pid_of(x)});
  EXPECT_EQ(erpc("pg, get_members, [workers]"), "{value,[" + xs + "]}");
  EXPECT_EQ(erpc("pg, get_local_members, [pg, workers]"),
            "{value,[" + xs + "]}");
  EXPECT_EQ(erpc("pg, which_groups, []"), "{value,[workers]}");
  EXPECT_EQ(erpc("pg, which_local_groups, [pg]"), "{value,[workers]}");
  EXPECT_EQ(erpc("pg, get_members, [nope, workers]"), "{value,[]}");
  // A pid of another node: pg's nolocal.
  EXPECT_EQ(
    erpc("pg, join, [g, self()]").rfind("{error,{exception,{nolocal,", 0), 0u);
  // A scope that does not run: gen_server:call's noproc, and ets' badarg.
  EXPECT_EQ(erpc("pg, join, [nope, g, []]"),
            "{exit,{exception,{noproc,{gen_server,call,[nope,{join_local,g,[]},"
            "infinity]}}}}");
  EXPECT_EQ(
    erpc("pg, which_groups, [nope]").rfind("{error,{exception,badarg", 0), 0u);
  // A cafe pid joined over rpc, seen by erl; leave answers ok, then
  // not_joined.
  auto y = spawn_relay(self);
  auto ys = etf::to_string(etf::term{br->pid_of(y)});
  EXPECT_EQ(
    erpc("pg, join, [g, " + erl_literal(etf::term{br->pid_of(y)}) + "]"),
    "{value,ok}");
  EXPECT_TRUE(eventually(
    [&] {
      return etf::to_string(a->eval("pg:get_members(g)")) == "[" + ys + "]";
    },
    10s));
  EXPECT_EQ(
    erpc("pg, leave, [g, " + erl_literal(etf::term{br->pid_of(y)}) + "]"),
    "{value,ok}");
  EXPECT_EQ(
    erpc("pg, leave, [g, " + erl_literal(etf::term{br->pid_of(y)}) + "]"),
    "{value,not_joined}");
}

TEST_F(groups_test, topics_deliver_typed_messages_to_actors) {
  caf::scoped_actor self{*sys};
  auto x = spawn_relay(self);
  auto y = spawn_relay(self);
  topics->subscribe(x, "kv");
  topics->subscribe(y, "kv");
  topics->broadcast_from(
    y, "kv", groups::topics::message(kv_put_atom::value, std::string{"k"}, 42));
  self->receive(
    [&](kv_put_atom, const std::string& k, int64_t v) {
      EXPECT_EQ(k, "k");
      EXPECT_EQ(v, 42);
      EXPECT_EQ(self->current_sender(),
                caf::actor_cast<caf::strong_actor_ptr>(x));
    },
    caf::after(10s) >> [] { ADD_FAILURE() << "no kv_put"; });
  // Another dispatcher: (dispatch_atom, Dispatcher, Topic, Message), the
  // message converted as ever (a map stays a term).
  auto event = etf::term{etf::map{{{"event"_atom, "hello"_bin}}}};
  ps->local_broadcast("kv", event, pubsub::channel_dispatcher());
  for (int i = 0; i < 2; ++i)
    self->receive(
      [&](groups::dispatch_atom, const etf::atom& dispatcher,
          const std::string& topic, const etf::term& msg) {
        EXPECT_EQ(dispatcher, pubsub::channel_dispatcher());
        EXPECT_EQ(topic, "kv");
        EXPECT_EQ(msg, event);
      },
      caf::after(10s) >> [] { ADD_FAILURE() << "no dispatch"; });
  // An actor that ends is unsubscribed.
  caf::anon_send(x, stop_atom::value);
  EXPECT_TRUE(eventually([&] { return ps->subscriber_count("kv") == 1; }, 10s));
  topics->unsubscribe(y, "kv");
  EXPECT_EQ(ps->subscriber_count("kv"), 0u);
}

} // namespace
} // namespace cafe::test
