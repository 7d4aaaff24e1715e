// pg scopes on cafe nodes as members of real BEAM clusters: two erl nodes
// (OTP's own pg, the default scope `pg` from `-kernel start_pg true` and a
// named scope from pg:start/1) and two cafe nodes in this process, fully
// meshed on loopback. Every membership check asks every node, BEAM ones
// through pg:get_members/2, get_local_members/2, which_groups/1 and
// which_local_groups/1, and requires the same members everywhere, each
// node's local members among them; every test ends by showing that no
// BEAM scope restarted (a malformed message from cafe would crash it and
// lose its members).

#include "cafe/etf/compare.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/pg/scope.hpp"
#include "interop_fixture.hpp"

#include <algorithm>
#include <sstream>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

/// The compiled pg_peer.beam, shared by the tests.
std::unique_ptr<temp_dir> pg_beams;

etf::atom default_scope() {
  return "pg"_atom;
}

etf::atom named_scope() {
  return "my_scope"_atom;
}

/// The scopes every test runs on every node.
std::vector<etf::atom> both_scopes() {
  return {default_scope(), named_scope()};
}

std::vector<etf::pid> sorted(std::vector<etf::pid> xs) {
  std::sort(xs.begin(), xs.end(), [](const etf::pid& x, const etf::pid& y) {
    return etf::compare(etf::term{x}, etf::term{y}) < 0;
  });
  return xs;
}

std::vector<etf::pid> concat(std::initializer_list<std::vector<etf::pid>> xss) {
  std::vector<etf::pid> result;
  for (auto& xs : xss)
    result.insert(result.end(), xs.begin(), xs.end());
  return result;
}

/// `xs` without one occurrence of each of `ys`.
std::vector<etf::pid> minus(std::vector<etf::pid> xs,
                            const std::vector<etf::pid>& ys) {
  for (auto& y : ys)
    if (auto i = std::find(xs.begin(), xs.end(), y); i != xs.end())
      xs.erase(i);
  return xs;
}

std::string show(const std::vector<etf::pid>& xs) {
  etf::list ys;
  for (auto& x : xs)
    ys.elements.emplace_back(x);
  return etf::to_string(ys);
}

