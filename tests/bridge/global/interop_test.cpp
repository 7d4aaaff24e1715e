// global on cafe nodes as members of real BEAM clusters: erl nodes running
// OTP's own global and cafe nodes in this process running global::server,
// on loopback with a private EPMD. Every test checks what each BEAM node's
// global says (global:sync/0, whereis_name/1, its known and synced nodes)
// and ends by showing that no BEAM node logged a warning mentioning
// global (a malformed or unexpected message from cafe would make its
// global_name_server log one).

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/global/server.hpp"
#include "cafe/node/gen_call.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <deque>
#include <iostream>
#include <thread>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

std::unique_ptr<temp_dir> global_beams;

struct cafe_member {
  std::shared_ptr<node::node> node;
  std::shared_ptr<global::server> global;
};

global::options no_pop() {
  global::options o;
  o.prevent_overlapping_partitions = false;
  return o;
}

std::vector<std::string> no_pop_args() {
  return {"-kernel", "prevent_overlapping_partitions", "false"};
}

etf::term atoms(const std::vector<etf::atom>& xs) {
  etf::list result;
  for (auto x : xs)
    result.elements.emplace_back(x);
  return result;
}

class global_interop : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    if (!global_beams)
      global_beams = compile_erl("tests/bridge/global/global_peer.erl");
  }

  void TearDown() override {
    for (auto& c : cafes_)
      if (c.global)
        c.global->stop();
    cafes_.clear();
  }

  /// An erl node with global_peer loaded and its log captured.
  erl_node& erl(const std::string& name, std::vector<std::string> extra = {}) {
    auto node = start_erl(name, [&](erl_options& opts) {
      opts.extra_args = {"-pa", global_beams->path().string()};
      opts.extra_args.insert(opts.extra_args.end(), extra.begin(), extra.end());
    });
    if (node->eval("global_peer:capture_log()") != etf::term{"ok"_atom})
      throw std::runtime_error("capture_log failed");
    erls_.push_back(std::move(node));
    return *erls_.back();
  }

  /// A cafe node `name` running global.
  cafe_member& cafe(const std::string& name, global::options opts = {}) {
    auto node = start_cafe([&](node::config& cfg) {
      cfg.name = std::string{node_name(name).text()};
    });
    auto g = global::server::start(node, opts);
    if (!g)
      throw std::runtime_error(g.error());
    cafes_.push_back({node, *g});
    return cafes_.back();
  }

  static void ping(erl_node& from, etf::atom to) {
    if (from.eval("net_adm:ping(" + quoted(to) + ")") != etf::term{"pong"_atom})
      throw std::runtime_error("pang: " + std::string{from.name().text()}
                               + " -> " + std::string{to.text()});
  }

  /// global:sync() on `e`, bounded.
  static etf::term beam_sync(erl_node& e) {
    return e.eval("global_peer:sync(20000)", 30s);
  }

  static etf::term beam_whereis(erl_node& e, const etf::term& name) {
    return e.eval("global:whereis_name(" + erl_literal(name) + ")");
  }

  /// No erl node logged a warning (or worse) about global, except the
  /// prevent_overlapping_partitions notices a test that cuts connections
  /// expects (`allow_pop`), which BEAM nodes log among themselves too.
  ::testing::AssertionResult no_global_warnings(bool allow_pop = false) {
    size_t allowed = 0;
    for (auto& e : erls_) {
      auto log = e->eval("global_peer:global_log()");
      auto xs = log.get_if<etf::list>();
      if (xs == nullptr)
        return ::testing::AssertionFailure() << etf::to_string(log);
      for (auto& x : xs->elements) {
        etf::term text;
        std::string s;
        if (etf::match(x, etf::_, etf::_, &text) && etf::get_as(text, s)
            && allow_pop
            && s.find("in order to prevent overlapping partitions")
                 != std::string::npos) {
          ++allowed;
          continue;
        }
        return ::testing::AssertionFailure()
               << e->name().text() << " logged: " << etf::to_string(x);
      }
    }
    return ::testing::AssertionSuccess() << allowed << " allowed";
  }

  /// Waits until `name` is `want` (a pid, or `undefined`) on every node.
  ::testing::AssertionResult everywhere(const etf::term& name,
                                        const etf::term& want) {
    std::string last;
    bool ok = eventually(
      [&] {
        for (auto& e : erls_) {
          auto got = beam_whereis(*e, name);
          if (!(got == want)) {
            last = std::string{e->name().text()} + " says "
                   + etf::to_string(got);
            return false;
          }
        }
        for (auto& c : cafes_) {
          auto got = c.global->whereis_name(name);
          etf::term t = got ? etf::term{*got} : etf::term{"undefined"_atom};
          if (!(t == want)) {
            last = std::string{c.node->name().text()} + " says "
                   + etf::to_string(t);
            return false;
          }
        }
        return true;
      },
      20s, 50ms);
    if (ok)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << etf::to_string(name) << " is not " << etf::to_string(want)
           << " everywhere: " << last;
  }

  /// `everywhere`, leaving out the cafe node `skip`.
  ::testing::AssertionResult everywhere_but(const cafe_member& skip,
                                            const etf::term& name,
                                            const etf::term& want) {
    auto saved = cafes_;
    cafes_.erase(
      std::remove_if(cafes_.begin(), cafes_.end(),
                     [&](const cafe_member& x) { return x.node == skip.node; }),
      cafes_.end());
    auto res = everywhere(name, want);
    cafes_ = saved;
    return res;
  }

  /// `everywhere`, leaving out the erl node `skip`.
  ::testing::AssertionResult everywhere_but_erl(const erl_node& skip,
                                                const etf::term& name,
                                                const etf::term& want) {
    std::vector<std::unique_ptr<erl_node>> kept;
    for (auto i = erls_.begin(); i != erls_.end();) {
      if (i->get() == &skip) {
        kept.push_back(std::move(*i));
        i = erls_.erase(i);
      } else {
        ++i;
      }
    }
    auto res = everywhere(name, want);
    for (auto& x : kept)
      erls_.push_back(std::move(x));
    return res;
  }

  std::vector<std::unique_ptr<erl_node>> erls_;
  std::deque<cafe_member> cafes_;
};

