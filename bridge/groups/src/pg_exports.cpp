#include "cafe/groups/pg_exports.hpp"

#include "cafe/rpc/outcome.hpp"

namespace cafe::groups {

namespace {

using namespace etf::literals;

const etf::atom default_scope{"pg"};

etf::term pids_term(const std::vector<etf::pid>& xs) {
  etf::list result;
  for (auto& x : xs)
    result.elements.emplace_back(x);
  return result;
}

etf::term terms(std::vector<etf::term> xs) {
  return etf::list{std::move(xs)};
}

/// PidOrPids as pg's join/leave take it: a pid or a list of pids, each of
/// this node.
std::vector<etf::pid> local_pids(const pg::scope& s, const etf::term& x) {
  std::vector<etf::pid> result;
  auto check = [&](const etf::term& y) {
    auto p = y.get_if<etf::pid>();
    if (p == nullptr || p->node != s.self().node)
      rpc::raise_error(etf::make_tuple("nolocal"_atom, y));
    result.push_back(*p);
  };
  if (x.is<etf::pid>()) {
    check(x);
  } else if (auto xs = x.get_if<etf::list>(); xs && xs->proper()) {
    for (auto& y : xs->elements)
      check(y);
  } else {
    rpc::raise_error("function_clause"_atom);
  }
  return result;
}

/// The running scope, or the exit of a gen_server:call to a name nobody
/// registered, as pg:join/leave end on BEAM.
std::shared_ptr<pg::scope> running(const pg::scopes& all, const etf::term& x,
                                   const etf::term& request) {
  auto name = x.get_if<etf::atom>();
  auto s = name ? all.find(*name) : nullptr;
  if (!s)
    rpc::raise_exit(etf::make_tuple(
      "noproc"_atom,
      etf::make_tuple("gen_server"_atom, "call"_atom,
                      etf::list{{x, request, "infinity"_atom}})));
  return s;
}

etf::term join(const pg::scopes& all, const etf::term& scope,
               const etf::term& group, const etf::term& who) {
  auto s = running(all, scope, etf::make_tuple("join_local"_atom, group, who));
  auto pids = local_pids(*s, who);
  if (who.is<etf::pid>())
    (void)s->join(group, pids.front());
  else
    (void)s->join(group, pids);
  return "ok"_atom;
}

etf::term leave(const pg::scopes& all, const etf::term& scope,
                const etf::term& group, const etf::term& who) {
  auto s = running(all, scope, etf::make_tuple("leave_local"_atom, group, who));
  auto pids = local_pids(*s, who);
  auto left = who.is<etf::pid>() ? s->leave(group, pids.front())
                                 : s->leave(group, pids);
  return left && *left ? "ok"_atom : "not_joined"_atom;
}

/// get_members and get_local_members: `[]` without the scope, as pg's
/// ets lookup that fails.
template <class Query>
etf::term lookup(const pg::scopes& all, const etf::term& scope, Query query) {
  auto name = scope.get_if<etf::atom>();
  auto s = name ? all.find(*name) : nullptr;
  return s ? pids_term(query(*s)) : etf::term{etf::list{}};
}

/// which_groups and which_local_groups: badarg without the scope (the ets
/// table is missing), function_clause for a scope that is not an atom.
template <class Query>
etf::term
groups_of(const pg::scopes& all, const etf::term& scope, Query query) {
  auto name = scope.get_if<etf::atom>();
  if (!name)
    rpc::raise_error("function_clause"_atom);
  auto s = all.find(*name);
  if (!s)
    rpc::raise_error("badarg"_atom);
  return terms(query(*s));
}

} // namespace

void add_pg_exports(rpc::exports& table, std::shared_ptr<pg::scopes> scopes) {
  using rpc::call;
  auto where = rpc::execution::caller_thread;
  // The first argument names the scope in the longest form only.
  auto scope_or_default = [](const call& c, size_t longest) {
    return c.args.size() == longest ? c.args[0] : etf::term{default_scope};
  };
  for (size_t arity : {2, 3}) {
    auto first = arity - 2;
    table.add_raw(
      "pg", "join", arity,
      [scopes, first, scope_or_default](const call& c) {
        return join(*scopes, scope_or_default(c, 3), c.args[first],
                    c.args[first + 1]);
      },
      where);
    table.add_raw(
      "pg", "leave", arity,
      [scopes, first, scope_or_default](const call& c) {
        return leave(*scopes, scope_or_default(c, 3), c.args[first],
                     c.args[first + 1]);
      },
      where);
  }
  for (size_t arity : {1, 2}) {
    auto group = arity - 1;
    table.add_raw(
      "pg", "get_members", arity,
      [scopes, group, scope_or_default](const call& c) {
        auto& g = c.args[group];
        return lookup(*scopes, scope_or_default(c, 2),
                      [&](const pg::scope& s) { return s.members(g); });
      },
      where);
    table.add_raw(
      "pg", "get_local_members", arity,
      [scopes, group, scope_or_default](const call& c) {
        auto& g = c.args[group];
        return lookup(*scopes, scope_or_default(c, 2),
                      [&](const pg::scope& s) { return s.local_members(g); });
      },
      where);
  }
  for (size_t arity : {0, 1}) {
    table.add_raw(
      "pg", "which_groups", arity,
      [scope_or_default, scopes](const call& c) {
        return groups_of(*scopes, scope_or_default(c, 1),
                         [](const pg::scope& s) { return s.which_groups(); });
      },
      where);
    table.add_raw(
      "pg", "which_local_groups", arity,
      [scope_or_default, scopes](const call& c) {
        return groups_of(*scopes, scope_or_default(c, 1),
                         [](const pg::scope& s) {
                           return s.which_local_groups();
                         });
      },
      where);
  }
}

} // namespace cafe::groups