bool has(const std::vector<etf::term>& xs, const etf::term& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// What one node shows of one group.
struct group_view {
  /// pg:get_members/2, sorted (the order differs between nodes).
  std::vector<etf::pid> members;
  /// pg:get_local_members/2, sorted.
  std::vector<etf::pid> local;
  /// Whether pg:which_groups/1 and which_local_groups/1 list the group.
  bool in_groups = false;
  bool in_local_groups = false;

  friend bool operator==(const group_view&, const group_view&) = default;
};

std::string show(const group_view& x) {
  return "members " + show(x.members) + ", local " + show(x.local)
         + ", which_groups " + (x.in_groups ? "lists it" : "does not list it")
         + ", which_local_groups "
         + (x.in_local_groups ? "lists it" : "does not list it");
}

/// Collects what a cafe watch reports (on io threads). Held by the
/// callback, so a watch that outlives the test body cannot write into a
/// freed log.
class event_log : public std::enable_shared_from_this<event_log> {
public:
  pg::watcher callback() {
    return [self = shared_from_this()](const pg::membership_event& ev) {
      std::lock_guard guard{self->mtx_};
      self->events_.push_back(ev);
    };
  }

  std::vector<pg::membership_event> events() const {
    std::lock_guard guard{mtx_};
    return events_;
  }

  size_t size() const {
    std::lock_guard guard{mtx_};
    return events_.size();
  }

private:
  mutable std::mutex mtx_;
  std::vector<pg::membership_event> events_;
};

etf::term as_term(const pg::membership_event& ev) {
  etf::list pids;
  for (auto& p : ev.pids)
    pids.elements.emplace_back(p);
  return etf::make_tuple(ev.joined ? "join"_atom : "leave"_atom, ev.group,
                         pids);
}

std::string show(const std::vector<pg::membership_event>& evs) {
  std::string result;
  for (auto& ev : evs)
    result += "\n  " + etf::to_string(as_term(ev));
  return result.empty() ? " (none)" : result;
}

/// One node of the cluster: a real erl node or a cafe node with its
/// scopes.
struct participant {
  std::string label;
  etf::atom node;
  erl_node* erl = nullptr;
  std::shared_ptr<node::node> cafe;
  std::vector<std::shared_ptr<pg::scope>> scopes;

  pg::scope& scope(etf::atom name) const {
    for (auto& s : scopes)
      if (s->name() == name)
        return *s;
    throw std::runtime_error(label + " runs no scope "
                             + std::string{name.text()});
  }
};

using participants = std::vector<participant>;

class pg_interop : public interop_fixture {
protected:
  void SetUp() override {
    interop_fixture::SetUp();
    if (!pg_beams)
      pg_beams = compile_erl("tests/bridge/pg/pg_peer.erl");
  }

  // -- starting nodes ---------------------------------------------------------

  /// An erl node running the default scope (kernel's start_pg) and
  /// `named_scope()` (started unlinked), with pg_peer loaded; `hidden`
  /// starts it with `-hidden`.
  participant erl(const std::string& name, bool hidden = false) {
    auto node = start_erl(name, [&](erl_options& opts) {
      opts.extra_args = {"-kernel", "start_pg", "true", "-pa",
                         pg_beams->path().string()};
      if (hidden)
        opts.extra_args.push_back("-hidden");
    });
    auto pid = node->eval("pg_peer:start_scope(" + quoted(named_scope()) + ")");
    if (!pid.is<etf::pid>())
      throw std::runtime_error("pg:start: " + etf::to_string(pid));
    erls_.push_back(std::move(node));
    return {"erl " + name, erls_.back()->name(), erls_.back().get(), {}, {}};
  }

  /// A cafe node `name` running both scopes.
  participant cafe(const std::string& name) {
    auto node = start_cafe([&](node::config& cfg) {
      cfg.name = std::string{node_name(name).text()};
    });
    participant result{"cafe " + name, node->name(), nullptr, node, {}};
    for (auto s : both_scopes())
      result.scopes.push_back(start_scope(node, s));
    return result;
  }

  static std::shared_ptr<pg::scope>
  start_scope(const std::shared_ptr<node::node>& node, etf::atom name) {
    auto res = pg::scope::start(node, name);
    if (!res)
      throw std::runtime_error(res.error());
    return *res;
  }

  /// Erl `a` and `b`, cafe `c1` and `c2`, scopes started before the nodes
  /// connect (so each pair discovers on nodeup), then fully meshed.
  ///
  /// An erl node inherits every socket this process holds when it is
  /// spawned (they are not close-on-exec), and a socket closed here stays
  /// open while a child holds it. So the erl nodes start before any
  /// connection exists (a disconnect or a stopped node must be seen by the
  /// peer), and before c2 (which must be able to leave EPMD and come back
  /// under its name); only c1, which runs the EPMD, comes first.
  void start_cluster() {
    c1 = cafe("cafe");
    a = erl("a");
    b = erl("b");
    c2 = cafe("cafe2");
    connect_erl(a, {b, c1, c2});
    connect_erl(b, {c1, c2});
    if (!c1.cafe->connect(c2.node, 10s))
      throw std::runtime_error("cafe cannot connect to cafe2");
    everyone = {a, b, c1, c2};
    record_beam_scopes(everyone);
    for (auto s : both_scopes())
      if (auto ok = peers_converged(s, everyone); !ok)
        throw std::runtime_error(ok.message());
  }

  /// net_adm:ping from `from` to each of `to`.
  static void connect_erl(const participant& from,
                          const std::vector<participant>& to) {
    for (auto& t : to)
      if (from.erl->eval("net_adm:ping(" + quoted(t.node) + ")")
          != etf::term{"pong"_atom})
        throw std::runtime_error("pang: " + from.label + " -> " + t.label);
  }

  // -- membership -------------------------------------------------------------

  /// A new process on an erl node (waiting for `stop`).
  static etf::pid erl_member(const participant& p) {
    auto pid = p.erl->eval("pg_peer:spawn_member()");
    if (!pid.is<etf::pid>())
      throw std::runtime_error("spawn_member: " + etf::to_string(pid));
    return pid.get<etf::pid>();
  }

  /// pg:join(Scope, Group, PidOrPids) on an erl node.
  static void erl_join(const participant& p, etf::atom scope,
                       const etf::term& group, const etf::term& pids) {
    auto res = p.erl->eval("pg_peer:join(" + quoted(scope) + ", "
                           + erl_literal(group) + ", " + erl_literal(pids)
                           + ")");
    if (res != etf::term{"ok"_atom})
      throw std::runtime_error(p.label + ": pg:join " + etf::to_string(res));
  }

  /// pg:leave(Scope, Group, PidOrPids) on an erl node: ok or not_joined.
  static etf::term erl_leave(const participant& p, etf::atom scope,
                             const etf::term& group, const etf::term& pids) {
    return p.erl->eval("pg_peer:leave(" + quoted(scope) + ", "
                       + erl_literal(group) + ", " + erl_literal(pids) + ")");
  }

  static etf::term pid_list(const std::vector<etf::pid>& xs) {
    etf::list result;
    for (auto& x : xs)
      result.elements.emplace_back(x);
    return result;
  }

  /// A mailbox on a cafe node, kept until the test ends.
  std::shared_ptr<node::mailbox> cafe_mailbox(const participant& p) {
    mailboxes_.push_back(p.cafe->make_mailbox());
    return mailboxes_.back();
  }

  etf::pid cafe_member(const participant& p) {
    return cafe_mailbox(p)->self();
  }

  static group_view view_of(const participant& p, etf::atom scope,
                            const etf::term& group) {
    group_view result;
    if (p.erl != nullptr) {
      auto x = p.erl->eval("pg_peer:view(" + quoted(scope) + ", "
                           + erl_literal(group) + ")");
      etf::term members;
      etf::term local;
      if (!etf::match(x, &members, &local, &result.in_groups,
                      &result.in_local_groups)
          || !etf::get_as(members, result.members)
          || !etf::get_as(local, result.local))
        throw std::runtime_error(p.label + ": view " + etf::to_string(x));
    } else {
      auto& s = p.scope(scope);
      result.members = s.members(group);
      result.local = s.local_members(group);
      result.in_groups = has(s.which_groups(), group);
      result.in_local_groups = has(s.which_local_groups(), group);
    }
    result.members = sorted(std::move(result.members));
    result.local = sorted(std::move(result.local));
    return result;
  }

  /// What `p` should show when `all` are the group's members.
  static group_view expected_view(const participant& p,
                                  const std::vector<etf::pid>& all) {
    group_view result;
    result.members = sorted(all);
    for (auto& x : result.members)
      if (x.node == p.node)
        result.local.push_back(x);
    result.in_groups = !all.empty();
    result.in_local_groups = !result.local.empty();
    return result;
  }

  /// Waits until every one of `who` shows exactly `all` as the members of
  /// `group` in `scope` (and its own among them as local members).
  ::testing::AssertionResult converged(etf::atom scope, const etf::term& group,
                                       const std::vector<etf::pid>& all,
                                       const participants& who) {
    std::vector<group_view> last(who.size());
    auto ok = eventually(
      [&] {
        bool same = true;
        for (size_t i = 0; i < who.size(); ++i) {
          last[i] = view_of(who[i], scope, group);
          same = same && last[i] == expected_view(who[i], all);
        }
        return same;
      },
      10s, 50ms);
    if (ok)
      return ::testing::AssertionSuccess();
    auto result = ::testing::AssertionFailure();
    result << "scope " << scope.text() << ", group " << etf::to_string(group)
           << ": expected " << show(sorted(all));
    for (size_t i = 0; i < who.size(); ++i)
      result << "\n  " << who[i].label << ": " << show(last[i])
             << (last[i] == expected_view(who[i], all) ? "" : "  <- differs");
    return result;
  }

  ::testing::AssertionResult converged(etf::atom scope, const etf::term& group,
                                       const std::vector<etf::pid>& all) {
    return converged(scope, group, all, everyone);
  }

  // -- peers ------------------------------------------------------------------

  /// The pid of `scope` on `p`.
  static etf::pid scope_pid(const participant& p, etf::atom scope) {
    if (p.erl == nullptr)
      return p.scope(scope).self();
    auto x = p.erl->eval("whereis(" + quoted(scope) + ")");
    if (!x.is<etf::pid>())
      throw std::runtime_error(p.label + ": no scope " + etf::to_string(x));
    return x.get<etf::pid>();
  }

  /// The peer scopes `scope` on `p` syncs with.
  static std::vector<etf::pid> peers_of(const participant& p, etf::atom scope) {
    std::vector<etf::pid> result;
    if (p.erl == nullptr) {
      result = p.scope(scope).peers();
    } else {
      auto x = p.erl->eval("pg_peer:peers(" + quoted(scope) + ")");
      if (!etf::get_as(x, result))
        throw std::runtime_error(p.label + ": peers " + etf::to_string(x));
    }
    return sorted(std::move(result));
  }

  /// Waits until the scope on each of `who` syncs with exactly the scopes
  /// on the others: nobody missing, nothing stale.
  ::testing::AssertionResult peers_converged(etf::atom scope,
                                             const participants& who) {
    std::vector<etf::pid> pids;
    for (auto& p : who)
      pids.push_back(scope_pid(p, scope));
    std::vector<std::vector<etf::pid>> last(who.size());
    auto want = [&](size_t i) {
      std::vector<etf::pid> xs;
      for (size_t j = 0; j < who.size(); ++j)
        if (j != i)
          xs.push_back(pids[j]);
      return sorted(xs);
    };
    auto ok = eventually(
      [&] {
        bool same = true;
        for (size_t i = 0; i < who.size(); ++i) {
          last[i] = peers_of(who[i], scope);
          same = same && last[i] == want(i);
        }
        return same;
      },
      10s, 50ms);
    if (ok)
      return ::testing::AssertionSuccess();
    auto result = ::testing::AssertionFailure();
    result << "peers of scope " << scope.text() << ":";
    for (size_t i = 0; i < who.size(); ++i)
      result << "\n  " << who[i].label << " (" << etf::to_string(pids[i])
             << "): " << show(last[i]) << ", expected " << show(want(i));
    return result;
  }

  /// Waits until the scope on `p` syncs with exactly `want`.
  ::testing::AssertionResult peers_are(const participant& p, etf::atom scope,
                                       std::vector<etf::pid> want) {
    want = sorted(std::move(want));
    std::vector<etf::pid> last;
    if (eventually(
          [&] {
            last = peers_of(p, scope);
            return last == want;
          },
          10s, 50ms))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << p.label << ", scope " << scope.text() << ": peers " << show(last)
           << ", expected " << show(want);
  }

  /// Returns once everything the cafe node `from` sent to the erl node `to`
  /// so far has been taken in by `to`: a message sent now over the same
  /// connection arrives after it.
  void flush(const participant& from, const participant& to) {
    auto name = "flush_" + std::to_string(++flushes_);
    to.erl->eval("cafe_peer:start_collector(" + name + ")");
    auto mb = cafe_mailbox(from);
    auto sent = mb->send(etf::atom{name}, to.node, "flushed"_atom);
    auto got = to.erl->eval("cafe_peer:take(" + name + ", 5000)");
    if (!sent || got != etf::term{"flushed"_atom})
      throw std::runtime_error("flush " + from.label + " -> " + to.label + ": "
                               + etf::to_string(got));
  }

  // -- the BEAM scopes live on ------------------------------------------------

  /// Remembers the scope processes of the erl nodes among `who`.
  void record_beam_scopes(const participants& who) {
    for (auto& p : who) {
      if (p.erl == nullptr)
        continue;
      auto pids = p.erl->eval("pg_peer:scope_pids(['pg', 'my_scope'])");
      std::vector<etf::term> xs;
      etf::pid x;
      etf::pid y;
      if (!etf::get_as(pids, xs) || xs.size() != 2
          || !etf::match(xs[0], default_scope(), &x)
          || !etf::match(xs[1], named_scope(), &y))
        throw std::runtime_error(p.label + ": scopes " + etf::to_string(pids));
      beam_scopes_.emplace_back(p.erl, pids);
    }
  }

  /// Each recorded scope that still runs (its node was not killed) is the
  /// same process, and answers.
  void expect_beam_scopes_intact(const participants& who) {
    size_t checked = 0;
    for (auto& p : who) {
      auto i = std::find_if(beam_scopes_.begin(), beam_scopes_.end(),
                            [&](auto& x) { return x.first == p.erl; });
      if (p.erl == nullptr || i == beam_scopes_.end())
        continue;
      EXPECT_EQ(p.erl->eval("pg_peer:scope_pids(['pg', 'my_scope'])"),
                i->second)
        << p.label << ": a scope restarted";
      EXPECT_EQ(p.erl->eval("is_list(pg:which_groups(pg)) andalso "
                            "is_list(pg:which_groups(my_scope))"),
                etf::term{true})
        << p.label;
      ++checked;
    }
    EXPECT_GT(checked, 0u);
  }

  participant a;
  participant b;
  participant c1;
  participant c2;
  participants everyone;

private:
  std::vector<std::unique_ptr<erl_node>> erls_;
  std::vector<std::shared_ptr<node::mailbox>> mailboxes_;
  std::vector<std::pair<erl_node*, etf::term>> beam_scopes_;
  int flushes_ = 0;
};

} // namespace

