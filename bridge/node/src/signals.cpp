// Links, monitors and exit signals between processes, local and remote,
// following OTP's link protocol (UNLINK_ID) and monitor semantics.

#include "node_impl.hpp"

namespace cafe::node {

namespace {

const etf::term& noproc() {
  static const etf::term x{etf::atom{"noproc"}};
  return x;
}

const etf::term& noconnection() {
  static const etf::term x{etf::atom{"noconnection"}};
  return x;
}

distribution::pid_or_name to_pid_or_name(const etf::term& x) {
  if (auto p = x.get_if<etf::pid>())
    return *p;
  if (auto t = x.get_if<etf::tuple>(); t && t->size() == 2)
    if (auto a = t->elements[0].get_if<etf::atom>())
      return *a;
  if (auto a = x.get_if<etf::atom>())
    return *a;
  return etf::atom{};
}

} // namespace

// -- sending signals
// -----------------------------------------------------------

void node::impl::send_link_exit(const etf::pid& from, const etf::pid& to,
                                const etf::term& reason) {
  if (flags_of(to.node) & distribution::flag::exit_payload)
    send_control(to.node, distribution::payload_exit{from, to}, &reason, true);
  else
    send_control(to.node, distribution::exit{from, to, reason}, nullptr, true);
}

void node::impl::send_monitor_exit(const etf::term& who, const etf::pid& to,
                                   const etf::reference& ref,
                                   const etf::term& reason) {
  auto from = to_pid_or_name(who);
  if (flags_of(to.node) & distribution::flag::exit_payload)
    send_control(to.node, distribution::payload_monitor_p_exit{from, to, ref},
                 &reason, true);
  else
    send_control(to.node, distribution::monitor_p_exit{from, to, ref, reason},
                 nullptr, true);
}

// -- outgoing
// ------------------------------------------------------------------

void node::impl::link(const etf::pid& from, const etf::pid& to) {
  std::shared_ptr<local_process> self_proc;
  {
    std::lock_guard guard{mtx};
    if (is_local(to)) {
      if (processes.contains(to)) {
        links.link_local(from, to);
        return;
      }
      self_proc = processes.find(from);
    } else {
      links.link_remote(from, to);
    }
  }
  if (self_proc) {
    self_proc->exit_signal(to, noproc(), true);
    return;
  }
  send_control(to.node, distribution::link{from, to}, nullptr, true);
}

void node::impl::unlink(const etf::pid& from, const etf::pid& to) {
  uint64_t id = 0;
  {
    std::lock_guard guard{mtx};
    auto local = is_local(to);
    auto new_protocol
      = !local && (peers.flags(to.node) & distribution::flag::unlink_id) != 0;
    auto started = links.begin_unlink(from, to, local, new_protocol);
    // A local pair is gone already; nothing goes out.
    if (!started || local)
      return;
    id = *started;
  }
  if (id != 0)
    send_control(to.node, distribution::unlink_id{id, from, to}, nullptr, true);
  else
    send_control(to.node, distribution::unlink{from, to}, nullptr, true);
}

etf::reference node::impl::monitor(const etf::pid& from, const etf::term& to,
                                   etf::atom to_node,
                                   const etf::reference& ref) {
  auto target = to_pid_or_name(to);
  etf::term who = to;
  if (auto name = std::get_if<etf::atom>(&target))
    who = etf::make_tuple(*name, to_node);
  if (to_node == name) {
    std::shared_ptr<local_process> watcher;
    {
      std::lock_guard guard{mtx};
      if (auto pid = processes.resolve(target)) {
        incoming_monitor in{from, *pid, std::nullopt};
        if (auto n = std::get_if<etf::atom>(&target))
          in.name = *n;
        monitors.add_local(ref, std::move(in),
                           outgoing_monitor{from, who, to_node});
        return ref;
      }
      watcher = processes.find(from);
    }
    if (watcher)
      watcher->down(ref, who, noproc());
    return ref;
  }
  {
    std::lock_guard guard{mtx};
    monitors.add_outgoing(ref, outgoing_monitor{from, who, to_node});
  }
  send_control(to_node, distribution::monitor_p{from, target, ref}, nullptr,
               true);
  return ref;
}

void node::impl::demonitor(const etf::pid& from, const etf::reference& ref) {
  outgoing_monitor out;
  {
    std::lock_guard guard{mtx};
    auto taken = monitors.take_outgoing(ref, from);
    if (!taken)
      return;
    out = std::move(*taken);
    if (out.target_node == name) {
      monitors.drop_incoming(ref);
      return;
    }
  }
  send_control(out.target_node,
               distribution::demonitor_p{from, to_pid_or_name(out.target), ref},
               nullptr, true);
}

void node::impl::exit2(const etf::pid& from, const etf::pid& to,
                       const etf::term& reason) {
  if (is_local(to)) {
    on_exit(from, to, reason, false);
    return;
  }
  if (flags_of(to.node) & distribution::flag::exit_payload)
    send_control(to.node, distribution::payload_exit2{from, to}, &reason, true);
  else
    send_control(to.node, distribution::exit2{from, to, reason}, nullptr, true);
}

// -- incoming
// ------------------------------------------------------------------

void node::impl::on_link(const etf::pid& from, const etf::pid& to) {
  {
    std::lock_guard guard{mtx};
    if (processes.contains(to)) {
      links.link_incoming(to, from);
      return;
    }
  }
  send_link_exit(to, from, noproc());
}

void node::impl::on_unlink_id(uint64_t id, const etf::pid& from,
                              const etf::pid& to) {
  {
    std::lock_guard guard{mtx};
    links.unlinked(to, from);
  }
  if (id != 0)
    send_control(from.node, distribution::unlink_id_ack{id, to, from}, nullptr,
                 true);
}

void node::impl::on_unlink_id_ack(uint64_t id, const etf::pid& from,
                                  const etf::pid& to) {
  std::lock_guard guard{mtx};
  links.unlink_acked(to, from, id);
}

void node::impl::on_exit(const etf::pid& from, const etf::pid& to,
                         const etf::term& reason, bool linked) {
  std::shared_ptr<local_process> proc;
  {
    std::lock_guard guard{mtx};
    if (linked && !links.take_exit(to, from))
      return;
    proc = processes.find(to);
  }
  if (proc)
    proc->exit_signal(from, reason, linked);
}

void node::impl::on_monitor(const etf::pid& watcher,
                            const distribution::pid_or_name& target,
                            const etf::reference& ref) {
  {
    std::lock_guard guard{mtx};
    if (auto pid = processes.resolve(target)) {
      std::optional<etf::atom> by_name;
      if (auto n = std::get_if<etf::atom>(&target))
        by_name = *n;
      monitors.add_incoming(ref, incoming_monitor{watcher, *pid, by_name});
      return;
    }
  }
  etf::term who = std::holds_alternative<etf::pid>(target)
                    ? etf::term{std::get<etf::pid>(target)}
                    : etf::term{std::get<etf::atom>(target)};
  send_monitor_exit(who, watcher, ref, noproc());
}

void node::impl::on_demonitor(const etf::reference& ref) {
  std::lock_guard guard{mtx};
  monitors.drop_incoming(ref);
}

void node::impl::on_monitor_exit(const distribution::pid_or_name& who,
                                 const etf::pid& to, const etf::reference& ref,
                                 const etf::term& reason) {
  std::shared_ptr<local_process> proc;
  etf::term who_term;
  {
    std::lock_guard guard{mtx};
    auto out = monitors.take_outgoing(ref);
    if (!out)
      return;
    who_term = std::move(out->target);
    proc = processes.find(to);
  }
  (void)who;
  if (proc)
    proc->down(ref, who_term, reason);
}

// -- endings
// -------------------------------------------------------------------

void node::impl::process_down(const etf::pid& pid, const etf::term& reason) {
  std::vector<std::pair<std::shared_ptr<local_process>, etf::pid>> local_exits;
  link_table::ended_links ended;
  monitor_table::ended_monitors mons;
  // Released after the lock: a process object may own what ends with it
  // (a CAF actor), and that may call back into the node.
  std::shared_ptr<local_process> gone;
  {
    std::lock_guard guard{mtx};
    gone = processes.remove(pid);
    ended = links.take_process(pid, [this](const etf::pid& p) {
      return is_local(p);
    });
    for (auto& other : ended.local)
      if (auto p = processes.find(other))
        local_exits.emplace_back(std::move(p), other);
    mons = monitors.take_process(pid);
  }
  for (auto& [proc, other] : local_exits)
    proc->exit_signal(pid, reason, true);
  for (auto& other : ended.remote)
    send_link_exit(pid, other, reason);
  for (auto& [ref, in] : mons.downs) {
    etf::term who = in.name ? etf::make_tuple(*in.name, name) : etf::term{pid};
    if (is_local(in.watcher)) {
      std::shared_ptr<local_process> watcher;
      {
        std::lock_guard guard{mtx};
        watcher = processes.find(in.watcher);
      }
      if (watcher)
        watcher->down(ref, who, reason);
    } else {
      send_monitor_exit(in.name ? etf::term{*in.name} : etf::term{pid},
                        in.watcher, ref, reason);
    }
  }
  for (auto& [ref, out] : mons.dropped)
    if (out.target_node != name)
      send_control(out.target_node,
                   distribution::demonitor_p{pid, to_pid_or_name(out.target),
                                             ref},
                   nullptr, true);
}

void node::impl::node_down(etf::atom peer) {
  std::vector<std::pair<std::shared_ptr<local_process>, etf::pid>> exits;
  std::vector<
    std::tuple<std::shared_ptr<local_process>, etf::reference, etf::term>>
    downs;
  {
    std::lock_guard guard{mtx};
    for (auto& [local, other] : links.take_peer(peer))
      if (auto p = processes.find(local))
        exits.emplace_back(std::move(p), other);
    for (auto& [ref, out] : monitors.take_peer(peer))
      if (auto p = processes.find(out.watcher))
        downs.emplace_back(std::move(p), ref, std::move(out.target));
  }
  for (auto& [proc, other] : exits)
    proc->exit_signal(other, noconnection(), true);
  for (auto& [proc, ref, who] : downs)
    proc->down(ref, who, noconnection());
  fail_pending_spawns(peer);
}

} // namespace cafe::node