TEST_F(global_interop, sync_returns_and_names_cross_both_ways) {
  auto& c1 = cafe("cafe");
  auto& a = erl("a");
  ping(a, c1.node->name());
  EXPECT_EQ(beam_sync(a), etf::term{"ok"_atom});
  ASSERT_TRUE(c1.global->sync()) << "cafe's sync timed out";
  // Registered on BEAM, seen on cafe.
  auto p = a.eval("global_peer:spawn_proc()");
  ASSERT_TRUE(p.is<etf::pid>());
  EXPECT_EQ(a.eval("global_peer:register(beam_name, " + erl_literal(p) + ")"),
            etf::term{"yes"_atom});
  EXPECT_TRUE(everywhere("beam_name"_atom, p));
  // Registered on cafe, seen on BEAM; a message to the name arrives.
  auto mb = c1.node->make_mailbox();
  auto name = etf::make_tuple("echo"_atom, c1.node->name());
  auto reg = c1.global->register_name(name, mb->self());
  ASSERT_TRUE(reg) << reg.error();
  EXPECT_TRUE(*reg);
  EXPECT_TRUE(everywhere(name, mb->self()));
  a.eval("global:send(" + erl_literal(name) + ", hello_cafe)");
  auto got = mb->receive(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, etf::term{"hello_cafe"_atom});
  // gen_server:call({global, Name}, ...) (GenServer.call({:global, name},
  // ...) in Elixir) reaches the cafe process, and its reply comes back.
  a.post("gen_server:call({global, " + erl_literal(name) + "}, ping, 10000)");
  auto call = mb->receive(10s);
  ASSERT_TRUE(call);
  auto req = node::parse_gen_call(*call);
  ASSERT_TRUE(req) << etf::to_string(*call);
  EXPECT_EQ(req->request, etf::term{"ping"_atom});
  node::send_gen_reply(*c1.node, mb->self(), *req, "pong"_atom);
  EXPECT_EQ(a.result(), etf::term{"pong"_atom});
  // Taken names are refused on both sides.
  EXPECT_EQ(a.eval("global_peer:register(" + erl_literal(name) + ", "
                   + erl_literal(p) + ")"),
            etf::term{"no"_atom});
  auto mb2 = c1.node->make_mailbox();
  auto again = c1.global->register_name("beam_name"_atom, mb2->self());
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  // The process ends: the name goes everywhere.
  mb->close("normal"_atom);
  EXPECT_TRUE(everywhere(name, "undefined"_atom));
  a.eval(erl_literal(p) + " ! '$stop'");
  EXPECT_TRUE(everywhere("beam_name"_atom, "undefined"_atom));
  EXPECT_TRUE(no_global_warnings());
}