// -- membership ---------------------------------------------------------------

TEST_F(pg_interop, joins_and_leaves_are_seen_identically_everywhere) {
  start_cluster();
  // The same group name in both scopes, with other members in each: the
  // scopes are separate. A resident member stays in each throughout.
  auto group = etf::make_tuple("room"_atom, etf::binary{std::string{"lobby"}});
  std::map<etf::atom, etf::pid> resident{{default_scope(), cafe_member(c2)},
                                         {named_scope(), erl_member(b)}};
  ASSERT_TRUE(c2.scope(default_scope()).join(group, resident[default_scope()]));
  erl_join(b, named_scope(), group, resident[named_scope()]);
  for (auto s : both_scopes())
    EXPECT_TRUE(converged(s, group, {resident[s]}));
  for (auto s : both_scopes()) {
    SCOPED_TRACE(std::string{"scope "} + std::string{s.text()});
    auto m1 = cafe_member(c1);
    auto m2 = cafe_member(c1);
    auto m3 = cafe_member(c2);
    auto e1 = erl_member(a);
    auto e2 = erl_member(a);
    auto e3 = erl_member(b);
    // cafe: one pid, the same pid again (listed twice), a list.
    ASSERT_TRUE(c1.scope(s).join(group, m1));
    ASSERT_TRUE(c1.scope(s).join(group, m1));
    ASSERT_TRUE(c1.scope(s).join(group, std::vector<etf::pid>{m2}));
    ASSERT_TRUE(c2.scope(s).join(group, m3));
    // erl: a pid, then a list; e1 twice.
    erl_join(a, s, group, e1);
    erl_join(a, s, group, pid_list({e1, e2}));
    erl_join(b, s, group, e3);
    auto all = std::vector<etf::pid>{m1, m1, m2, m3,         e1,
                                     e1, e2, e3, resident[s]};
    EXPECT_TRUE(converged(s, group, all));
    // Each node lists its own members newest first.
    EXPECT_EQ(c1.scope(s).local_members(group),
              (std::vector<etf::pid>{m2, m1, m1}));
    EXPECT_EQ(a.erl->eval("pg:get_local_members(" + quoted(s) + ", "
                          + erl_literal(group) + ")"),
              pid_list({e1, e2, e1}));
    // Only local pids may join or leave: nothing changes.
    EXPECT_FALSE(c1.scope(s).join(group, e1));
    EXPECT_FALSE(c1.scope(s).join(group, std::vector<etf::pid>{m1, m3}));
    EXPECT_FALSE(c1.scope(s).leave(group, m3));
    // cafe leaves: one m1, then the other, then not_joined.
    auto left = c1.scope(s).leave(group, m1);
    ASSERT_TRUE(left);
    EXPECT_TRUE(*left);
    all = minus(all, {m1});
    EXPECT_TRUE(converged(s, group, all));
    left = c1.scope(s).leave(group, m1);
    ASSERT_TRUE(left);
    EXPECT_TRUE(*left);
    left = c1.scope(s).leave(group, m1);
    ASSERT_TRUE(left);
    EXPECT_FALSE(*left) << "not_joined";
    left = c1.scope(s).leave("never_joined"_atom, m2);
    ASSERT_TRUE(left);
    EXPECT_FALSE(*left) << "not_joined";
    all = minus(all, {m1});
    // A list where only some are members: those leave.
    left = c1.scope(s).leave(group, std::vector<etf::pid>{m2, m1});
    ASSERT_TRUE(left);
    EXPECT_TRUE(*left);
    all = minus(all, {m2});
    EXPECT_TRUE(converged(s, group, all));
    // erl leaves: a list, then not_joined.
    EXPECT_EQ(erl_leave(a, s, group, pid_list({e1, e2})), etf::term{"ok"_atom});
    all = minus(all, {e1, e2});
    EXPECT_TRUE(converged(s, group, all));
    EXPECT_EQ(erl_leave(a, s, group, e2), etf::term{"not_joined"_atom});
    // The rest leaves but the resident.
    EXPECT_EQ(erl_leave(a, s, group, e1), etf::term{"ok"_atom});
    EXPECT_EQ(erl_leave(b, s, group, e3), etf::term{"ok"_atom});
    ASSERT_TRUE(c2.scope(s).leave(group, m3));
    EXPECT_TRUE(converged(s, group, {resident[s]}));
  }
  // The residents leave: the group is gone everywhere, in both scopes.
  ASSERT_TRUE(
    c2.scope(default_scope()).leave(group, resident[default_scope()]));
  EXPECT_EQ(erl_leave(b, named_scope(), group, resident[named_scope()]),
            etf::term{"ok"_atom});
  for (auto s : both_scopes())
    EXPECT_TRUE(converged(s, group, {}));
  expect_beam_scopes_intact(everyone);
}

