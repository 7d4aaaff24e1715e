// Remote spawn, both ways: serving peers' SPAWN_REQUESTs (through the
// spawn_server a service installs) and requesting spawns on peers, with the
// SPAWN_REPLY delivered to the requester as erlang:spawn_request/5 does.

#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "node_impl.hpp"

namespace cafe::node {

namespace {

using namespace etf::literals;

bool is_process_option(const etf::term& x) {
  // What erlang:spawn_opt/5 accepts besides link and monitor: tuning the
  // BEAM does for its own processes and cafe has no use for.
  auto t = x.get_if<etf::tuple>();
  if (t == nullptr || t->size() != 2)
    return false;
  auto key = (*t)[0].get_if<etf::atom>();
  if (key == nullptr)
    return false;
  static const etf::atom known[] = {
    "priority"_atom,      "fullsweep_after"_atom,
    "min_heap_size"_atom, "min_bin_vheap_size"_atom,
    "max_heap_size"_atom, "message_queue_data"_atom,
    "async_dist"_atom,
  };
  for (auto& k : known)
    if (*key == k)
      return true;
  return false;
}

} // namespace

void node::impl::on_spawn_request(const distribution::spawn_request& x,
                                  const etf::term& payload) {
  incoming_spawn req;
  req.req_id = x.req_id;
  req.from = x.from;
  req.group_leader = x.group_leader;
  req.module = x.mfa.module;
  req.function = x.mfa.function;
  auto refuse = [&](etf::atom reason) {
    distribution::spawn_reply reply;
    reply.req_id = x.req_id;
    reply.to = x.from;
    reply.result = reason;
    send_control(x.from.node, reply, nullptr, true);
  };
  // Options are the spawning side's to judge, as on a BEAM node (badopt).
  if (auto opts = x.opts.get_if<etf::list>()) {
    for (auto& opt : opts->elements) {
      if (opt == etf::term{"link"_atom})
        req.link = true;
      else if (opt == etf::term{"monitor"_atom})
        req.monitor = true;
      else if (!is_process_option(opt))
        return refuse("badopt"_atom);
    }
  }
  auto args = payload.get_if<etf::list>();
  if (args == nullptr || !args->proper()
      || static_cast<int64_t>(args->size()) != x.mfa.arity)
    return refuse("badarg"_atom);
  req.args = *args;
  spawn_server server;
  {
    std::lock_guard guard{mtx};
    server = spawns;
  }
  if (!server)
    return refuse("notsup"_atom);
  server(std::move(req));
}

void node::impl::spawned(const incoming_spawn& req, const etf::pid& pid) {
  distribution::spawn_flags flags;
  bool alive = false;
  auto caller_is_local = is_local(req.from);
  {
    std::lock_guard guard{mtx};
    alive = processes.contains(pid);
    if (alive && req.link) {
      if (caller_is_local)
        links.link_local(pid, req.from);
      else
        links.link_incoming(pid, req.from);
    }
    if (alive && req.monitor) {
      incoming_monitor in{req.from, pid, std::nullopt};
      if (caller_is_local)
        monitors.add_local(req.req_id, std::move(in),
                           outgoing_monitor{req.from, etf::term{pid}, name});
      else
        monitors.add_incoming(req.req_id, std::move(in));
    }
  }
  if (req.link)
    flags.bits |= distribution::spawn_flags::link;
  if (req.monitor)
    flags.bits |= distribution::spawn_flags::monitor;
  if (caller_is_local)
    on_spawn_reply(req.req_id, req.from, flags, etf::term{pid});
  else
    send_control(req.from.node,
                 distribution::spawn_reply{req.req_id, req.from, flags, pid},
                 nullptr, true);
  if (alive)
    return;
  // It ended before it could be announced: the caller learns it the way
  // it would for a process that ended at once.
  if (req.monitor)
    send_monitor_exit(etf::term{pid}, req.from, req.req_id,
                      etf::term{"noproc"_atom});
  if (req.link)
    send_link_exit(pid, req.from, etf::term{"noproc"_atom});
}

void node::impl::refuse_spawn(const incoming_spawn& req, etf::atom reason) {
  if (is_local(req.from)) {
    on_spawn_reply(req.req_id, req.from, {}, etf::term{reason});
    return;
  }
  distribution::spawn_reply reply;
  reply.req_id = req.req_id;
  reply.to = req.from;
  reply.result = reason;
  send_control(req.from.node, reply, nullptr, true);
}

etf::reference
node::impl::spawn_request(const etf::pid& from, etf::atom to_node,
                          etf::atom module, etf::atom function, etf::list args,
                          spawn_options opts, const etf::pid& group_leader,
                          const etf::reference& req_id) {
  if (to_node == name) {
    incoming_spawn req{req_id,    from,        group_leader,
                       module,    function,    std::move(args),
                       opts.link, opts.monitor};
    spawn_server server;
    {
      std::lock_guard guard{mtx};
      pending_spawns.add(req_id, pending_spawn{from, to_node});
      server = spawns;
    }
    if (server)
      server(std::move(req));
    else
      refuse_spawn(req, "notsup"_atom);
    return req_id;
  }
  std::vector<etf::term> wire_opts;
  if (opts.link)
    wire_opts.emplace_back("link"_atom);
  if (opts.monitor)
    wire_opts.emplace_back("monitor"_atom);
  distribution::spawn_request ctl;
  ctl.req_id = req_id;
  ctl.from = from;
  ctl.group_leader = group_leader;
  ctl.mfa = distribution::mfa{module, function,
                              static_cast<int64_t>(args.size())};
  ctl.opts = etf::term{etf::list{std::move(wire_opts)}};
  {
    std::lock_guard guard{mtx};
    pending_spawns.add(req_id, pending_spawn{from, to_node});
  }
  etf::term payload{std::move(args)};
  send_control(to_node, std::move(ctl), &payload, true);
  return req_id;
}

void node::impl::on_spawn_reply(const etf::reference& req_id,
                                const etf::pid& to,
                                distribution::spawn_flags flags,
                                const etf::term& result) {
  std::shared_ptr<local_process> proc;
  auto child = result.get_if<etf::pid>();
  auto remote_child = child != nullptr && !is_local(*child);
  {
    std::lock_guard guard{mtx};
    auto pending = pending_spawns.take(req_id);
    if (!pending || !(pending->requester == to))
      return;
    proc = processes.find(to);
    if (proc && remote_child) {
      if (flags.bits & distribution::spawn_flags::monitor)
        monitors.add_outgoing(req_id, outgoing_monitor{to, etf::term{*child},
                                                       child->node});
      if (flags.bits & distribution::spawn_flags::link)
        links.link_remote(to, *child);
    }
  }
  if (!proc) {
    // The requester ended (or gave up) before the reply: nothing may stay
    // attached to it on the child's node, as a BEAM node does for a reply
    // to a process that is gone: the link ends the child (noproc), the
    // monitor is dropped.
    if (remote_child && (flags.bits & distribution::spawn_flags::link))
      send_link_exit(to, *child, etf::term{"noproc"_atom});
    if (remote_child && (flags.bits & distribution::spawn_flags::monitor))
      send_control(child->node, distribution::demonitor_p{to, *child, req_id},
                   nullptr, true);
    return;
  }
  auto ok = result.is<etf::pid>();
  proc->deliver(std::nullopt,
                etf::make_tuple("spawn_reply"_atom, req_id,
                                ok ? "ok"_atom : "error"_atom, result));
}

void node::impl::fail_pending_spawns(etf::atom peer) {
  std::vector<spawn_table::entry> failed;
  std::vector<std::shared_ptr<local_process>> procs;
  {
    std::lock_guard guard{mtx};
    failed = pending_spawns.take_peer(peer);
    for (auto& [ref, p] : failed)
      procs.push_back(processes.find(p.requester));
  }
  for (size_t i = 0; i < failed.size(); ++i)
    if (procs[i])
      procs[i]->deliver(std::nullopt,
                        etf::make_tuple("spawn_reply"_atom, failed[i].first,
                                        "error"_atom, "noconnection"_atom));
}

} // namespace cafe::node
