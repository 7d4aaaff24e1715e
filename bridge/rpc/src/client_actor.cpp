// Calls into any node for CAF actors: one actor, one pid of the node for its
// calls (and their group leader), and for each linked or monitored spawn a
// stand-in pid that holds the link and the monitor for the requester. The
// node's callbacks only forward to the actor, so every answer and every
// exit or DOWN after it reaches the requester in the order the peer sent
// them.

#include "cafe/actor/exit_reasons.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/log.hpp"
#include "cafe/rpc/client.hpp"
#include "erpc_reply.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/response_promise.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <unordered_map>

namespace cafe::rpc {

using namespace etf::literals;

namespace {

/// A message for a pid of the client: `(msg_atom, via, msg)`.
using msg_atom = caf::atom_constant<caf::atom("rpc_msg")>;

/// `(down_atom, via, ref, reason)`.
using down_atom = caf::atom_constant<caf::atom("rpc_down")>;

/// `(exit_atom, via, from, reason, linked)`.
using exit_atom = caf::atom_constant<caf::atom("rpc_exit")>;

/// `(timeout_atom, req_id)`: a request's deadline.
using timeout_atom = caf::atom_constant<caf::atom("rpc_tmo")>;

/// `(owner_atom, relay, reason)`: the requester of a spawn ended.
using owner_atom = caf::atom_constant<caf::atom("rpc_owner")>;

/// A pid of the client: hands what the node delivers to the actor.
class forwarder : public node::local_process {
public:
  forwarder(caf::weak_actor_ptr client, etf::pid self)
    : client_(std::move(client)), self_(std::move(self)) {
    // nop
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    if (auto dest = target())
      caf::anon_send(dest, msg_atom::value, self_, std::move(msg));
  }

  void exit_signal(const etf::pid& from, const etf::term& reason,
                   bool linked) override {
    if (auto dest = target())
      caf::anon_send(dest, exit_atom::value, self_, from, reason, linked);
  }

  void down(const etf::reference& ref, const etf::term&,
            const etf::term& reason) override {
    if (auto dest = target())
      caf::anon_send(dest, down_atom::value, self_, ref, reason);
  }

private:
  caf::actor target() const {
    return caf::actor_cast<caf::actor>(client_);
  }

  caf::weak_actor_ptr client_;
  etf::pid self_;
};

/// The results of one multicall, filled as they come.
struct multicall_group {
  caf::response_promise rp;
  multicall_results results;
  size_t open = 0;
};

struct pending_call {
  etf::reference res;
  caf::response_promise rp;
  /// Set for the calls of a multicall, with the slot of this one.
  std::shared_ptr<multicall_group> group;
  size_t index = 0;
};

struct pending_spawn {
  caf::response_promise rp;
  /// The stand-in holding the link and monitor, if any were asked for.
  std::optional<etf::pid> relay;
};

/// A stand-in for the requester of a linked or monitored spawn.
struct relay {
  caf::weak_actor_ptr owner;
  etf::reference req_id;
  /// The proxy of the new process, once it runs.
  caf::actor proxy;
  bool linked = false;
  bool monitored = false;
};

struct client_state {
  std::weak_ptr<actor::bridge> bridge;
  std::weak_ptr<node::node> node;
  etf::pid self;
  std::unordered_map<etf::reference, pending_call> calls;
  std::unordered_map<etf::reference, pending_spawn> spawns;
  std::unordered_map<etf::pid, relay> relays;

  ~client_state() {
    auto n = node.lock();
    if (!n)
      return;
    for (auto& [pid, x] : relays)
      n->remove_process(pid, "normal"_atom);
    if (self.node != etf::atom{})
      n->remove_process(self, "normal"_atom);
  }