TEST_F(pg_interop, members_that_end_disappear_everywhere) {
  start_cluster();
  auto group = "workers"_atom;
  auto solo = "solo"_atom;
  for (auto s : both_scopes()) {
    SCOPED_TRACE(std::string{"scope "} + std::string{s.text()});
    auto closed = cafe_mailbox(c1);
    auto removed = cafe_member(c2);
    auto kept = cafe_member(c2);
    auto killed = erl_member(a);
    auto survivor = erl_member(b);
    // `closed` is in two groups, once alone and twice in `group`.
    ASSERT_TRUE(c1.scope(s).join(group, closed->self()));
    ASSERT_TRUE(c1.scope(s).join(group, closed->self()));
    ASSERT_TRUE(c1.scope(s).join(solo, closed->self()));
    ASSERT_TRUE(c2.scope(s).join(group, std::vector<etf::pid>{removed, kept}));
    erl_join(a, s, group, pid_list({killed, killed}));
    erl_join(b, s, group, survivor);
    EXPECT_TRUE(converged(s, group,
                          {closed->self(), closed->self(), removed, kept,
                           killed, killed, survivor}));
    EXPECT_TRUE(converged(s, solo, {closed->self()}));
    // A mailbox closed, a process removed from its node, an erl process
    // killed: none of them left.
    closed->close(etf::make_tuple("shutdown"_atom, "test"_atom));
    c2.cafe->remove_process(removed, "killed"_atom);
    ASSERT_EQ(a.erl->eval("pg_peer:stop(" + erl_literal(killed) + ")"),
              etf::term{"ok"_atom});
    EXPECT_TRUE(converged(s, group, {kept, survivor}));
    EXPECT_TRUE(converged(s, solo, {}));
  }
  expect_beam_scopes_intact(everyone);
}

