// A real Elixir node talks to a CAF actor through the bridge: send/2 to a
// registered actor, GenServer.call, Process.monitor, Node.list. The script
// prints what it saw; the test checks its output and exit status.

#include "bridge_interop_fixture.hpp"
#include "cafe/test/tools.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>
#include <sstream>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;
using namespace std::chrono_literals;

namespace {

/// `{chat, Room, User, Text}` -> the sender gets `{chat, Room, <<"cafe">>,
/// <<"re: Text from User">>}`; `get` (a call) answers the room count;
/// `stop` ends the actor with `shutdown`.
caf::behavior room(caf::event_based_actor* self) {
  return {
    [=](chat_atom, std::string room, std::string user, std::string text) {
      auto from = caf::actor_cast<caf::actor>(self->current_sender());
      self->send(from, chat_atom::value, std::move(room), std::string{"cafe"},
                 "re: " + text + " from " + user);
    },
    [=](caf::get_atom) {
      return std::vector<std::string>{"lobby", "hall"};
    },
    [=](stop_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

using elixir = actor_interop;

TEST_F(elixir, script_talks_to_a_registered_actor) {
  auto tool = require_tool("elixir");
  caf::scoped_actor self{*sys};
  auto r = keep(sys->spawn(room));
  ASSERT_TRUE(br->register_name("chat_room"_atom, r));
  self->monitor(r);
  auto cafe_name = std::string{cafe->name().text()};
  auto script = R"(
cafe = :")" + cafe_name
                + R"("
dest = {:chat_room, cafe}
IO.puts("connect #{Node.connect(cafe)}")
IO.puts("nodes #{inspect(Node.list())}")
ref = Process.monitor(dest)
send(dest, {:chat, "lobby", "elixir", "hello"})
receive do
  {:chat, room, user, text} -> IO.puts("reply #{room}|#{user}|#{text}")
after
  5000 -> IO.puts("no reply"); System.halt(2)
end
IO.puts("call #{inspect(GenServer.call(dest, :get, 5000))}")
send(dest, :stop)
receive do
  {:DOWN, ^ref, :process, ^dest, reason} -> IO.puts("down #{inspect(reason)}")
after
  5000 -> IO.puts("no down"); System.halt(3)
end
)";
  spawn_options so;
  so.program = tool;
  so.args = {"--name", std::string{node_name("ex").text()}, "--cookie", cookie_,
             "--erl",
             // No epmd of its own (the fixture's port has cafe's embedded
             // one); distribution on loopback only.
             "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
             "-e", script};
  so.env = {{"ERL_EPMD_PORT", std::to_string(epmd_port_)},
            {"ERL_CRASH_DUMP_SECONDS", "0"}};
  auto res = run(so, 60s);
  ASSERT_TRUE(res.ok()) << res.describe();
  std::vector<std::string> lines;
  std::istringstream in{res.output};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  auto has = [&](const std::string& x) {
    return std::find(lines.begin(), lines.end(), x) != lines.end();
  };
  EXPECT_TRUE(has("connect true")) << res.output;
  EXPECT_TRUE(has("nodes [:\"" + cafe_name + "\"]")
              || has("nodes [:" + cafe_name + "]"))
    << res.output;
  EXPECT_TRUE(has("reply lobby|cafe|re: hello from elixir")) << res.output;
  EXPECT_TRUE(has("call [\"lobby\", \"hall\"]")) << res.output;
  EXPECT_TRUE(has("down :shutdown")) << res.output;
  // The actor ended as the script asked.
  bool down = false;
  self->receive(
    [&](caf::down_msg& x) {
      down = true;
      EXPECT_EQ(x.reason, caf::exit_reason::user_shutdown);
    },
    caf::after(5s) >> [] {});
  EXPECT_TRUE(down);
}

} // namespace