TEST_F(global_interop, three_beam_and_two_cafe_nodes) {
  auto& c1 = cafe("cafe");
  auto& a = erl("a");
  auto& b = erl("b");
  auto& c = erl("c");
  auto& c2 = cafe("cafe2");
  // Each BEAM node is told about one other node only: global's connect_all
  // meshes the rest, cafe nodes included.
  ping(a, b.name());
  ping(b, c.name());
  ping(c, c1.node->name());
  ping(a, c2.node->name());
  std::vector<etf::atom> all{a.name(), b.name(), c.name(), c1.node->name(),
                             c2.node->name()};
  std::sort(all.begin(), all.end());
  for (auto* e : {&a, &b, &c})
    EXPECT_EQ(beam_sync(*e), etf::term{"ok"_atom}) << e->name().text();
  for (auto* x : {&c1, &c2}) {
    ASSERT_TRUE(eventually(
      [&] {
        auto ns = x->node->nodes();
        return ns.size() == all.size() - 1;
      },
      20s))
      << x->node->name().text() << " did not connect to every node";
    ASSERT_TRUE(x->global->sync()) << x->node->name().text();
    auto known = x->global->known();
    std::sort(known.begin(), known.end());
    auto want = all;
    want.erase(std::find(want.begin(), want.end(), x->node->name()));
    EXPECT_EQ(known, want) << x->node->name().text();
  }
  // Every BEAM node's global knows (and synced) every other node.
  for (auto* e : {&a, &b, &c}) {
    auto want = all;
    want.erase(std::find(want.begin(), want.end(), e->name()));
    etf::list w;
    for (auto n : want)
      w.elements.emplace_back(n);
    etf::list s;
    for (auto n : want)
      s.elements.emplace_back(n);
    EXPECT_TRUE(eventually(
      [&] { return e->eval("global_peer:known()") == etf::make_tuple(w, s); },
      10s))
      << e->name().text() << ": "
      << etf::to_string(e->eval("global_peer:known()"));
  }
  // A name from each node, seen on every node.
  std::vector<std::pair<etf::term, etf::term>> names;
  for (auto* e : {&a, &b, &c}) {
    auto p = e->eval("global_peer:spawn_proc()");
    auto name = etf::make_tuple("from"_atom, e->name());
    ASSERT_EQ(e->eval("global_peer:register(" + erl_literal(name) + ", "
                      + erl_literal(p) + ")"),
              etf::term{"yes"_atom});
    names.emplace_back(name, p);
  }
  std::vector<std::shared_ptr<node::mailbox>> mbs;
  for (auto* x : {&c1, &c2}) {
    mbs.push_back(x->node->make_mailbox());
    auto name = etf::make_tuple("from"_atom, x->node->name());
    auto ok = x->global->register_name(name, mbs.back()->self());
    ASSERT_TRUE(ok && *ok) << x->node->name().text();
    names.emplace_back(name, mbs.back()->self());
  }
  for (auto& [name, pid] : names)
    EXPECT_TRUE(everywhere(name, pid));
  for (auto* x : {&c1, &c2}) {
    auto got = x->global->registered_names();
    EXPECT_EQ(got.size(), names.size()) << x->node->name().text();
  }
  // A message from BEAM by name reaches a cafe mailbox, and the reverse.
  c.eval("global:send(" + erl_literal(names[4].first) + ", {hi, c})");
  auto got = mbs[1]->receive(10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, etf::make_tuple("hi"_atom, "c"_atom));
  ASSERT_TRUE(c1.global->send(names[0].first, "from_cafe"_atom));
  EXPECT_TRUE(eventually(
    [&] {
      return a.eval("global_peer:take(" + erl_literal(names[0].second) + ")")
             == etf::make_list("from_cafe"_atom);
    },
    10s));
  // A cafe node goes down: its names go everywhere, the others stay.
  c2.global->stop();
  c2.node->stop();
  EXPECT_TRUE(everywhere_but(c2, names[4].first, "undefined"_atom));
  EXPECT_TRUE(everywhere_but(c2, names[3].first, names[3].second));
  for (auto* e : {&a, &b, &c})
    EXPECT_EQ(beam_sync(*e), etf::term{"ok"_atom}) << e->name().text();
  EXPECT_TRUE(no_global_warnings(true));
}

