// cafe-node: a cafe node with erl-style flags, hosting example CAF actors
// that Erlang and Elixir nodes talk to as processes:
//
//   echo      {Pid, Term} -> Pid ! {EchoPid, Term}
//   counter   gen_server:call({counter, N}, incr | get | {add, K} | reset)
//   kv        gen_server:call({kv, N}, {put, K, V} | {get, K} | {delete, K}
//             | keys); publishes {kv_put, K, V} / {kv_delete, K} on the
//             pubsub topic "kv" and applies {put, K, V} / {delete, K}
//             broadcast on "kv:commands"
//
// each a member of the pg group of its name (scope `pg`), echo and counter
// also the global names {echo, NodeName} and {counter, NodeName} (global
// runs on every visible cafe node, so `global:sync()` on BEAM nodes
// returns), a Phoenix.PubSub
// (--pubsub NAME, --pubsub-pool-size N) shared with Elixir nodes running
// one of the same name and pool size, discovery of its peers (--discovery
// KIND, see cafe-node --help),
// and exports the functions of `cafe_demo` (demo_exports.hpp) and the
// built-in parts of erlang/net_adm/init, served to rpc, erpc and erl_call,
// with a remote console for `erl -remsh` / `iex --remsh`.
//
//   cafe-node --sname cafe --cookie secret
//   erl -sname a -setcookie secret
//     > net_adm:ping('cafe@HOST').
//     > gen_server:call({counter, 'cafe@HOST'}, incr).
//     > erpc:call('cafe@HOST', cafe_demo, add, [40, 2]).

#include "cafe/actor/bridge.hpp"
#include "cafe/console/console.hpp"
#include "cafe/discovery/actor_events.hpp"
#include "cafe/discovery/setup.hpp"
#include "cafe/groups/global_exports.hpp"
#include "cafe/groups/global_names.hpp"
#include "cafe/groups/pg_exports.hpp"
#include "cafe/groups/process_groups.hpp"
#include "cafe/groups/topics.hpp"
#include "cafe/log.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pg/scopes.hpp"
#include "cafe/pubsub/pubsub.hpp"
#include "cafe/rpc/builtins.hpp"
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/server.hpp"
#include "cafe/runtime/node_config.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"
#include "cafe/services/start_node.hpp"
#include "demo_exports.hpp"
#include "example_actors.hpp"

#include <atomic>
#include <boost/program_options.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <iostream>

