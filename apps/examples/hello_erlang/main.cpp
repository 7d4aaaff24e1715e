// hello_erlang: a CAF actor that Erlang and Elixir processes talk to.
//
//   hello_erlang --sname hello --cookie secret [--greet NAME@NODE]
//
// It registers `greeter`; from Elixir:
//   send({:greeter, :"hello@host"}, {:greet, "Ada", self()})
//   receive do {:hello, text} -> IO.puts(text) end     # "hello, Ada"
// With --greet, it first sends {hello, <<"from C++">>, Greeter} to the
// process registered as NAME on NODE (e.g. an iex shell that registered
// itself: Process.register(self(), :shell)).

#include "cafe/actor/bridge.hpp"
#include "cafe/node/node.hpp"
#include "cafe/runtime/node_config.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"
#include "cafe/services/start_node.hpp"

#include <boost/program_options.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <iostream>

using greet_atom = caf::atom_constant<caf::atom("greet")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;

// {greet, Name, From} -> From ! {hello, <<"hello, Name">>}
caf::behavior greeter(caf::event_based_actor* self) {
  return {
    [=](greet_atom, const std::string& name, const caf::actor& from) {
      self->send(from, hello_atom::value, "hello, " + name);
    },
  };
}

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string greet;
  po::options_description extra{"hello_erlang"};
  extra.add_options()("greet", po::value(&greet),
                      "NAME@NODE: say hello to a registered process first");
  po::variables_map values;
  auto opts = cafe::runtime::parse_node_options(argc, argv, extra, values);
  if (!opts)
    return cafe::runtime::report(opts.error(), argv[0]);
  cafe::runtime::system sys{*opts};
  auto cfg
    = cafe::runtime::node_config(*opts); // --sname, --cookie, --epmd-port
  if (cfg.name.empty())
    cfg.name = "hello";
  auto node = cafe::services::start_node(sys.io_context(), cfg);
  if (!node) {
    std::cerr << "hello_erlang: " << node.error() << '\n';
    return 1;
  }
  auto br = std::make_shared<cafe::actor::bridge>(sys.actors(), *node);
  auto hello = sys.actors().spawn(greeter);
  br->register_name(cafe::etf::atom{"greeter"}, hello);
  sys.keep_alive_until_shutdown(hello);
  if (auto at = greet.find('@'); at != std::string::npos) {
    // A registered process elsewhere is a CAF actor like any other.
    auto peer = br->remote(cafe::etf::atom{greet.substr(0, at)},
                           cafe::etf::atom{greet.substr(at + 1)});
    caf::anon_send(peer, hello_atom::value, std::string{"from C++"}, hello);
  }
  std::cout << "hello_erlang up as " << (*node)->name().text() << std::endl;
  sys.on_shutdown([n = *node] { n->stop(); });
  sys.run();
  return 0;
}
