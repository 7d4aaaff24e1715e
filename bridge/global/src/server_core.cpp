#include "cafe/global/server_core.hpp"

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "core_impl.hpp"

#include <algorithm>

// The connect protocol between global_name_servers (global.erl's
// init_connect, lock_is_set, exchange, resolved, new_nodes, in_sync and
// prevent_overlapping_partitions); messages.cpp takes messages apart.

namespace cafe::global {

etf::term gen_cast(etf::term msg) {
  return etf::make_tuple("$gen_cast"_atom, std::move(msg));
}

etf::term atom_list(const std::vector<etf::atom>& xs) {
  etf::list result;
  for (auto x : xs)
    result.elements.emplace_back(x);
  return result;
}

server_core::impl::impl(core_config& c) : cfg(c), rng(c.seed) {
  // global.erl: a random extension above the 32 bits of the creation, so
  // that lost_connection reports from two incarnations of one node differ.
  constexpr int64_t span = (int64_t{1} << 60) - 1;
  auto r = static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
  creation_extension = r & ~int64_t{0xffffffff};
}

server_core::server_core(core_config cfg)
  : cfg_(std::move(cfg)), impl_(std::make_unique<impl>(cfg_)) {
  // nop
}

server_core::~server_core() = default;

// -- bookkeeping of nodes
// ------------------------------------------------------

std::optional<int64_t> server_core::impl::my_tag(etf::atom node) const {
  auto i = states.find(node);
  if (i == states.end())
    return std::nullopt;
  return i->second.my_tag;
}

int64_t server_core::impl::node_vsn(etf::atom node) const {
  if (node == cfg.node)
    return protocol_version;
  if (auto i = known.find(node); i != known.end())
    return i->second;
  if (auto i = pending.find(node); i != pending.end())
    return i->second;
  return 0;
}

bool server_core::impl::potentially_known(etf::atom node) const {
  return known.count(node) > 0 || pending.count(node) > 0;
}

etf::term server_core::impl::known_list(int64_t vsn) const {
  etf::list result;
  for (auto& [n, v] : known) {
    if (vsn < pgpv_vsn)
      result.elements.emplace_back(n);
    else
      result.elements.emplace_back(etf::make_tuple(n, v));
  }
  return result;
}

std::vector<etf::atom> server_core::impl::known_nodes() const {
  std::vector<etf::atom> result;
  for (auto& [n, v] : known)
    result.push_back(n);
  return result;
}

/// A node in a known list: `N` or `{N, Vsn}`.
bool node_entry(const etf::term& x, etf::atom& node,
                std::optional<int64_t>& vsn) {
  if (auto a = x.get_if<etf::atom>()) {
    node = *a;
    vsn.reset();
    return true;
  }
  int64_t v = 0;
  if (etf::match(x, &node, &v)) {
    vsn = v;
    return true;
  }
  return false;
}

const etf::list* proper_list(const etf::term& x) {
  auto xs = x.get_if<etf::list>();
  return xs != nullptr && xs->proper() ? xs : nullptr;
}

std::vector<etf::atom> node_list(const etf::term& xs) {
  std::vector<etf::atom> result;
  if (auto l = proper_list(xs)) {
    for (auto& x : l->elements) {
      etf::atom n;
      std::optional<int64_t> v;
      if (node_entry(x, n, v))
        result.push_back(n);
    }
  }
  return result;
}

bool valid_node_list(const etf::term& xs) {
  auto l = proper_list(xs);
  if (l == nullptr)
    return false;
  etf::atom n;
  std::optional<int64_t> v;
  return std::all_of(l->elements.begin(), l->elements.end(),
                     [&](const etf::term& x) { return node_entry(x, n, v); });
}

std::vector<etf::atom> server_core::impl::add_to_known(const etf::term& xs) {
  std::vector<etf::atom> added;
  auto l = proper_list(xs);
  if (l == nullptr)
    return added;
  for (auto& x : l->elements) {
    etf::atom n;
    std::optional<int64_t> v;
    if (!node_entry(x, n, v) || n == cfg.node)
      continue;
    auto i = known.find(n);
    if (i == known.end()) {
      known.emplace(n, v.value_or(0));
      added.insert(added.begin(), n);
    } else if (v && i->second < 0) {
      i->second = *v;
    }
  }
  return added;
}

etf::term server_core::impl::node_vsn_list(const etf::term& xs) const {
  etf::list result;
  if (auto l = proper_list(xs)) {
    for (auto& x : l->elements) {
      etf::atom n;
      std::optional<int64_t> v;
      if (!node_entry(x, n, v))
        continue;
      if (!v || *v == 0)
        result.elements.emplace_back(etf::make_tuple(n, node_vsn(n)));
      else
        result.elements.emplace_back(x);
    }
  }
  return result;
}

void server_core::impl::send_server(etf::atom node, etf::term msg, effects& out,
                                    bool noconnect, bool cast) {
  out.emplace_back(send_named{cfg.server, server_name(), node,
                              cast ? gen_cast(std::move(msg)) : std::move(msg),
                              noconnect});
}

void server_core::impl::reset_node_state(etf::atom node) {
  states.erase(node);
}

// -- nodeup / nodedown
// ---------------------------------------------------------

effects server_core::nodeup(etf::atom node) {
  effects out;
  auto& s = *impl_;
  if (node == cfg_.node || !s.up.insert(node).second)
    return out;
  if (!cfg_.connect_all)
    return out;
  s.handle_nodeup(node, out);
  return out;
}

void server_core::impl::handle_nodeup(etf::atom node, effects& out) {
  if (known.count(node) > 0 || resolvers.count(node) > 0)
    return; // already known, or a connect in progress
  std::optional<node_state::pre> pre;
  if (auto i = states.find(node); i != states.end())
    pre = std::move(i->second.pre_connect);
  auto tag = next_tag++;
  auto& ns = st(node);
  ns.pre_connect.reset();
  ns.my_tag = tag;
  // The known map as global sends it (the receiver ignores it).
  etf::map known_map;
  for (auto& [n, v] : known)
    known_map.entries.emplace_back(n, v);
  for (auto& [n, v] : pending)
    known_map.entries.emplace_back(etf::make_tuple("pending"_atom, n), v);
  send_server(
    node,
    etf::make_tuple("init_connect"_atom, etf::make_tuple(protocol_version, tag),
                    cfg.node,
                    etf::make_tuple("locker"_atom, "no_longer_a_pid"_atom,
                                    std::move(known_map), cfg.locker)),
    out);
  resolvers[node] = resolver{tag, next_generation++, false, {}, {}, 0};
  // global casts a saved early init_connect to itself: it runs after this.
  if (pre)
    init_connect(std::min(pre->vsn, protocol_version), node, pre->init_msg,
                 pre->his_tag, pre->vsn, out);
}

effects server_core::nodedown(etf::atom node) {
  effects out;
  auto& s = *impl_;
  if (s.up.erase(node) == 0)
    return out;
  // Calls to the node end without its answer, as for multi_call's badnodes.
  std::vector<etf::reference> gone;
  for (auto& [tag, l] : s.legs)
    if (l.node == node)
      gone.push_back(tag);
  for (auto& tag : gone)
    s.leg_done(tag, std::nullopt, out);
  for (auto& [call, nodes] : s.syncers)
    nodes.erase(node);
  s.handle_nodedown(node, nd_disconnected, out);
  for (auto i = s.syncers.begin(); i != s.syncers.end();) {
    if (i->second.empty()) {
      out.emplace_back(reply{i->first, "ok"_atom});
      i = s.syncers.erase(i);
    } else {
      ++i;
    }
  }
  return out;
}

void server_core::impl::handle_nodedown(etf::atom node, int what,
                                        effects& out) {
  cancel_locker(node, my_tag(node), std::nullopt, out);
  locker_post(lm_remove_known{node}, out);
  reset_node_state(node);
  if (what == nd_remove_connection) {
    removing.insert(node);
  } else if (what == nd_ignore_node) {
    removing.erase(node);
  } else if (removing.erase(node) == 0 && known.count(node) > 0) {
    inform_connection_loss(node, out);
  }
  pending.erase(node);
  known.erase(node);
  synced.erase(std::remove(synced.begin(), synced.end(), node), synced.end());
}

void server_core::impl::inform_connection_loss(etf::atom node, effects& out) {
  if (!cfg.connect_all || !cfg.prevent_overlapping_partitions)
    return;
  constexpr int64_t min_small = -(int64_t{1} << 59);
  auto xcre = creation_extension + int64_t{cfg.creation} - min_small;
  auto msg = etf::make_tuple("lost_connection"_atom, cfg.node, xcre, next_op++,
                             node);
  volatile_multicast(msg, node, out);
}

void server_core::impl::volatile_multicast(const etf::term& msg,
                                           etf::atom ignore, effects& out) {
  for (auto& [n, v] : known)
    if (n != ignore && v >= pop_vsn)
      send_server(n, msg, out, true, false);
  for (auto& [n, v] : pending)
    if (n != ignore && v >= pop_vsn)
      send_server(n, msg, out, true, false);
}

// -- cancelling a connect
// ------------------------------------------------------

void server_core::impl::cancel_locker(etf::atom node,
                                      std::optional<int64_t> tag,
                                      std::optional<new_nodes_job> job,
                                      effects& out) {
  locker_post(lm_cancel{node, tag, std::move(job)}, out);
  send_cancel_connect(node, tag, out);
  if (auto i = resolvers.find(node);
      i != resolvers.end() && tag && i->second.tag == *tag)
    resolvers.erase(i); // pending resolve calls are dropped on return
}

void server_core::impl::send_cancel_connect(etf::atom node,
                                            std::optional<int64_t> tag,
                                            effects& out) {
  auto p = pending.find(node);
  if (p == pending.end() || p->second < verify_connect_vsn || !tag
      || my_tag(node) != tag)
    return;
  auto& ns = st(node);
  if (ns.his_tag)
    send_server(node,
                etf::make_tuple("cancel_connect"_atom, cfg.node, *ns.his_tag),
                out, true, false);
}

void server_core::impl::restart_connect(etf::atom node,
                                        std::optional<int64_t> tag,
                                        effects& out) {
  cancel_locker(node, tag, std::nullopt, out);
  reset_node_state(node);
  pending.erase(node);
  if (tag)
    handle_nodeup(node, out);
}

// -- init_connect
// --------------------------------------------------------------

void server_core::impl::init_connect(int64_t vsn, etf::atom node,
                                     const etf::term& init_msg,
                                     const etf::term& his_tag, int64_t his_vsn,
                                     effects& out) {
  if (pending.count(node) > 0) {
    // A second connect attempt while one is under way: cancel both and
    // start over, as global does with version 8 peers.
    if (his_vsn < verify_connect_vsn) {
      out.emplace_back(disconnect_node{node});
      cafe::logger().error("global: out of sync connection attempt from old "
                           "version {} node {}; disconnecting",
                           his_vsn, node.text());
      return;
    }
    send_server(node, etf::make_tuple("cancel_connect"_atom, cfg.node, his_tag),
                out, true, false);
    restart_connect(node, my_tag(node), out);
  }
  auto& ns = st(node);
  ns.prot_vsn = vsn;
  ns.his_tag = his_tag;
  auto r = resolvers.find(node);
  if (r == resolvers.end()) {
    ns.pre_connect = node_state::pre{vsn, init_msg, his_tag};
    return;
  }
  etf::pid his_locker;
  if (!etf::match(init_msg, "locker"_atom, etf::_, etf::_, &his_locker))
    return;
  him h{node, his_locker, vsn, r->second.tag, his_tag};
  locker_post(lm_his_the_locker{h}, out);
  if (his_vsn >= verify_connect_vsn)
    send_server(node,
                etf::make_tuple("init_connect_ack"_atom, cfg.node, his_tag,
                                r->second.tag),
                out, true, false);
  pending[node] = his_vsn;
}

// -- lock_is_set / exchange / resolved ----------------------------------------

void server_core::impl::lock_is_set(etf::atom node, int64_t tag,
                                    const etf::term& lock_id, effects& out) {
  if (my_tag(node) != tag) {
    cancel_locker(node, tag, std::nullopt, out);
    return;
  }
  auto& ns = st(node);
  send_server(node,
              etf::make_tuple("exchange"_atom, cfg.node, names_list(),
                              etf::list{}, ns.his_tag.value_or(etf::term{})),
              out);
  ns.lock_id = lock_id;
  if (ns.wait_lock == 2) {
    ns.wait_lock = 1;
    exchange(node, ns.wait_names, out);
  } else {
    ns.wait_lock = 1;
  }
}

void server_core::impl::exchange(etf::atom node, const etf::term& names,
                                 effects& out) {
  auto& ns = st(node);
  if (ns.wait_lock == 1) {
    ns.wait_lock = 0;
    start_resolver(node, names, out);
  } else {
    ns.wait_lock = 2;
    ns.wait_names = names;
  }
}

void server_core::impl::exchange_ops(etf::atom node, int64_t tag, etf::list ops,
                                     etf::list res, effects& out) {
  if (my_tag(node) != tag) {
    cancel_locker(node, tag, std::nullopt, out);
    return;
  }
  auto& ns = st(node);
  send_server(node,
              etf::make_tuple("resolved"_atom, cfg.node, res,
                              known_list(node_vsn(node)), "unused"_atom,
                              etf::list{}, ns.his_tag.value_or(etf::term{})),
              out);
  if (ns.save == 1) {
    auto his_known = ns.his_known;
    auto names_ext = ns.names_ext;
    auto his_resolved = ns.his_resolved;
    ns.save = 2;
    ns.ops = std::move(ops);
    resolved(node, his_resolved, his_known, names_ext, out);
  } else {
    ns.save = 2;
    ns.ops = std::move(ops);
  }
}

void server_core::impl::resolved(etf::atom node, const etf::term& his_resolved,
                                 const etf::term& his_known,
                                 const etf::term& names_ext, effects& out) {
  auto& ns = st(node);
  etf::list ops = std::move(ns.ops);
  if (auto l = proper_list(his_resolved))
    ops.elements.insert(ops.elements.end(), l->elements.begin(),
                        l->elements.end());
  auto new_nodes_list = etf::list{};
  {
    etf::list with_node;
    with_node.elements.emplace_back(node);
    if (auto l = proper_list(his_known))
      with_node.elements.insert(with_node.elements.end(), l->elements.begin(),
                                l->elements.end());
    new_nodes_list = node_vsn_list(with_node).get<etf::list>();
  }
  auto his_known_nodes = node_list(his_known);
  sync_others(his_known_nodes, out);
  auto extra_info = etf::make_list(
    etf::make_tuple("vsn"_atom, ns.prot_vsn.value_or(protocol_version)),
    etf::make_tuple("lock"_atom, ns.lock_id.value_or("undefined"_atom)));
  do_ops(ops, cfg.node, extra_info, out);
  mark_synced(node, out);
  for (auto n : his_known_nodes) {
    auto t = my_tag(n);
    pending.erase(n);
    cancel_locker(n, t, std::nullopt, out);
    reset_node_state(n);
  }
  // The locker holding the lock casts new_nodes to our partition before it
  // lets the lock go, so the del_lock comes after the new_nodes.
  new_nodes_job job;
  job.msg = etf::make_tuple("new_nodes"_atom, cfg.node, ops, names_ext,
                            new_nodes_list, extra_info);
  job.old_msg = etf::make_tuple("new_nodes"_atom, cfg.node, ops, names_ext,
                                atom_list(node_list(new_nodes_list)),
                                extra_info);
  job.targets = known;
  auto t = my_tag(node);
  pending.erase(node);
  cancel_locker(node, t, std::move(job), out);
  reset_node_state(node);
  auto added = add_to_known(new_nodes_list);
  locker_post(lm_add_known{added}, out);
  synced.push_back(node);
}

void server_core::impl::new_nodes(const etf::term& ops, etf::atom conn_node,
                                  const etf::term& nodes,
                                  const etf::term& extra_info, effects& out) {
  auto added = add_to_known(nodes);
  sync_others(added, out);
  do_ops(ops, conn_node, extra_info, out);
  locker_post(lm_add_known{added}, out);
}

void server_core::impl::mark_synced(etf::atom node, effects& out) {
  for (auto i = syncers.begin(); i != syncers.end();) {
    i->second.erase(node);
    if (i->second.empty()) {
      out.emplace_back(reply{i->first, "ok"_atom});
      i = syncers.erase(i);
    } else {
      ++i;
    }
  }
}

void server_core::impl::in_sync(etf::atom node, effects& out) {
  mark_synced(node, out);
  if (std::find(synced.begin(), synced.end(), node) == synced.end())
    synced.push_back(node);
  pending.erase(node);
  cancel_locker(node, my_tag(node), std::nullopt, out);
  reset_node_state(node);
}

void server_core::impl::sync_others(const std::vector<etf::atom>& nodes,
                                    effects& out) {
  // global's sync_other: monitor_node connects if need be; once up, the
  // node learns it is in sync with us.
  for (auto n : nodes)
    if (n != cfg.node)
      out.emplace_back(connect_node{n});
}

effects server_core::connected(etf::atom node, bool ok) {
  effects out;
  auto& s = *impl_;
  if (ok) {
    s.send_server(node, etf::make_tuple("in_sync"_atom, cfg_.node, true), out);
    return out;
  }
  cafe::logger().warn("global at {} failed to connect to {}", cfg_.node.text(),
                      node.text());
  for (auto& [call, nodes] : s.syncers)
    nodes.erase(node);
  s.mark_synced(etf::atom{}, out); // answers syncers left with nothing
  s.handle_nodedown(node, nd_disconnected, out);
  return out;
}

// -- queries
// -------------------------------------------------------------------

std::vector<etf::atom> server_core::known() const {
  return impl_->known_nodes();
}

std::vector<etf::atom> server_core::synced() const {
  return impl_->synced;
}

} // namespace cafe::global