TEST_F(global_interop, global_started_after_the_connection_catches_up) {
  // The BEAM's init_connect came while nothing ran global here: cafe's own
  // init_connect, acknowledged with tags that do not match, makes both
  // sides cancel and start over (global's verify-connect messages).
  auto node = start_cafe([&](node::config& cfg) {
    cfg.name = std::string{node_name("late").text()};
  });
  auto& a = erl("a");
  ping(a, node->name());
  auto g = global::server::start(node);
  ASSERT_TRUE(g) << g.error();
  cafes_.push_back({node, *g});
  EXPECT_EQ(beam_sync(a), etf::term{"ok"_atom});
  ASSERT_TRUE((*g)->sync());
  EXPECT_EQ((*g)->known(), std::vector<etf::atom>{a.name()});
  EXPECT_TRUE(no_global_warnings());
}

TEST_F(global_interop, locks_are_cluster_wide) {
  auto& c1 = cafe("cafe");
  auto& a = erl("a");
  auto& b = erl("b");
  ping(a, b.name());
  ping(a, c1.node->name());
  ASSERT_TRUE(eventually([&] { return c1.node->nodes().size() == 2; }, 20s));
  for (auto* e : {&a, &b})
    ASSERT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  auto beam_id = etf::make_tuple("res"_atom, "beam_req"_atom);
  auto cafe_id = etf::make_tuple("res"_atom, "cafe_req"_atom);
  auto beam_lock = [&](erl_node& e) {
    return e.eval("global:set_lock(" + erl_literal(beam_id)
                  + ", [node() | nodes()], 0)");
  };
  // BEAM holds it: cafe cannot take it, with one retry or none.
  ASSERT_EQ(beam_lock(a), etf::term{true});
  auto r = c1.global->set_lock(cafe_id, {}, 1u);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(*r);
  EXPECT_EQ(a.eval("global:del_lock(" + erl_literal(beam_id) + ")"),
            etf::term{true});
  // Cafe holds it: no BEAM node can take it, until cafe lets go.
  r = c1.global->set_lock(cafe_id, {}, 0u);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(beam_lock(b), etf::term{false});
  ASSERT_TRUE(c1.global->del_lock(cafe_id));
  EXPECT_EQ(beam_lock(b), etf::term{true});
  EXPECT_EQ(b.eval("global:del_lock(" + erl_literal(beam_id) + ")"),
            etf::term{true});
  // trans runs the function holding the lock, then releases it.
  std::optional<etf::term> seen;
  auto res = c1.global->trans(cafe_id, [&] {
    seen = beam_lock(a);
    return etf::term{"done"_atom};
  });
  ASSERT_TRUE(res);
  EXPECT_EQ(*res, etf::term{"done"_atom});
  EXPECT_EQ(seen, etf::term{false});
  EXPECT_EQ(beam_lock(a), etf::term{true});
  EXPECT_TRUE(no_global_warnings());
}