TEST_F(pg_interop, nodes_that_go_take_their_members) {
  start_cluster();
  auto group = "jobs"_atom;
  std::map<etf::atom, std::vector<etf::pid>> on_a, on_b, on_c1, on_c2;
  for (auto s : both_scopes()) {
    on_a[s] = {erl_member(a), erl_member(a)};
    on_b[s] = {erl_member(b)};
    on_c1[s] = {cafe_member(c1)};
    on_c2[s] = {cafe_member(c2), cafe_member(c2)};
    erl_join(a, s, group, pid_list(on_a[s]));
    erl_join(b, s, group, pid_list(on_b[s]));
    ASSERT_TRUE(c1.scope(s).join(group, on_c1[s]));
    ASSERT_TRUE(c2.scope(s).join(group, on_c2[s]));
    EXPECT_TRUE(
      converged(s, group, concat({on_a[s], on_b[s], on_c1[s], on_c2[s]})));
  }
  // A cafe scope stopped (its process ends, with no leave): its members go
  // from every other node; a new scope under the same name syncs again.
  auto named = named_scope();
  auto stopped = c1.scopes.at(1);
  ASSERT_EQ(stopped->name(), named);
  stopped->stop();
  EXPECT_EQ(c1.cafe->whereis(named), std::nullopt);
  EXPECT_TRUE(converged(named, group,
                        concat({on_a[named], on_b[named], on_c2[named]}),
                        {a, b, c2}));
  EXPECT_TRUE(peers_converged(named, {a, b, c2}));
  c1.scopes.at(1) = start_scope(c1.cafe, named);
  everyone = {a, b, c1, c2};
  EXPECT_NE(c1.scope(named).self(), stopped->self());
  EXPECT_TRUE(peers_converged(named, everyone));
  EXPECT_TRUE(
    converged(named, group, concat({on_a[named], on_b[named], on_c2[named]})));
  ASSERT_TRUE(c1.scope(named).join(group, on_c1[named]));
  EXPECT_TRUE(
    converged(named, group,
              concat({on_a[named], on_b[named], on_c1[named], on_c2[named]})));
  // SIGKILL: the BEAM node says nothing, its connections just close.
  a.erl->kill();
  participants rest{b, c1, c2};
  for (auto s : both_scopes()) {
    EXPECT_TRUE(
      converged(s, group, concat({on_b[s], on_c1[s], on_c2[s]}), rest));
    EXPECT_TRUE(peers_converged(s, rest));
  }
  // A cafe node stopped without its scopes leaving anything.
  c2.cafe->stop();
  rest = {b, c1};
  for (auto s : both_scopes()) {
    EXPECT_TRUE(converged(s, group, concat({on_b[s], on_c1[s]}), rest));
    EXPECT_TRUE(peers_converged(s, rest));
  }
  expect_beam_scopes_intact(rest);
}

