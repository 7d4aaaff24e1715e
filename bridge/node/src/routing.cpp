// What arrives from peers: messages to local processes and the signals
// between processes, dispatched by control operation.

#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "node_impl.hpp"

namespace cafe::node {

namespace {

template <class... Fs>
struct overload : Fs... {
  using Fs::operator()...;
};

template <class... Fs>
overload(Fs...) -> overload<Fs...>;

const etf::term& payload_of(const distribution::message& msg) {
  static const etf::term none;
  return msg.payload ? *msg.payload : none;
}

} // namespace

void node::impl::deliver_local(const etf::pid& to,
                               const std::optional<etf::pid>& from,
                               etf::term msg) {
  std::shared_ptr<local_process> proc;
  {
    std::lock_guard guard{mtx};
    proc = processes.find(to);
  }
  // Messages to dead processes vanish, as in Erlang.
  if (proc)
    proc->deliver(from, std::move(msg));
}

void node::impl::handle(const std::shared_ptr<connection::dist_connection>&,
                        distribution::message& msg) {
  auto reg_send = [&](const etf::pid& from, etf::atom name) {
    std::shared_ptr<local_process> proc;
    {
      std::lock_guard guard{mtx};
      proc = processes.find_by_name(name);
    }
    if (proc)
      proc->deliver(from, std::move(*msg.payload));
    else
      cafe::logger().debug("node: message from {} to unknown name {}",
                           etf::to_string(etf::term{from}), name.text());
  };
  auto spawn_reply = [this](const etf::reference& req_id, const etf::pid& to,
                            distribution::spawn_flags flags,
                            const distribution::pid_or_name& result) {
    auto as_term = std::visit([](auto& x) { return etf::term{x}; }, result);
    on_spawn_reply(req_id, to, flags, as_term);
  };
  auto& payload = payload_of(msg);
  std::visit(
    overload{
      [&](distribution::send& x) {
        deliver_local(x.to, std::nullopt, std::move(*msg.payload));
      },
      [&](distribution::send_tt& x) {
        deliver_local(x.to, std::nullopt, std::move(*msg.payload));
      },
      [&](distribution::send_sender& x) {
        deliver_local(x.to, x.from, std::move(*msg.payload));
      },
      [&](distribution::send_sender_tt& x) {
        deliver_local(x.to, x.from, std::move(*msg.payload));
      },
      [&](distribution::reg_send& x) { reg_send(x.from, x.to_name); },
      [&](distribution::reg_send_tt& x) { reg_send(x.from, x.to_name); },
      [&](distribution::alias_send&) {
        // cafe hands out no aliases yet: nothing to deliver to.
      },
      [&](distribution::alias_send_tt&) {},
      [&](distribution::link& x) { on_link(x.from, x.to); },
      [&](distribution::unlink& x) { on_unlink_id(0, x.from, x.to); },
      [&](distribution::unlink_id& x) { on_unlink_id(x.id, x.from, x.to); },
      [&](distribution::unlink_id_ack& x) {
        on_unlink_id_ack(x.id, x.from, x.to);
      },
      [&](distribution::exit& x) { on_exit(x.from, x.to, x.reason, true); },
      [&](distribution::exit_tt& x) { on_exit(x.from, x.to, x.reason, true); },
      [&](distribution::payload_exit& x) {
        on_exit(x.from, x.to, payload, true);
      },
      [&](distribution::payload_exit_tt& x) {
        on_exit(x.from, x.to, payload, true);
      },
      [&](distribution::exit2& x) { on_exit(x.from, x.to, x.reason, false); },
      [&](distribution::exit2_tt& x) {
        on_exit(x.from, x.to, x.reason, false);
      },
      [&](distribution::payload_exit2& x) {
        on_exit(x.from, x.to, payload, false);
      },
      [&](distribution::payload_exit2_tt& x) {
        on_exit(x.from, x.to, payload, false);
      },
      [&](distribution::monitor_p& x) { on_monitor(x.from, x.to, x.ref); },
      [&](distribution::demonitor_p& x) { on_demonitor(x.ref); },
      [&](distribution::monitor_p_exit& x) {
        on_monitor_exit(x.from, x.to, x.ref, x.reason);
      },
      [&](distribution::payload_monitor_p_exit& x) {
        on_monitor_exit(x.from, x.to, x.ref, payload);
      },
      [&](distribution::spawn_request& x) { on_spawn_request(x, payload); },
      [&](distribution::spawn_request_tt& x) {
        // The trace token is opaque to cafe.
        distribution::spawn_request plain{x.req_id, x.from, x.group_leader,
                                          x.mfa, x.opts};
        on_spawn_request(plain, payload);
      },
      [&](distribution::spawn_reply& x) {
        spawn_reply(x.req_id, x.to, x.flags, x.result);
      },
      [&](distribution::spawn_reply_tt& x) {
        spawn_reply(x.req_id, x.to, x.flags, x.result);
      },
      [&](distribution::group_leader&) {},
      [&](distribution::node_link&) {},
    },
    msg.control);
}

} // namespace cafe::node