TEST_F(global_interop, registration_races_from_both_sides) {
  auto& c1 = cafe("cafe");
  auto& a = erl("a");
  auto& b = erl("b");
  auto& c2 = cafe("cafe2");
  ping(a, b.name());
  ping(a, c1.node->name());
  ping(b, c2.node->name());
  for (auto* e : {&a, &b})
    ASSERT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  ASSERT_TRUE(eventually([&] { return c1.node->nodes().size() == 3; }, 20s));
  ASSERT_TRUE(c1.global->sync());
  ASSERT_TRUE(c2.global->sync());
  constexpr int rounds = 5;
  size_t beam_wins = 0, cafe_wins = 0;
  for (int i = 0; i < rounds; ++i) {
    auto name = etf::make_tuple("race"_atom, i);
    auto pa = a.eval("global_peer:spawn_proc()");
    auto pb = b.eval("global_peer:spawn_proc()");
    auto m1 = c1.node->make_mailbox();
    auto m2 = c2.node->make_mailbox();
    // Started together: two BEAM registrations in flight, then two cafe
    // ones from threads of their own.
    auto ra = a.eval("global_peer:register_async(" + erl_literal(name) + ", "
                     + erl_literal(pa) + ")");
    auto rb = b.eval("global_peer:register_async(" + erl_literal(name) + ", "
                     + erl_literal(pb) + ")");
    expected<bool, std::string> r1{false}, r2{false};
    std::thread t1{[&] { r1 = c1.global->register_name(name, m1->self()); }};
    std::thread t2{[&] { r2 = c2.global->register_name(name, m2->self()); }};
    t1.join();
    t2.join();
    auto ya = a.eval(
      "global_peer:register_result(" + erl_literal(ra) + ", 30000)", 40s);
    auto yb = b.eval(
      "global_peer:register_result(" + erl_literal(rb) + ", 30000)", 40s);
    ASSERT_TRUE(r1) << r1.error();
    ASSERT_TRUE(r2) << r2.error();
    std::vector<std::pair<bool, etf::term>> outcomes{
      {ya == etf::term{"yes"_atom}, pa},
      {yb == etf::term{"yes"_atom}, pb},
      {*r1, m1->self()},
      {*r2, m2->self()}};
    size_t yes = 0;
    etf::term winner;
    for (auto& [won, pid] : outcomes)
      if (won) {
        ++yes;
        winner = pid;
      }
    ASSERT_EQ(yes, 1u) << "round " << i << ": " << etf::to_string(ya) << " "
                       << etf::to_string(yb) << " " << *r1 << " " << *r2;
    EXPECT_TRUE(everywhere(name, winner));
    (winner.get<etf::pid>().node == a.name()
         || winner.get<etf::pid>().node == b.name()
       ? beam_wins
       : cafe_wins)++;
  }
  std::cout << "races won: BEAM " << beam_wins << ", cafe " << cafe_wins
            << "\n";
  EXPECT_TRUE(no_global_warnings());
}

TEST_F(global_interop, connect_all_reaches_nodes_never_named) {
  auto& c1 = cafe("cafe");
  auto& a = erl("a");
  auto& b = erl("b");
  auto& c2 = cafe("cafe2", [] {
    global::options o;
    o.connect_all = false;
    return o;
  }());
  ping(a, b.name());
  ASSERT_EQ(beam_sync(a), etf::term{"ok"_atom});
  // cafe is told about a only; global brings b.
  ASSERT_TRUE(c1.node->connect(a.name(), 10s));
  EXPECT_TRUE(eventually(
    [&] {
      return contains(c1.node->nodes(), b.name())
             && b.eval("lists:member(" + quoted(c1.node->name()) + ", nodes())")
                  == etf::term{true};
    },
    20s))
    << "cafe never connected to b";
  EXPECT_EQ(beam_sync(b), etf::term{"ok"_atom});
  ASSERT_TRUE(c1.global->sync());
  // With connect_all off, cafe2 takes no part: no connection to b, no
  // names, like erl -connect_all false.
  auto p = b.eval("global_peer:spawn_proc()");
  ASSERT_EQ(b.eval("global_peer:register(off_name, " + erl_literal(p) + ")"),
            etf::term{"yes"_atom});
  ASSERT_TRUE(c2.node->connect(a.name(), 10s));
  EXPECT_TRUE(everywhere_but(c2, "off_name"_atom, p));
  EXPECT_FALSE(c2.global->whereis_name("off_name"_atom));
  EXPECT_FALSE(contains(c2.node->nodes(), b.name()));
  EXPECT_TRUE(c2.global->known().empty());
  EXPECT_TRUE(no_global_warnings());
}