TEST_F(pg_interop, a_healed_netsplit_resyncs_membership) {
  start_cluster();
  auto group = "split"_atom;
  std::map<etf::atom, std::vector<etf::pid>> all;
  std::map<etf::atom, etf::pid> ea, eb, m1, m2;
  for (auto s : both_scopes()) {
    ea[s] = erl_member(a);
    eb[s] = erl_member(b);
    m1[s] = cafe_member(c1);
    m2[s] = cafe_member(c2);
    erl_join(a, s, group, ea[s]);
    erl_join(b, s, group, eb[s]);
    ASSERT_TRUE(c1.scope(s).join(group, m1[s]));
    ASSERT_TRUE(c2.scope(s).join(group, m2[s]));
    all[s] = {ea[s], eb[s], m1[s], m2[s]};
    EXPECT_TRUE(converged(s, group, all[s]));
  }
  // Split a | c1, from the BEAM side.
  ASSERT_EQ(a.erl->eval("erlang:disconnect_node(" + quoted(c1.node) + ")"),
            etf::term{true});
  for (auto s : both_scopes()) {
    EXPECT_TRUE(converged(s, group, minus(all[s], {m1[s]}), {a}));
    EXPECT_TRUE(converged(s, group, minus(all[s], {ea[s]}), {c1}));
    EXPECT_TRUE(converged(s, group, all[s], {b, c2}));
  }
  // Changes on both sides while split, which the other side cannot see.
  std::map<etf::atom, etf::pid> m1_new, ea_new;
  for (auto s : both_scopes()) {
    m1_new[s] = cafe_member(c1);
    ea_new[s] = erl_member(a);
    ASSERT_TRUE(c1.scope(s).join(group, m1_new[s]));
    ASSERT_TRUE(c1.scope(s).leave(group, m1[s]));
    EXPECT_EQ(erl_leave(a, s, group, ea[s]), etf::term{"ok"_atom});
    erl_join(a, s, group, ea_new[s]);
    all[s] = {eb[s], m2[s], m1_new[s], ea_new[s]};
    EXPECT_TRUE(converged(s, group, minus(all[s], {m1_new[s]}), {a}));
    EXPECT_TRUE(converged(s, group, minus(all[s], {ea_new[s]}), {c1}));
    EXPECT_TRUE(converged(s, group, all[s], {b, c2}));
  }
  EXPECT_FALSE(contains(c1.cafe->nodes(true), a.node));
  // Healed from the BEAM side: both scopes resync.
  ASSERT_EQ(a.erl->eval("net_adm:ping(" + quoted(c1.node) + ")"),
            etf::term{"pong"_atom});
  for (auto s : both_scopes()) {
    EXPECT_TRUE(converged(s, group, all[s]));
    EXPECT_TRUE(peers_converged(s, everyone));
  }
  // Split c2 | b, from the cafe side, then healed from the cafe side.
  // c2 joins at once, before it may have seen the connection go: pg sends
  // with noconnect, so that must not dial b again and heal the split.
  ASSERT_TRUE(c2.cafe->disconnect(b.node));
  for (auto s : both_scopes()) {
    auto m2_split = cafe_member(c2);
    ASSERT_TRUE(c2.scope(s).join(group, m2_split));
    all[s].push_back(m2_split);
  }
  for (auto s : both_scopes()) {
    EXPECT_TRUE(
      converged(s, group, minus(all[s], {m2[s], all[s].back()}), {b}));
    EXPECT_TRUE(converged(s, group, minus(all[s], {eb[s]}), {c2}));
    EXPECT_TRUE(converged(s, group, all[s], {a, c1}));
  }
  EXPECT_FALSE(contains(c2.cafe->nodes(true), b.node));
  EXPECT_EQ(b.erl->eval("lists:member(" + quoted(c2.node) + ", nodes())"),
            etf::term{false});
  ASSERT_TRUE(c2.cafe->connect(b.node, 10s));
  for (auto s : both_scopes()) {
    EXPECT_TRUE(converged(s, group, all[s]));
    EXPECT_TRUE(peers_converged(s, everyone));
  }
  expect_beam_scopes_intact(everyone);
}

