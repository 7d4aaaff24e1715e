// cafe-node: a cafe node with erl-style flags. Real Erlang and Elixir nodes
// see it as a node (net_adm:ping answers pong, it shows in nodes()) and can
// talk to the processes it hosts:
//
//   echo   {Pid, Term} -> Pid ! {EchoPid, Term}
//
//   cafe-node --sname cafe --cookie secret
//   erl -sname a -setcookie secret -eval "pong =
//   net_adm:ping(cafe@$(hostname))"

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/node/node.hpp"
#include "cafe/runtime/logging.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"

#include <iostream>

namespace {

using namespace cafe;
using namespace cafe::etf::literals;

/// Replies to `{Pid, Term}` with `{self(), Term}`.
class echo : public node::local_process {
public:
  explicit echo(const std::shared_ptr<node::node>& owner)
    : owner_(owner), self_(owner->make_pid()) {}

  const etf::pid& self() const {
    return self_;
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    etf::pid from;
    etf::term payload;
    if (!etf::match(msg, &from, &payload)) {
      runtime::logger().info("echo: ignoring {}", etf::to_string(msg));
      return;
    }
    if (auto owner = owner_.lock())
      owner->send(self_, from, etf::make_tuple(self_, payload));
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {}

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {}

private:
  std::weak_ptr<node::node> owner_;
  etf::pid self_;
};

} // namespace

int main(int argc, char** argv) {
  auto opts = runtime::parse_node_options(argc, argv);
  if (!opts)
    return runtime::report(opts.error(), argv[0]);
  if (opts->name.empty()) {
    opts->name = "cafe";
  }
  runtime::system sys{*opts};
  node::config cfg;
  cfg.name = opts->name;
  cfg.long_names = opts->long_names;
  cfg.cookie = opts->cookie;
  cfg.epmd_port = opts->epmd_port;
  cfg.listen_address = opts->listen_address;
  cfg.listen_port = opts->listen_port;
  cfg.hidden = opts->hidden;
  cfg.ticktime = opts->ticktime;
  auto n = node::node::start(sys.io_context(), cfg);
  if (!n) {
    std::cerr << argv[0] << ": " << n.error() << '\n';
    return 1;
  }
  auto& nd = *n;
  auto e = std::make_shared<echo>(nd);
  nd->add_process(e->self(), e);
  nd->register_name("echo"_atom, e->self());
  nd->monitor_nodes([](etf::atom peer, bool up) {
    runtime::logger().info("{} {}", up ? "nodeup" : "nodedown", peer.text());
  });
  std::cout << "cafe node " << nd->name().text() << " up (cookie from "
            << (opts->cookie.empty() ? "~/.erlang.cookie" : "--cookie")
            << "); try from erl: net_adm:ping('" << nd->name().text() << "').\n"
            << std::flush;
  sys.on_shutdown([nd] { nd->stop(); });
  sys.run();
  return 0;
}