TEST_F(global_interop, healed_netsplit_clash_resolved_as_beam_does) {
  // Node names decide who resolves (the smaller one of the pair that
  // connects) and who keeps the name (global:random_exit_name/3 keeps the
  // process on the smaller node and kills the other).
  //
  // prevent_overlapping_partitions is off on every node, for BEAM and cafe
  // alike: with it on, cutting connections one by one lets each node's
  // lost_connection reports race, and which partitions remain is down to
  // timing, in an all-BEAM cluster too.
  auto& c1 = cafe("m_cafe", no_pop());
  auto& a = erl("a", no_pop_args());
  auto& z = erl("z", no_pop_args());
  ping(a, z.name());
  ping(a, c1.node->name());
  // Fully meshed and in sync before the cut: nothing still connecting.
  ASSERT_TRUE(eventually([&] { return c1.node->nodes().size() == 2; }, 20s));
  for (auto* e : {&a, &z})
    ASSERT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  ASSERT_TRUE(c1.global->sync());
  ASSERT_EQ(c1.global->known().size(), 2u);
  // Cut cafe off from both BEAM nodes.
  c1.node->disconnect(a.name());
  c1.node->disconnect(z.name());
  ASSERT_TRUE(eventually([&] { return c1.node->nodes().empty(); }, 10s))
    << etf::to_string(atoms(c1.node->nodes()));
  ASSERT_TRUE(eventually(
    [&] {
      return a.eval("nodes()") == etf::make_list(z.name())
             && z.eval("nodes()") == etf::make_list(a.name());
    },
    10s));
  // The same names on both sides of the split.
  auto pa = a.eval("global_peer:spawn_proc()");
  auto pz = z.eval("global_peer:spawn_proc()");
  auto m1 = c1.node->make_mailbox();
  auto m2 = c1.node->make_mailbox();
  ASSERT_EQ(a.eval("global_peer:register(clash_a, " + erl_literal(pa) + ")"),
            etf::term{"yes"_atom});
  ASSERT_EQ(z.eval("global_peer:register(clash_z, " + erl_literal(pz) + ")"),
            etf::term{"yes"_atom});
  ASSERT_TRUE(*c1.global->register_name("clash_a"_atom, m1->self()));
  ASSERT_TRUE(*c1.global->register_name("clash_z"_atom, m2->self()));
  auto wa = a.eval("global_peer:watch(" + erl_literal(pa) + ")");
  auto wz = z.eval("global_peer:watch(" + erl_literal(pz) + ")");
  // Heal.
  ASSERT_TRUE(c1.node->connect(a.name(), 10s));
  // clash_a: a (smaller than m_cafe) keeps its process; cafe's is killed.
  EXPECT_TRUE(everywhere("clash_a"_atom, pa));
  auto ea = m1->receive_if(
    [](const etf::term& x) {
      return etf::match(x, "EXIT"_atom, etf::_, etf::_);
    },
    20s);
  ASSERT_TRUE(ea) << "cafe's clash_a process got no exit signal";
  EXPECT_TRUE(etf::match(*ea, "EXIT"_atom, etf::_, "kill"_atom))
    << etf::to_string(*ea);
  // clash_z: m_cafe is smaller than z, so cafe's process stays and z's is
  // killed (by whichever side resolved it).
  EXPECT_TRUE(everywhere("clash_z"_atom, m2->self()));
  EXPECT_EQ(z.eval("global_peer:down_reason(" + erl_literal(wz) + ", 20000)",
                   30s),
            etf::make_tuple("down"_atom, "killed"_atom));
  EXPECT_EQ(a.eval("global_peer:down_reason(" + erl_literal(wa) + ", 100)"),
            etf::term{"alive"_atom});
  for (auto* e : {&a, &z})
    EXPECT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  EXPECT_TRUE(no_global_warnings(true));
}