TEST_F(pg_interop, hidden_peers_are_discovered_by_cafe_visible_ones_by_erl) {
  c1 = cafe("cafe");
  auto h = erl("h", true);
  auto v = erl("v");
  record_beam_scopes({h, v});
  // h dials cafe as a hidden node: no BEAM scope discovers a hidden node,
  // so only cafe's nodeup can start the sync.
  ASSERT_EQ(h.erl->eval("net_kernel:connect_node(" + quoted(c1.node) + ")"),
            etf::term{true});
  EXPECT_EQ(h.erl->eval("{lists:member(" + quoted(c1.node)
                        + ", nodes()), lists:member(" + quoted(c1.node)
                        + ", nodes(hidden))}"),
            etf::make_tuple(false, true));
  EXPECT_FALSE(contains(c1.cafe->nodes(), h.node));
  EXPECT_TRUE(contains(c1.cafe->nodes(true), h.node));
  auto group = "mixed"_atom;
  std::map<etf::atom, etf::pid> mh, mv, m1;
  for (auto s : both_scopes()) {
    EXPECT_TRUE(peers_converged(s, {c1, h}));
    mh[s] = erl_member(h);
    m1[s] = cafe_member(c1);
    erl_join(h, s, group, mh[s]);
    ASSERT_TRUE(c1.scope(s).join(group, m1[s]));
    EXPECT_TRUE(converged(s, group, {mh[s], m1[s]}, {c1, h}));
  }
  // v pings cafe as a visible node. v and h never meet.
  ASSERT_EQ(v.erl->eval("net_adm:ping(" + quoted(c1.node) + ")"),
            etf::term{"pong"_atom});
  for (auto s : both_scopes()) {
    mv[s] = erl_member(v);
    erl_join(v, s, group, mv[s]);
    EXPECT_TRUE(peers_are(c1, s, {scope_pid(h, s), scope_pid(v, s)}));
    EXPECT_TRUE(peers_are(v, s, {scope_pid(c1, s)}));
    EXPECT_TRUE(peers_are(h, s, {scope_pid(c1, s)}));
    EXPECT_TRUE(converged(s, group, {mh[s], m1[s], mv[s]}, {c1}));
    EXPECT_TRUE(converged(s, group, {mh[s], m1[s]}, {h}));
    EXPECT_TRUE(converged(s, group, {m1[s], mv[s]}, {v}));
  }
  // A scope cafe starts while both are connected: its discover finds no
  // such scope on either erl node (and is dropped there, as a send to a
  // name nobody holds is).
  auto late = "late_scope"_atom;
  c1.scopes.push_back(start_scope(c1.cafe, late));
  flush(c1, v);
  flush(c1, h);
  auto ml = cafe_member(c1);
  ASSERT_TRUE(c1.scope(late).join(group, ml));
  // v starts it too: pg's init discovers every visible node, cafe
  // included, with nothing sent by cafe.
  ASSERT_TRUE(
    v.erl->eval("pg_peer:start_scope(" + quoted(late) + ")").is<etf::pid>());
  EXPECT_TRUE(peers_are(v, late, {scope_pid(c1, late)}));
  EXPECT_TRUE(converged(late, group, {ml}, {c1, v}));
  // h starts it: pg's init does not look at hidden nodes. Whatever h's
  // scope sent during init went out before this marker, on the same
  // connection.
  ASSERT_TRUE(
    h.erl->eval("pg_peer:start_scope(" + quoted(late) + ")").is<etf::pid>());
  auto probe = c1.cafe->make_mailbox("late_probe");
  ASSERT_EQ(h.erl->eval("{late_probe, " + quoted(c1.node) + "} ! h_marker, ok"),
            etf::term{"ok"_atom});
  auto marker = probe->receive(10s);
  ASSERT_TRUE(marker);
  EXPECT_EQ(*marker, etf::term{"h_marker"_atom});
  EXPECT_EQ(peers_of(c1, late), std::vector<etf::pid>{scope_pid(v, late)});
  EXPECT_EQ(peers_of(h, late), std::vector<etf::pid>{});
  EXPECT_TRUE(converged(late, group, {}, {h}));
  // cafe asks: now they sync.
  c1.scope(late).discover(h.node);
  EXPECT_TRUE(peers_are(c1, late, {scope_pid(v, late), scope_pid(h, late)}));
  EXPECT_TRUE(peers_are(h, late, {scope_pid(c1, late)}));
  EXPECT_TRUE(converged(late, group, {ml}, {c1, v, h}));
  expect_beam_scopes_intact({h, v});
  probe->close("normal"_atom);
}

TEST_F(pg_interop, a_crashed_cafe_node_comes_back_with_a_new_creation) {
  start_cluster();
  auto group = "phoenix"_atom;
  std::map<etf::atom, etf::pid> ea, m1, stale;
  for (auto s : both_scopes()) {
    ea[s] = erl_member(a);
    m1[s] = cafe_member(c1);
    stale[s] = cafe_member(c2);
    auto gone = cafe_member(c2);
    erl_join(a, s, group, ea[s]);
    ASSERT_TRUE(c1.scope(s).join(group, m1[s]));
    // c2 joins and leaves one, and joins `stale` twice.
    ASSERT_TRUE(c2.scope(s).join(group, std::vector<etf::pid>{gone, stale[s]}));
    ASSERT_TRUE(c2.scope(s).join(group, stale[s]));
    EXPECT_TRUE(converged(s, group, {ea[s], m1[s], gone, stale[s], stale[s]}));
    auto left = c2.scope(s).leave(group, gone);
    ASSERT_TRUE(left && *left);
    EXPECT_TRUE(converged(s, group, {ea[s], m1[s], stale[s], stale[s]}));
  }
  // The crash: the node goes without a word from its scopes, which stay
  // as they were (not stopped).
  auto old = c2;
  auto old_creation = old.cafe->creation();
  old.cafe->stop();
  participants rest{a, b, c1};
  for (auto s : both_scopes()) {
    EXPECT_TRUE(converged(s, group, {ea[s], m1[s]}, rest));
    EXPECT_TRUE(peers_converged(s, rest));
  }
  // Back under the same name: EPMD hands out a new creation, so its pids
  // differ from the old incarnation's.
  // EPMD frees the name once it sees the old registration's socket close.
  std::string refused;
  ASSERT_TRUE(eventually(
    [&] {
      try {
        c2 = cafe("cafe2");
        return true;
      } catch (const std::runtime_error& ex) {
        refused = ex.what();
        return false;
      }
    },
    10s, 100ms))
    << refused;
  EXPECT_EQ(c2.node, old.node);
  EXPECT_NE(c2.cafe->creation(), old_creation);
  connect_erl(a, {c2});
  connect_erl(b, {c2});
  ASSERT_TRUE(c1.cafe->connect(c2.node, 10s));
  everyone = {a, b, c1, c2};
  for (auto s : both_scopes()) {
    // The old scope pids are nobody's peers; its members are gone.
    EXPECT_TRUE(peers_converged(s, everyone));
    EXPECT_NE(scope_pid(c2, s), scope_pid(old, s));
    auto fresh = cafe_member(c2);
    ASSERT_TRUE(c2.scope(s).join(group, fresh));
    EXPECT_TRUE(converged(s, group, {ea[s], m1[s], fresh}));
    EXPECT_NE(fresh.creation, stale[s].creation);
  }
  expect_beam_scopes_intact(everyone);
}

