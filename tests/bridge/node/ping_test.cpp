// net_adm:ping both ways, visible and hidden nodes, cookies, and the
// embedded EPMD as seen by a real erl and the real epmd binary.

#include "cafe/test/tools.hpp"
#include "interop_fixture.hpp"

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

using ping = interop_fixture;

etf::term pong() {
  return etf::term{"pong"_atom};
}

etf::term pang() {
  return etf::term{"pang"_atom};
}

std::string ping_expr(etf::atom target) {
  return "net_adm:ping(" + quoted(target) + ")";
}

TEST_F(ping, both_ways) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  auto b = start_erl("b");
  // erl dials cafe, then cafe pings over that connection.
  EXPECT_EQ(a->eval(ping_expr(cafe->name())), pong());
  EXPECT_TRUE(cafe->ping(a->name(), 5s));
  // cafe dials erl, then erl pings over that connection.
  EXPECT_TRUE(cafe->ping(b->name(), 5s));
  EXPECT_EQ(b->eval(ping_expr(cafe->name())), pong());
  EXPECT_TRUE(contains(cafe->nodes(), a->name()));
  EXPECT_TRUE(contains(cafe->nodes(), b->name()));
}

TEST_F(ping, unknown_node_fails_fast) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  auto nosuch = node_name("nosuch");
  auto start = clock::now();
  EXPECT_FALSE(cafe->ping(nosuch, 30s));
  // EPMD says no at once: the ping ends long before its timeout.
  EXPECT_LT(clock::now() - start, 10s);
  EXPECT_FALSE(contains(cafe->nodes(true), nosuch));
  EXPECT_EQ(cafe->connection_to(nosuch), nullptr);
  // The node still works afterwards.
  EXPECT_EQ(a->eval(ping_expr(cafe->name())), pong());
}

TEST_F(ping, cafe_is_visible) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  ASSERT_EQ(a->eval(ping_expr(cafe->name())), pong());
  // In nodes(), not only in nodes(hidden).
  EXPECT_EQ(a->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
            etf::term{true});
  EXPECT_EQ(
    a->eval("lists:member(" + quoted(cafe->name()) + ", nodes(hidden))"),
    etf::term{false});
  EXPECT_TRUE(contains(cafe->nodes(), a->name()));
}

TEST_F(ping, hidden_cafe_is_only_in_nodes_hidden) {
  auto cafe = start_cafe([](node::config& cfg) { cfg.hidden = true; });
  auto a = start_erl("a");
  auto b = start_erl("b");
  // Both directions: erl dials the hidden node, and the hidden node dials.
  ASSERT_EQ(a->eval(ping_expr(cafe->name())), pong());
  ASSERT_TRUE(cafe->ping(b->name(), 5s));
  for (auto* x : {a.get(), b.get()}) {
    EXPECT_EQ(x->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
              etf::term{false})
      << x->name().text();
    EXPECT_EQ(
      x->eval("lists:member(" + quoted(cafe->name()) + ", nodes(hidden))"),
      etf::term{true})
      << x->name().text();
  }
  EXPECT_TRUE(cafe->nodes(false).empty());
  EXPECT_TRUE(contains(cafe->nodes(true), a->name()));
  EXPECT_TRUE(contains(cafe->nodes(true), b->name()));
}

TEST_F(ping, wrong_cookie_is_refused_both_ways) {
  auto cafe = start_cafe();
  auto w = start_erl("w", [](erl_options& o) { o.cookie = "wrong"; });
  auto start = clock::now();
  EXPECT_EQ(w->eval(ping_expr(cafe->name())), pang());
  EXPECT_FALSE(cafe->ping(w->name(), 5s));
  EXPECT_LT(clock::now() - start, 5s);
  EXPECT_FALSE(contains(cafe->nodes(true), w->name()));
  EXPECT_EQ(w->eval("nodes(connected)"), etf::term{});
  // The node keeps serving peers with the right cookie.
  auto a = start_erl("a");
  EXPECT_EQ(a->eval(ping_expr(cafe->name())), pong());
  EXPECT_TRUE(cafe->ping(a->name(), 5s));
  // And the refused one still gets nowhere.
  EXPECT_EQ(w->eval(ping_expr(cafe->name())), pang());
}

