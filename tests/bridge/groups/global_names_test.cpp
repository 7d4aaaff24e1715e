// CAF actors under global names, against a real erl node: an actor
// registered from C++ is `{global, Name}` for erl (whereis, global:send),
// a name registered on erl is an actor in C++ (whereis, a message through
// its proxy), a lock taken from C++ keeps erl out until it is deleted,
// trans runs under the lock, and global's API over rpc answers from cafe's
// view. The cafe node runs global as every program's node does
// (services::start_node).

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/groups/global_exports.hpp"
#include "cafe/groups/global_names.hpp"
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/server.hpp"
#include "cafe/services/start_node.hpp"
#include "interop_fixture.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace cafe::test {
namespace {

using namespace etf::literals;
using namespace std::chrono_literals;

class global_names_test : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    sys = std::make_unique<caf::actor_system>(cfg_);
    cafe = start_cafe([](node::config& cfg) { cfg.run_global = true; });
    auto gl = services::global_of(*cafe);
    ASSERT_TRUE(gl) << "start_node started no global";
    br = std::make_shared<actor::bridge>(*sys, cafe);
    names = std::make_unique<groups::global_names>(br, gl);
    table = std::make_shared<rpc::exports>();
    groups::add_global_exports(*table, gl);
    server = std::make_unique<rpc::server>(*sys, br, table);
    a = start_erl("a");
    node = quoted(cafe->name());
    ASSERT_EQ(a->eval("net_adm:ping(" + node + ")"), etf::term{"pong"_atom});
    ASSERT_EQ(a->eval("global:sync()", 30s), etf::term{"ok"_atom});
  }

  void TearDown() override {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    spawned.clear();
    server.reset();
    a.reset();
    names.reset();
    table.reset();
    br.reset();
    sys.reset();
  }

  /// An actor that hands every term it gets to `observer`.
  caf::actor spawn_forwarder(const caf::actor& observer) {
    auto x = sys->spawn([observer](caf::event_based_actor* self) {
      return caf::behavior{
        [=](const etf::term& msg) { self->send(observer, msg); }};
    });
    br->bind(x, actor::delivery::raw);
    spawned.push_back(x);
    return x;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<node::node> cafe;
  std::shared_ptr<actor::bridge> br;
  std::unique_ptr<groups::global_names> names;
  std::shared_ptr<rpc::exports> table;
  std::unique_ptr<rpc::server> server;
  std::unique_ptr<erl_node> a;
  std::string node;
  std::vector<caf::actor> spawned;
};

TEST_F(global_names_test, actors_are_global_names_for_erl_and_back) {
  caf::scoped_actor self{*sys};
  auto fwd = spawn_forwarder(self);
  auto name = etf::make_tuple("greeter"_atom, 7);
  auto ok = names->register_name(name, fwd);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(*ok);
  EXPECT_EQ(a->eval("global:whereis_name({greeter, 7})"),
            etf::term{br->pid_of(fwd)});
  a->post("global:send({greeter, 7}, {from_erl, self()}), ok");
  etf::term got;
  self->receive([&](const etf::term& x) { got = x; }, caf::after(10s) >> [] {});
  auto t = got.get_if<etf::tuple>();
  ASSERT_TRUE(t && t->size() == 2) << etf::to_string(got);
  EXPECT_EQ((*t)[0], etf::term{"from_erl"_atom});
  (void)a->result();
  // Taken: a second actor does not get the name.
  auto other = spawn_forwarder(self);
  auto again = names->register_name(name, other);
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(*again);
  // A name registered on erl is an actor here.
  ASSERT_EQ(a->eval("global:register_name(erl_side, self())"),
            etf::term{"yes"_atom});
  auto proxy = names->whereis("erl_side"_atom);
  ASSERT_TRUE(proxy);
  self->send(*proxy, etf::term{"to_erl"_atom});
  EXPECT_EQ(a->eval("receive M -> M after 10000 -> timeout end"),
            etf::term{"to_erl"_atom});
  EXPECT_TRUE(names->send("erl_side"_atom, "again"_atom));
  EXPECT_EQ(a->eval("receive M -> M after 10000 -> timeout end"),
            etf::term{"again"_atom});
  EXPECT_FALSE(names->send("nobody"_atom, "x"_atom));
  // global over rpc answers from cafe's view.
  EXPECT_EQ(a->eval("erpc:call(" + node
                    + ", global, whereis_name, "
                      "[{greeter, 7}])"),
            etf::term{br->pid_of(fwd)});
  EXPECT_EQ(a->eval("lists:sort(erpc:call(" + node
                    + ", global, registered_names, []))"),
            a->eval("lists:sort(global:registered_names())"));
  // Unregistered from C++: gone on erl.
  ASSERT_TRUE(names->unregister_name(name));
  EXPECT_EQ(a->eval("global:whereis_name({greeter, 7})"),
            etf::term{"undefined"_atom});
}

TEST_F(global_names_test, a_lock_from_cpp_keeps_erl_out_until_deleted) {
  auto id = etf::make_tuple("res"_atom, "cafe_side"_atom);
  auto set = names->set_lock(id);
  ASSERT_TRUE(set) << set.error();
  ASSERT_TRUE(*set);
  // erl's own requester on the same resource: refused while held (no
  // retries).
  EXPECT_EQ(
    a->eval("global:set_lock({res, erl_side}, [node(), " + node + "], 0)"),
    etf::term{false});
  ASSERT_TRUE(names->del_lock(id));
  EXPECT_EQ(
    a->eval("global:set_lock({res, erl_side}, [node(), " + node + "], 0)"),
    etf::term{true});
  EXPECT_EQ(a->eval("global:del_lock({res, erl_side}, [node(), " + node + "])"),
            etf::term{true});
  // trans runs the function under the lock and hands its value back.
  auto value = names->trans(etf::make_tuple("job"_atom, "cafe"_atom),
                            [] { return etf::term{"done"_atom}; });
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, etf::term{"done"_atom});
}

} // namespace
} // namespace cafe::test