  static inline const char* name = "cafe.rpc.client";
};

using client_actor = caf::stateful_actor<client_state>;

void finish(pending_call& x, call_result result) {
  if (!x.group) {
    if (result)
      x.rp.deliver(std::move(*result));
    else
      x.rp.deliver(to_error(result.error()));
    return;
  }
  x.group->results[x.index] = std::move(result);
  if (--x.group->open == 0)
    x.group->rp.deliver(std::move(x.group->results));
}

/// Enqueues CAF's `exit_msg` or `down_msg` into `dest`, from `source`.
template <class SystemMessage>
void enqueue_from(const caf::strong_actor_ptr& dest, const caf::actor& source,
                  caf::error reason) {
  auto src = caf::actor_cast<caf::strong_actor_ptr>(source);
  dest->enqueue(caf::make_mailbox_element(
                  std::move(src), caf::make_message_id(), {},
                  SystemMessage{source.address(), std::move(reason)}),
                nullptr);
}

/// Ends the stand-in `pid` once it holds neither link nor monitor.
void release_relay(client_actor* self, const etf::pid& pid,
                   const etf::term& reason, bool force = false) {
  auto i = self->state.relays.find(pid);
  if (i == self->state.relays.end())
    return;
  if (!force && (i->second.linked || i->second.monitored))
    return;
  self->state.relays.erase(i);
  if (auto n = self->state.node.lock())
    n->remove_process(pid, reason);
}

void on_spawn_reply(client_actor* self, const etf::pid& via,
                    const etf::reference& req_id, const etf::term& msg) {
  auto& st = self->state;
  auto i = st.spawns.find(req_id);
  if (i == st.spawns.end()) {
    // An abandoned spawn: drop the monitor the node set up for it.
    if (auto n = st.node.lock())
      n->demonitor(via, req_id);
    return;
  }
  auto x = std::move(i->second);
  st.spawns.erase(i);
  auto reply = detail::parse_spawn_reply(req_id, msg);
  auto br = st.bridge.lock();
  if (!*reply || !br) {
    x.rp.deliver(to_error(*reply ? call_error{call_errc::noconnection, {}, {}}
                                 : reply->error()));
    if (x.relay)
      release_relay(self, *x.relay, "normal"_atom, true);
    return;
  }
  auto proxy = br->actor_of(**reply);
  if (x.relay)
    if (auto r = st.relays.find(*x.relay); r != st.relays.end())
      r->second.proxy = proxy;
  x.rp.deliver(proxy);
}

caf::behavior client(client_actor* self, std::weak_ptr<actor::bridge> b) {
  auto& st = self->state;
  st.bridge = b;
  if (auto br = b.lock()) {
    auto n = br->node().shared_from_this();
    st.node = n;
    st.self = n->make_pid();
    n->add_process(st.self,
                   std::make_shared<forwarder>(
                     caf::actor_cast<caf::weak_actor_ptr>(self), st.self));
  }
  auto arm = [self](const etf::reference& req_id, caf::timespan timeout) {
    self->delayed_send(self, timeout, timeout_atom::value, req_id);
  };
  // Starts one call; false when it ended at once (`x` then holds nothing).
  auto start_call = [self, arm](etf::atom node, etf::atom m, etf::atom f,
                                const etf::term& args, caf::timespan timeout,
                                pending_call x) {
    auto& st = self->state;
    auto n = st.node.lock();
    auto xs = args.get_if<etf::list>();
    if (!n) {
      finish(x, unexpected{call_error{call_errc::noconnection, {}, {}}});
      return;
    }
    if (xs == nullptr || !xs->proper()) {
      finish(x, unexpected{detail::badarg()});
      return;
    }
    x.res = n->make_ref();
    auto req_id = detail::request_call(*n, st.self, node, x.res, m, f, *xs);
    st.calls.emplace(req_id, std::move(x));
    arm(req_id, timeout);
  };
  return {
    [self, start_call](call_atom, etf::atom node, etf::atom m, etf::atom f,
                       const etf::term& args, caf::timespan timeout) {
      auto rp = self->make_response_promise();
      start_call(node, m, f, args, timeout, pending_call{{}, rp, nullptr, 0});
      return rp;
    },
    [self, start_call](multicall_atom, const etf::term& node_list, etf::atom m,
                       etf::atom f, const etf::term& args,
                       caf::timespan timeout) {
      auto group = std::make_shared<multicall_group>();
      group->rp = self->make_response_promise();
      std::vector<etf::atom> nodes;
      if (!etf::get_as(node_list, nodes)) {
        group->rp.deliver(to_error(detail::badarg()));
        return group->rp;
      }
      group->results.resize(nodes.size(), call_result{etf::term{}});
      group->open = nodes.size();
      auto rp = group->rp;
      if (nodes.empty())
        group->rp.deliver(multicall_results{});
      for (size_t i = 0; i < nodes.size(); ++i)
        start_call(nodes[i], m, f, args, timeout,
                   pending_call{{}, {}, group, i});
      return rp;
    },
    [self](cast_atom, etf::atom node, etf::atom m, etf::atom f,
           const etf::term& args) {
      auto& st = self->state;
      auto xs = args.get_if<etf::list>();
      if (auto n = st.node.lock(); n && xs != nullptr && xs->proper())
        detail::request_cast(*n, st.self, node, m, f, *xs);
      return caf::ok_atom::value;
    },
    [self, arm](spawn_atom, etf::atom node, etf::atom m, etf::atom f,
                const etf::term& args, bool link, bool monitor,
                caf::timespan timeout) {
      auto& st = self->state;
      // Before the promise: making it takes the sender out of the message.
      auto owner = self->current_sender();
      auto rp = self->make_response_promise();
      auto n = st.node.lock();
      auto xs = args.get_if<etf::list>();
      if (!n || !st.bridge.lock()) {
        rp.deliver(to_error(call_error{call_errc::noconnection, {}, {}}));
        return rp;
      }
      if (xs == nullptr || !xs->proper() || ((link || monitor) && !owner)) {
        rp.deliver(to_error(detail::badarg()));
        return rp;
      }
      auto from = st.self;
      std::optional<etf::pid> relay_pid;
      if (link || monitor) {
        relay_pid = n->make_pid();
        from = *relay_pid;
        n->add_process(from,
                       std::make_shared<forwarder>(
                         caf::actor_cast<caf::weak_actor_ptr>(self), from));
        auto client = caf::actor_cast<caf::actor>(self);
        owner->get()->attach_functor([client, from](const caf::error& why) {
          caf::anon_send(client, owner_atom::value, from, why);
        });
      }
      auto req_id = n->spawn_request(from, node, m, f, *xs,
                                     node::spawn_options{link, monitor}, from);
      if (relay_pid)
        st.relays.emplace(*relay_pid,
                          relay{caf::actor_cast<caf::weak_actor_ptr>(owner),
                                req_id,
                                {},
                                link,
                                monitor});
      st.spawns.emplace(req_id, pending_spawn{rp, relay_pid});
      arm(req_id, timeout);
      return rp;
    },
    [self](msg_atom, const etf::pid& via, const etf::term& msg) {
      auto& st = self->state;
      if (auto io = detail::answer_io(msg)) {
        if (!io->output.empty())
          logger().info("rpc: output: {}", io->output);
        if (auto n = st.node.lock())
          n->send(st.self, io->to, io->reply, true);
        return;
      }
      etf::reference req_id;
      etf::atom ok;
      if (!etf::match(msg, "spawn_reply"_atom, &req_id, &ok, etf::_))
        return;
      if (auto i = st.calls.find(req_id); i != st.calls.end()) {
        if (auto done = detail::on_message(i->second.res, req_id, msg)) {
          auto x = std::move(i->second);
          st.calls.erase(i);
          finish(x, std::move(*done));
        }
        return;
      }
      on_spawn_reply(self, via, req_id, msg);
    },
    [self](down_atom, const etf::pid& via, const etf::reference& ref,
           const etf::term& reason) {
      auto& st = self->state;
      if (auto i = st.calls.find(ref); i != st.calls.end()) {
        auto x = std::move(i->second);
        st.calls.erase(i);
        finish(x, detail::from_down(x.res, reason));
        return;
      }
      auto r = st.relays.find(via);
      if (r == st.relays.end() || !(r->second.req_id == ref)
          || !r->second.monitored)
        return;
      r->second.monitored = false;
      auto owner = caf::actor_cast<caf::strong_actor_ptr>(r->second.owner);
      if (owner && r->second.proxy)
        enqueue_from<caf::down_msg>(owner, r->second.proxy,
                                    actor::to_error(reason, true));
      release_relay(self, via, "normal"_atom);
    },
    [self](exit_atom, const etf::pid& via, const etf::pid&,
           const etf::term& reason, bool linked) {
      auto& st = self->state;
      auto r = st.relays.find(via);
      if (r == st.relays.end() || !linked || !r->second.linked)
        return;
      r->second.linked = false;
      auto owner = caf::actor_cast<caf::strong_actor_ptr>(r->second.owner);
      if (owner && r->second.proxy)
        enqueue_from<caf::exit_msg>(owner, r->second.proxy,
                                    actor::to_error(reason, true));
      release_relay(self, via, "normal"_atom);
    },
    [self](owner_atom, const etf::pid& relay_pid, const caf::error& why) {
      // The requester ended: so does its stand-in, and its link carries
      // the reason to the process.
      release_relay(self, relay_pid, actor::to_exit_term(why), true);
    },
    [self](timeout_atom, const etf::reference& req_id) {
      auto& st = self->state;
      auto n = st.node.lock();
      if (auto i = st.calls.find(req_id); i != st.calls.end()) {
        auto x = std::move(i->second);
        st.calls.erase(i);
        if (n)
          n->demonitor(st.self, req_id);
        finish(x, unexpected{call_error{call_errc::timeout, {}, {}}});
        return;
      }
      if (auto i = st.spawns.find(req_id); i != st.spawns.end()) {
        auto x = std::move(i->second);
        st.spawns.erase(i);
        x.rp.deliver(to_error(call_error{call_errc::timeout, {}, {}}));
        // A reply still on its way finds its requester gone.
        if (x.relay)
          release_relay(self, *x.relay, "normal"_atom, true);
      }
    },
  };
}

} // namespace

caf::error to_error(const call_error& x) {
  return caf::error{static_cast<uint8_t>(x.code), error_category,
                    caf::make_message(x)};
}

std::optional<call_error> call_error_of(const caf::error& x) {
  if (x == caf::sec::request_timeout)
    return call_error{call_errc::timeout, {}, {}};
  if (x.category() != error_category)
    return std::nullopt;
  auto& ctx = x.context();
  if (ctx.match_elements<call_error>())
    return ctx.get_as<call_error>(0);
  return call_error{static_cast<call_errc>(x.code()), {}, {}};
}

caf::actor spawn_client(caf::actor_system& sys,
                        std::weak_ptr<actor::bridge> bridge) {
  return sys.spawn(client, std::move(bridge));
}

} // namespace cafe::rpc
