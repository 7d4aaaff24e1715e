// cafe-chat: the distributed chat. A cafe node that serves the Phoenix
// Channels protocol over WebSocket (the official `phoenix` JS client and
// the page in static/ connect to it), with rooms shared by every cafe-chat
// node of the cluster and by Elixir nodes whose Phoenix endpoint uses the
// same pubsub (--pubsub, default Chat.PubSub).
//
//   cafe-chat --sname chat1 --port 8080
//   cafe-chat --sname chat2 --port 8081 --discovery local-epmd
//   open http://localhost:8080/

#include "app/chat_app.hpp"
#include "app/heap_trimmer.hpp"
#include "cafe/actor/bridge.hpp"
#include "cafe/discovery/actor_events.hpp"
#include "cafe/discovery/setup.hpp"
#include "cafe/groups/global_exports.hpp"
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
#include "cafe/runtime/open_files_limit.hpp"
#include "cafe/runtime/system.hpp"
#include "cafe/services/start_node.hpp"
#include "http/server.hpp"
#include "rooms/directory.hpp"
#include "rooms/presence_keeper.hpp"

#include <atomic>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

namespace {

using namespace cafe;

struct chat_options {
  chat::http::server_config http;
  chat::rooms::chat_config rooms;
  pubsub::config pubsub;
  double rate = 5;
};

uint16_t default_port() {
  if (auto p = std::getenv("PORT")) {
    char* end = nullptr;
    auto v = std::strtoul(p, &end, 10);
    if (end && *end == '\0' && v <= 65535)
      return static_cast<uint16_t>(v);
  }
  return 4000;
}

boost::program_options::options_description
chat_program_options(chat_options& o) {
  namespace po = boost::program_options;
  o.http.port = default_port();
  o.http.static_dir = CAFE_CHAT_STATIC_DIR;
  o.pubsub.name = "Chat.PubSub";
  po::options_description opts{"cafe-chat"};
  opts.add_options()("port", po::value(&o.http.port)->value_name("PORT"),
                     "HTTP port (default: $PORT, else 4000; 0: any free port)")(
    "bind", po::value(&o.http.bind)->value_name("ADDR"),
    "HTTP address (default: every interface)")(
    "static-dir", po::value<std::string>()->value_name("DIR"),
    "the page's files (default: the source tree's apps/chat/static)")(
    "phoenix-js", po::value<std::string>()->value_name("FILE"),
    "phoenix.mjs of the npm package phoenix, served at /phoenix.mjs")(
    "allowed-origin",
    po::value<std::vector<std::string>>()->value_name("URL")->composing(),
    "an Origin allowed to open sockets, e.g. https://chat.example "
    "(repeatable; default: the request's own host)")(
    "pubsub", po::value(&o.pubsub.name)->value_name("NAME"),
    "the Phoenix.PubSub shared with the cluster (default Chat.PubSub)")(
    "pubsub-pool-size", po::value(&o.pubsub.pool_size)->value_name("N"),
    "its pool_size, the same on every node (default 1)")(
    "history", po::value(&o.rooms.history)->value_name("N"),
    "messages kept per room (default 100)")(
    "max-body", po::value(&o.rooms.max_body)->value_name("BYTES"),
    "longest message body (default 2000)")(
    "rate", po::value(&o.rate)->value_name("PER_SECOND"),
    "messages a client may post per second, twice that at once (default 5)");
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  chat_options chat_opts;
  auto extra = chat_program_options(chat_opts);
  extra.add(discovery::program_options());
  po::variables_map values;
  auto opts = runtime::parse_node_options(argc, argv, extra, values);
  if (!opts)
    return runtime::report(opts.error(), argv[0]);
  if (opts->name.empty())
    opts->name = "chat";
  if (values.count("static-dir"))
    chat_opts.http.static_dir = values["static-dir"].as<std::string>();
  chat_opts.http.extra_files.emplace_back(
    "/phoenix.mjs", values.count("phoenix-js")
                      ? values["phoenix-js"].as<std::string>()
                      : std::string{CAFE_CHAT_PHOENIX_JS});
  if (values.count("allowed-origin"))
    chat_opts.http.allowed_origins
      = values["allowed-origin"].as<std::vector<std::string>>();

  runtime::system sys{*opts};
  // Every client is a descriptor: without this, a few hundred clients
  // reach a soft limit of 1,024 and accepts fail.
  auto fds = runtime::raise_open_files_limit();
  if (fds.soft < chat_opts.http.max_connections + 64)
    logger().warn("open files limit {} (hard {}): fewer clients than "
                  "max_connections {} fit",
                  fds.soft, fds.hard, chat_opts.http.max_connections);
  auto started = services::start_node(sys.io_context(),
                                      runtime::node_config(*opts));
  if (!started) {
    std::cerr << argv[0] << ": " << started.error() << '\n';
    return 1;
  }
  auto nd = *started;
  sys.on_shutdown([nd] { nd->stop(); });
  auto keeper = discovery::start_keeper(sys.io_context(), nd, values);
  if (!keeper) {
    std::cerr << argv[0] << ": " << keeper.error() << '\n';
    return 2;
  }
  sys.on_shutdown([k = *keeper] {
    if (k)
      k->stop();
  });
  auto br = std::make_shared<actor::bridge>(sys.actors(), nd);
  auto scopes = std::make_shared<pg::scopes>(nd);
  auto pubsub_scope = scopes->start(pubsub::scope_name());
  if (!pubsub_scope) {
    std::cerr << argv[0] << ": " << pubsub_scope.error() << '\n';
    return 1;
  }
  auto ps = pubsub::pubsub::start(nd, *pubsub_scope, chat_opts.pubsub);
  if (!ps) {
    std::cerr << argv[0] << ": " << ps.error() << '\n';
    return 1;
  }
  // Before the node: peers see the workers and the scope end.
  sys.on_shutdown([ps = *ps, scopes] {
    ps->stop();
    scopes->stop();
  });

  auto ctx = std::make_shared<chat::rooms::context>();
  ctx->node_name = std::string{nd->name().text()};
  ctx->cfg = chat_opts.rooms;
  ctx->expect_peers = *keeper != nullptr;
  ctx->bridge = br;
  ctx->topics = std::make_shared<groups::topics>(br, *ps);
  ctx->peers = std::make_shared<chat::rooms::peers>(nd, *ps);
  auto rooms = std::make_shared<chat::rooms::directory>(sys.actors(), ctx);
  ctx->rooms = rooms;
  ctx->keeper = sys.actors().spawn(chat::rooms::presence_keeper, ctx);
  sys.keep_alive_until_shutdown(ctx->keeper);
  // The room everyone starts in exists before anyone joins, so what other
  // nodes say there is kept from the start.
  rooms->open("lobby");
  sys.on_shutdown([rooms, peers = ctx->peers] {
    rooms->stop();
    peers->stop();
  });

  // erpc, rpc and erl_call reach the node like any other.
  std::atomic<int> exit_status{0};
  auto table = std::make_shared<rpc::exports>();
  rpc::add_builtins(*table, nd, [&sys, &exit_status](int status) {
    exit_status = status;
    sys.shutdown();
  });
  if (auto gl = services::global_of(*nd))
    groups::add_global_exports(*table, gl);
  auto rpc_server = std::make_unique<rpc::server>(sys.actors(), br, table);

  auto svc = std::make_shared<chat::app::services>();
  svc->ctx = ctx;
  svc->rooms = rooms;
  svc->node = nd;
  svc->rate_per_second = chat_opts.rate;
  svc->rate_burst = 2 * chat_opts.rate;
  svc->discovery_configured = *keeper != nullptr;
  auto app = std::make_shared<chat::app::chat_app>(svc);
  chat_opts.http.served_by = ctx->node_name;
  auto server = chat::http::server::start(sys.io_context(), chat_opts.http,
                                          app);
  if (!server) {
    std::cerr << argv[0] << ": " << server.error() << '\n';
    sys.shutdown();
    sys.run();
    return 1;
  }
  app->attach(*server);
  auto trimmer = chat::app::heap_trimmer::start(sys.io_context(), {});
  sys.on_shutdown([trimmer] { trimmer->stop(); });
  // Runs first (registered last): clients get 1001 and reconnect elsewhere
  // while the node is still up, then no new calls.
  sys.on_shutdown([s = *server, &rpc_server] {
    s->stop();
    rpc_server.reset();
  });
  std::cout << "cafe-chat " << ctx->node_name << " listening on http://"
            << (chat_opts.http.bind.empty() ? std::string{"localhost"}
                                            : chat_opts.http.bind)
            << ':' << (*server)->port() << '\n'
            << std::flush;
  sys.run();
  return exit_status;
}