TEST_F(global_interop, cafe_resolves_clashes_when_its_name_is_smaller) {
  // b_cafe < z: when b_cafe's partition {a, b_cafe} meets z through
  // b_cafe, cafe runs the resolve functions: its own process's locally,
  // a's through rpc (rex) on a, as global does.
  // (prevent_overlapping_partitions off, as in the test above.)
  auto& c1 = cafe("b_cafe", no_pop());
  auto& a = erl("a", no_pop_args());
  auto& z = erl("z", no_pop_args());
  ping(a, z.name());
  ping(a, c1.node->name());
  ASSERT_TRUE(eventually([&] { return c1.node->nodes().size() == 2; }, 20s));
  for (auto* e : {&a, &z})
    ASSERT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  ASSERT_TRUE(c1.global->sync());
  // Cut z off: {a, b_cafe} | {z}.
  c1.node->disconnect(z.name());
  a.eval("erlang:disconnect_node(" + quoted(z.name()) + ")");
  ASSERT_TRUE(eventually(
    [&] {
      return z.eval("nodes()").is_nil()
             && c1.node->nodes() == std::vector<etf::atom>{a.name()};
    },
    10s))
    << etf::to_string(z.eval("nodes()"));
  auto pa = a.eval("global_peer:spawn_proc()");
  auto pz = z.eval("global_peer:spawn_proc()");
  auto pz2 = z.eval("global_peer:spawn_proc()");
  auto m1 = c1.node->make_mailbox();
  ASSERT_EQ(a.eval("global_peer:register(clash_x, " + erl_literal(pa) + ")"),
            etf::term{"yes"_atom});
  ASSERT_EQ(z.eval("global_peer:register(clash_x, " + erl_literal(pz) + ")"),
            etf::term{"yes"_atom});
  ASSERT_EQ(z.eval("global_peer:register(clash_y, " + erl_literal(pz2) + ")"),
            etf::term{"yes"_atom});
  ASSERT_TRUE(*c1.global->register_name("clash_y"_atom, m1->self()));
  ASSERT_TRUE(everywhere_but_erl(z, "clash_x"_atom, pa));
  auto wz = z.eval("global_peer:watch(" + erl_literal(pz) + ")");
  auto wz2 = z.eval("global_peer:watch(" + erl_literal(pz2) + ")");
  auto wa = a.eval("global_peer:watch(" + erl_literal(pa) + ")");
  // Heal through cafe.
  ASSERT_TRUE(c1.node->connect(z.name(), 10s));
  EXPECT_TRUE(everywhere("clash_x"_atom, pa));
  EXPECT_TRUE(everywhere("clash_y"_atom, m1->self()));
  EXPECT_EQ(z.eval("global_peer:down_reason(" + erl_literal(wz) + ", 20000)",
                   30s),
            etf::make_tuple("down"_atom, "killed"_atom));
  EXPECT_EQ(z.eval("global_peer:down_reason(" + erl_literal(wz2) + ", 20000)",
                   30s),
            etf::make_tuple("down"_atom, "killed"_atom));
  EXPECT_EQ(a.eval("global_peer:down_reason(" + erl_literal(wa) + ", 100)"),
            etf::term{"alive"_atom});
  for (auto* e : {&a, &z})
    EXPECT_EQ(beam_sync(*e), etf::term{"ok"_atom});
  EXPECT_TRUE(no_global_warnings(true));
}

} // namespace
