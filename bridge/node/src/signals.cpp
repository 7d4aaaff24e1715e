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
      auto i = procs.find(to);
      if (i == procs.end()) {
        self_proc = procs.count(from) ? procs[from] : nullptr;
      } else {
        links[from][to] = link_state{};
        links[to][from] = link_state{};
        return;
      }
    } else {
      links[from][to] = link_state{};
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
    auto i = links.find(from);
    if (i == links.end())
      return;
    auto j = i->second.find(to);
    if (j == i->second.end() || !j->second.active)
      return;
    if (is_local(to)) {
      i->second.erase(j);
      links[to].erase(from);
      return;
    }
    auto peer = peers.find(to.node);
    bool new_protocol
      = peer != peers.end() && peer->second.up
        && (peer->second.conn->flags() & distribution::flag::unlink_id);
    if (!new_protocol) {
      i->second.erase(j);
    } else {
      id = next_unlink_id++;
      j->second.active = false;
      j->second.unlink_id = id;
    }
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
      std::optional<etf::pid> pid;
      if (auto p = std::get_if<etf::pid>(&target))
        pid = *p;
      else if (auto n = names.find(std::get<etf::atom>(target));
               n != names.end())
        pid = n->second;
      if (pid && procs.count(*pid)) {
        incoming_monitor in{from, *pid, std::nullopt};
        if (auto n = std::get_if<etf::atom>(&target))
          in.name = *n;
        monitored_by[ref] = in;
        monitoring[ref] = outgoing_monitor{from, who, to_node};
        return ref;
      }
      if (auto i = procs.find(from); i != procs.end())
        watcher = i->second;
    }
    if (watcher)
      watcher->down(ref, who, noproc());
    return ref;
  }
  {
    std::lock_guard guard{mtx};
    monitoring[ref] = outgoing_monitor{from, who, to_node};
  }
  send_control(to_node, distribution::monitor_p{from, target, ref}, nullptr,
               true);
  return ref;
}