TEST_F(ping, real_erl_and_epmd_use_the_embedded_epmd) {
  auto epmd = require_tool("epmd");
  auto cafe = start_cafe();
  // A fresh port: nothing answered, so the node runs its own EPMD; the erl
  // node may not start one (-start_epmd false), so it registers with ours.
  ASSERT_TRUE(cafe->runs_embedded_epmd());
  auto a = start_erl("a");
  spawn_options so;
  so.program = epmd;
  so.args = {"-port", std::to_string(epmd_port_), "-names"};
  auto res = run(so, 5s);
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_NE(
    res.output.find("up and running on port " + std::to_string(epmd_port_)),
    std::string::npos)
    << res.output;
  EXPECT_NE(
    res.output.find("name cafe at port " + std::to_string(cafe->port()) + "\n"),
    std::string::npos)
    << res.output;
  EXPECT_NE(res.output.find("name a at port "), std::string::npos)
    << res.output;
  // Both find each other through it.
  EXPECT_EQ(a->eval(ping_expr(cafe->name())), pong());
  EXPECT_TRUE(cafe->ping(a->name(), 5s));
  // erl's own lookup answers with the port the cafe node listens on.
  EXPECT_EQ(a->eval("element(2, erl_epmd:port_please(\"cafe\", "
                    "{127,0,0,1}))"),
            etf::term{int64_t{cafe->port()}});
}

TEST_F(ping, rpc_to_cafe_is_refused_not_hung) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  ASSERT_EQ(a->eval(ping_expr(cafe->name())), pong());
  // OTP 25's rpc:call is a SPAWN_REQUEST; cafe answers with an error
  // SPAWN_REPLY instead of leaving the caller to its timeout.
  auto start = clock::now();
  EXPECT_EQ(
    a->eval("rpc:call(" + quoted(cafe->name()) + ", erlang, node, [], 30000)",
            40s),
    etf::make_tuple("badrpc"_atom, "notsup"_atom));
  // Long before rpc's own timeout.
  EXPECT_LT(clock::now() - start, 10s);
  // The reply was valid: erl kept the connection.
  EXPECT_EQ(a->eval("lists:member(" + quoted(cafe->name()) + ", nodes())"),
            etf::term{true});
}

} // namespace

namespace {

using ping_peers = interop_fixture;

TEST_F(ping_peers, a_running_epmd_is_used_as_is) {
  // A real epmd on the fixture's port, started (and killed) by the test.
  auto epmd = start_real_epmd();
  auto cafe = start_cafe();
  EXPECT_FALSE(cafe->runs_embedded_epmd());
  auto a = start_erl("a");
  EXPECT_EQ(a->eval(ping_expr(cafe->name())), pong());
  spawn_options names;
  names.program = require_tool("epmd");
  names.args = {"-port", std::to_string(epmd_port_), "-names"};
  auto res = run(names, 5s);
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_NE(
    res.output.find("name cafe at port " + std::to_string(cafe->port()) + "\n"),
    std::string::npos)
    << res.output;
  cafe->stop();
  epmd->stop(0ms);
}

TEST_F(ping_peers, elixir_node_ping_and_node_list) {
  auto cafe = start_cafe();
  spawn_options so;
  so.program = require_tool("elixir");
  auto target = std::string{cafe->name().text()};
  so.args = {"--name",
             std::string{node_name("ex").text()},
             "--cookie",
             cookie_,
             "--erl",
             "-start_epmd false -epmd_port " + std::to_string(epmd_port_)
               + " -kernel inet_dist_use_interface {127,0,0,1}",
             "-e",
             "cafe = :\"" + target
               + "\"\n"
                 "IO.puts(\"ping=#{Node.ping(cafe)}\")\n"
                 "IO.puts(\"listed=#{cafe in Node.list()}\")\n"
                 ""};
  so.merge_stderr = true;
  auto res = run(so, 30s);
  ASSERT_TRUE(res.ok()) << res.describe();
  EXPECT_NE(res.output.find("ping=pong"), std::string::npos) << res.output;
  EXPECT_NE(res.output.find("listed=true"), std::string::npos) << res.output;
}

} // namespace