namespace {

using namespace cafe;
using namespace cafe::etf::literals;

/// Logs nodeup/nodedown, as an actor subscribed to the bridge.
caf::behavior node_logger(caf::event_based_actor*) {
  return {
    [](actor::nodeup_atom, etf::atom peer) {
      cafe::logger().info("nodeup {}", peer.text());
    },
    [](actor::nodedown_atom, etf::atom peer) {
      cafe::logger().info("nodedown {}", peer.text());
    },
    // The discovery keeper's events (it logs them itself).
    [](actor::nodeup_atom, etf::atom, const std::vector<std::string>&) {},
    [](actor::nodedown_atom, etf::atom, const std::vector<std::string>&) {},
  };
}

} // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  pubsub::config pubsub_cfg;
  po::options_description extra{"cafe-node"};
  extra.add_options()(
    "pubsub", po::value(&pubsub_cfg.name)->value_name("NAME"),
    "the Phoenix.PubSub to share with Elixir nodes (default Cafe.PubSub, "
    "the Elixir name without Elixir.)")(
    "pubsub-pool-size", po::value(&pubsub_cfg.pool_size)->value_name("N"),
    "its pool_size, the same on every node (default 1)");
  extra.add(discovery::program_options());
  po::variables_map values;
  auto opts = runtime::parse_node_options(argc, argv, extra, values);
  if (!opts)
    return runtime::report(opts.error(), argv[0]);
  if (opts->name.empty())
    opts->name = "cafe";
  runtime::system sys{*opts};
  auto started = services::start_node(sys.io_context(),
                                      runtime::node_config(*opts));
  if (!started) {
    std::cerr << argv[0] << ": " << started.error() << '\n';
    return 1;
  }
  auto nd = *started;
  // Finds peers and keeps the full mesh (--discovery KIND ...).
  auto keeper = discovery::start_keeper(sys.io_context(), nd, values);
  if (!keeper) {
    std::cerr << argv[0] << ": " << keeper.error() << '\n';
    nd->stop();
    return 2;
  }
  // Shared with the actors that use it: it goes with the last of them,
  // before the actor system.
  auto br = std::make_shared<actor::bridge>(sys.actors(), nd);
  auto& actors = sys.actors();
  // pg's default scope, as `erl -kernel start_pg true` runs it, and the
  // scope Phoenix.PubSub uses.
  auto scopes = std::make_shared<pg::scopes>(nd);
  auto pg_scope = scopes->start("pg"_atom);
  auto pubsub_scope = scopes->start(pubsub::scope_name());
  if (!pg_scope || !pubsub_scope) {
    std::cerr << argv[0] << ": "
              << (pg_scope ? pubsub_scope.error() : pg_scope.error()) << '\n';
    return 1;
  }
  auto ps = pubsub::pubsub::start(nd, *pubsub_scope, pubsub_cfg);
  if (!ps) {
    std::cerr << argv[0] << ": " << ps.error() << '\n';
    return 1;
  }
  auto topics = std::make_shared<groups::topics>(br, *ps);
  auto echo = actors.spawn(apps::echo, br);
  auto counter = actors.spawn(apps::counter);
  // kv receives raw terms: bound before it subscribes, which gives it its
  // pid.
  auto kv = actors.spawn([topics, br](caf::event_based_actor* self) {
    br->bind(caf::actor_cast<caf::actor>(self), actor::delivery::raw);
    return apps::kv_store(self, topics);
  });
  auto logger = actors.spawn(node_logger);
  br->register_name("echo"_atom, echo, actor::delivery::raw);
  br->register_name("counter"_atom, counter);
  br->register_name("kv"_atom, kv, actor::delivery::raw);
  groups::process_groups groups{br, *pg_scope};
  groups.join("echo"_atom, echo);
  groups.join("counter"_atom, counter);
  groups.join("kv"_atom, kv);
  // {echo, NodeName} and {counter, NodeName} in global, as an Erlang app
  // registers a singleton per node; taking global's lock is quick while no
  // peer is connected yet.
  auto global_server = services::global_of(*nd);
  if (global_server) {
    groups::global_names names{br, global_server};
    for (auto& [what, who] :
         {std::pair{"echo"_atom, echo}, std::pair{"counter"_atom, counter}}) {
      auto name = etf::make_tuple(what, nd->name());
      if (auto ok = names.register_name(name, who); !ok || !*ok)
        cafe::logger().warn("cannot register {{{}, {}}} in global", what.text(),
                            nd->name().text());
    }
  }
  br->monitor_nodes(logger);
  if (*keeper)
    discovery::forward_events(**keeper, logger);
  for (auto& a : {echo, counter, kv, logger})
    sys.keep_alive_until_shutdown(a);
  // erlang:halt(Status) and init:stop() end the program like `erl`.
  std::atomic<int> exit_status{0};
  auto table = std::make_shared<rpc::exports>();
  rpc::add_builtins(*table, nd, [&sys, &exit_status](int status) {
    exit_status = status;
    sys.shutdown();
  });
  apps::add_demo_exports(*table, actors, br);
  groups::add_pg_exports(*table, scopes);
  if (global_server)
    groups::add_global_exports(*table, global_server);
  // `erl -remsh`, `iex --remsh` and `erl_call -e` evaluate here.
  auto console = console::add_console(*table, nd);
  auto server = std::make_unique<rpc::server>(actors, br, table);
  std::cout << "cafe node " << nd->name().text() << " up (cookie from "
            << (opts->cookie.empty() ? "~/.erlang.cookie" : "--cookie")
            << "); try from erl: net_adm:ping('" << nd->name().text() << "').\n"
            << std::flush;
  sys.on_shutdown([nd] { nd->stop(); });
  sys.on_shutdown([k = *keeper] {
    if (k)
      k->stop();
  });
  // Before the node: peers see the workers and scopes end.
  sys.on_shutdown([ps = *ps, scopes] {
    ps->stop();
    scopes->stop();
  });
  // Runs first (last registered): no new calls once the shutdown begins.
  sys.on_shutdown([&server, &console] {
    server.reset();
    console.reset();
  });
  sys.run();
  return exit_status;
}