// -- watches ------------------------------------------------------------------

TEST_F(pg_interop, watches_report_what_happens_on_erl) {
  start_cluster();
  auto group = "watched"_atom;
  auto other = "other"_atom;
  auto from_cafe = "from_cafe"_atom;
  for (auto s : both_scopes()) {
    SCOPED_TRACE(std::string{"scope "} + std::string{s.text()});
    auto e0 = erl_member(a);
    erl_join(a, s, group, e0);
    EXPECT_TRUE(converged(s, group, {e0}));
    auto all_log = std::make_shared<event_log>();
    auto group_log = std::make_shared<event_log>();
    auto hs = c1.scope(s).monitor_scope(all_log->callback());
    auto hg = c1.scope(s).monitor(group, group_log->callback());
    EXPECT_EQ(hs.snapshot, (pg::group_map{{group, {e0}}}));
    EXPECT_EQ(hg.snapshot, (pg::group_map{{group, {e0}}}));
    // And a BEAM watch on b, for what cafe does.
    auto beam_watch = b.erl->eval("pg_peer:start_watch(" + quoted(s) + ")");
    ASSERT_TRUE(beam_watch.is<etf::pid>());
    // One step at a time, each seen before the next: events from a and b
    // have no order between them otherwise.
    auto e1 = erl_member(a);
    auto e2 = erl_member(b);
    auto e3 = erl_member(b);
    auto step = [&](size_t n) {
      return eventually([&] { return all_log->size() >= n; }, 10s);
    };
    erl_join(a, s, group, e1);
    ASSERT_TRUE(step(1)) << show(all_log->events());
    erl_join(b, s, other, pid_list({e2, e3}));
    ASSERT_TRUE(step(2)) << show(all_log->events());
    EXPECT_EQ(erl_leave(a, s, group, e1), etf::term{"ok"_atom});
    ASSERT_TRUE(step(3)) << show(all_log->events());
    ASSERT_EQ(b.erl->eval("pg_peer:stop(" + erl_literal(e2) + ")"),
              etf::term{"ok"_atom});
    ASSERT_TRUE(step(4)) << show(all_log->events());
    auto expect_log = [](const event_log& log,
                         const std::vector<etf::term>& want) {
      std::vector<etf::term> got;
      for (auto& ev : log.events())
        got.push_back(as_term(ev));
      EXPECT_EQ(got, want) << show(log.events());
    };
    auto ev = [](etf::atom what, etf::atom g, std::vector<etf::pid> pids) {
      return etf::make_tuple(what, g, pid_list(pids));
    };
    expect_log(*all_log,
               {ev("join"_atom, group, {e1}), ev("join"_atom, other, {e2, e3}),
                ev("leave"_atom, group, {e1}), ev("leave"_atom, other, {e2})});
    expect_log(*group_log,
               {ev("join"_atom, group, {e1}), ev("leave"_atom, group, {e1})});
    // After demonitor the group watch hears nothing: the scope watch,
    // told in the same step, hears the next join.
    EXPECT_TRUE(c1.scope(s).demonitor(hg.id));
    EXPECT_FALSE(c1.scope(s).demonitor(hg.id));
    auto e4 = erl_member(a);
    erl_join(a, s, group, e4);
    ASSERT_TRUE(step(5)) << show(all_log->events());
    EXPECT_EQ(as_term(all_log->events().back()), ev("join"_atom, group, {e4}));
    EXPECT_EQ(group_log->size(), 2u) << show(group_log->events());
    EXPECT_TRUE(c1.scope(s).demonitor(hs.id));
    // The BEAM watch on b sees cafe's joins and leaves.
    auto m = cafe_member(c1);
    ASSERT_TRUE(c1.scope(s).join(from_cafe, m));
    auto left = c1.scope(s).leave(from_cafe, m);
    ASSERT_TRUE(left && *left);
    auto want = etf::make_list(ev("join"_atom, from_cafe, {m}),
                               ev("leave"_atom, from_cafe, {m}));
    etf::term got;
    auto seen = eventually(
      [&] {
        got = b.erl->eval("[E || {_, G, _} = E <- element(2, "
                          "pg_peer:watch_events("
                          + erl_literal(beam_watch)
                          + ")), G =:= " + quoted(from_cafe) + "]");
        return got == want;
      },
      10s, 50ms);
    EXPECT_TRUE(seen) << etf::to_string(got);
    EXPECT_EQ(all_log->size(), 5u) << "no events after demonitor";
  }
  expect_beam_scopes_intact(everyone);
}