void node::impl::demonitor(const etf::pid& from, const etf::reference& ref) {
  outgoing_monitor out;
  {
    std::lock_guard guard{mtx};
    auto i = monitoring.find(ref);
    if (i == monitoring.end() || !(i->second.watcher == from))
      return;
    out = i->second;
    monitoring.erase(i);
    if (out.target_node == name) {
      monitored_by.erase(ref);
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
    if (procs.count(to)) {
      // An existing entry (even one being unlinked) stays as it is.
      links[to].try_emplace(from);
      return;
    }
  }
  send_link_exit(to, from, noproc());
}

void node::impl::on_unlink_id(uint64_t id, const etf::pid& from,
                              const etf::pid& to) {
  {
    std::lock_guard guard{mtx};
    if (auto i = links.find(to); i != links.end()) {
      auto j = i->second.find(from);
      // Our own unlink outstanding: keep the entry until its ack.
      if (j != i->second.end() && j->second.active)
        i->second.erase(j);
    }
  }
  if (id != 0)
    send_control(from.node, distribution::unlink_id_ack{id, to, from}, nullptr,
                 true);
}

void node::impl::on_unlink_id_ack(uint64_t id, const etf::pid& from,
                                  const etf::pid& to) {
  std::lock_guard guard{mtx};
  if (auto i = links.find(to); i != links.end()) {
    auto j = i->second.find(from);
    if (j != i->second.end() && !j->second.active && j->second.unlink_id == id)
      i->second.erase(j);
  }
}

void node::impl::on_exit(const etf::pid& from, const etf::pid& to,
                         const etf::term& reason, bool linked) {
  std::shared_ptr<local_process> proc;
  {
    std::lock_guard guard{mtx};
    if (linked) {
      auto i = links.find(to);
      if (i == links.end())
        return;
      auto j = i->second.find(from);
      if (j == i->second.end())
        return;
      bool active = j->second.active;
      i->second.erase(j);
      if (!active)
        return;
    }
    if (auto p = procs.find(to); p != procs.end())
      proc = p->second;
  }
  if (proc)
    proc->exit_signal(from, reason, linked);
}

void node::impl::on_monitor(const etf::pid& watcher,
                            const distribution::pid_or_name& target,
                            const etf::reference& ref) {
  {
    std::lock_guard guard{mtx};
    std::optional<etf::pid> pid;
    std::optional<etf::atom> by_name;
    if (auto p = std::get_if<etf::pid>(&target)) {
      pid = *p;
    } else {
      by_name = std::get<etf::atom>(target);
      if (auto n = names.find(*by_name); n != names.end())
        pid = n->second;
    }
    if (pid && procs.count(*pid)) {
      monitored_by[ref] = incoming_monitor{watcher, *pid, by_name};
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
  monitored_by.erase(ref);
}

void node::impl::on_monitor_exit(const distribution::pid_or_name& who,
                                 const etf::pid& to, const etf::reference& ref,
                                 const etf::term& reason) {
  std::shared_ptr<local_process> proc;
  etf::term who_term;
  {
    std::lock_guard guard{mtx};
    auto i = monitoring.find(ref);
    if (i == monitoring.end())
      return;
    who_term = i->second.target;
    monitoring.erase(i);
    if (auto p = procs.find(to); p != procs.end())
      proc = p->second;
  }
  (void)who;
  if (proc)
    proc->down(ref, who_term, reason);
}

// -- endings
// -------------------------------------------------------------------

void node::impl::process_down(const etf::pid& pid, const etf::term& reason) {
  std::vector<std::pair<std::shared_ptr<local_process>, etf::pid>> local_exits;
  std::vector<etf::pid> remote_exits;
  std::vector<std::pair<etf::reference, incoming_monitor>> downs;
  std::vector<std::pair<etf::reference, outgoing_monitor>> dropped;
  // Released after the lock: a process object may own what ends with it
  // (a CAF actor), and that may call back into the node.
  std::shared_ptr<local_process> gone;
  {
    std::lock_guard guard{mtx};
    if (auto i = procs.find(pid); i != procs.end()) {
      gone = std::move(i->second);
      procs.erase(i);
    }
    for (auto i = names.begin(); i != names.end();)
      i = i->second == pid ? names.erase(i) : std::next(i);
    if (auto i = links.find(pid); i != links.end()) {
      for (auto& [other, st] : i->second) {
        if (!st.active)
          continue;
        if (is_local(other)) {
          links[other].erase(pid);
          if (auto p = procs.find(other); p != procs.end())
            local_exits.emplace_back(p->second, other);
        } else {
          remote_exits.push_back(other);
        }
      }
      links.erase(pid);
    }
    for (auto i = monitored_by.begin(); i != monitored_by.end();) {
      if (i->second.target == pid) {
        downs.emplace_back(*i);
        monitoring.erase(i->first);
        i = monitored_by.erase(i);
      } else {
        ++i;
      }
    }
    for (auto i = monitoring.begin(); i != monitoring.end();) {
      if (i->second.watcher == pid) {
        dropped.emplace_back(*i);
        monitored_by.erase(i->first);
        i = monitoring.erase(i);
      } else {
        ++i;
      }
    }
  }
  for (auto& [proc, other] : local_exits)
    proc->exit_signal(pid, reason, true);
  for (auto& other : remote_exits)
    send_link_exit(pid, other, reason);
  for (auto& [ref, in] : downs) {
    etf::term who = in.name ? etf::make_tuple(*in.name, name) : etf::term{pid};
    if (is_local(in.watcher)) {
      std::shared_ptr<local_process> watcher;
      {
        std::lock_guard guard{mtx};
        if (auto p = procs.find(in.watcher); p != procs.end())
          watcher = p->second;
      }
      if (watcher)
        watcher->down(ref, who, reason);
    } else {
      send_monitor_exit(in.name ? etf::term{*in.name} : etf::term{pid},
                        in.watcher, ref, reason);
    }
  }
  for (auto& [ref, out] : dropped)
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
    for (auto& [local, others] : links) {
      for (auto i = others.begin(); i != others.end();) {
        if (i->first.node == peer) {
          if (i->second.active)
            if (auto p = procs.find(local); p != procs.end())
              exits.emplace_back(p->second, i->first);
          i = others.erase(i);
        } else {
          ++i;
        }
      }
    }
    for (auto i = monitoring.begin(); i != monitoring.end();) {
      if (i->second.target_node == peer) {
        if (auto p = procs.find(i->second.watcher); p != procs.end())
          downs.emplace_back(p->second, i->first, i->second.target);
        i = monitoring.erase(i);
      } else {
        ++i;
      }
    }
    for (auto i = monitored_by.begin(); i != monitored_by.end();)
      i = i->second.watcher.node == peer ? monitored_by.erase(i) : std::next(i);
  }
  for (auto& [proc, other] : exits)
    proc->exit_signal(other, noconnection(), true);
  for (auto& [proc, ref, who] : downs)
    proc->down(ref, who, noconnection());
}

} // namespace cafe::node
