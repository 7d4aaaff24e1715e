#include "actor_process.hpp"

#include "bridge_state.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/node/gen_call.hpp"
#include "erlang_proxy.hpp"
#include "inline_unit.hpp"

#include <caf/actor_cast.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/system_messages.hpp>

namespace cafe::actor {

using namespace etf::literals;

namespace {

/// Enqueues CAF's `exit_msg` or `down_msg` into `dest`, from `source`.
template <class SystemMessage>
void enqueue_from(const caf::strong_actor_ptr& dest,
                  caf::strong_actor_ptr source, caf::error reason) {
  caf::actor_addr addr;
  if (source)
    addr = source->address();
  dest->enqueue(caf::make_mailbox_element(
                  std::move(source), caf::make_message_id(), {},
                  SystemMessage{std::move(addr), std::move(reason)}),
                nullptr);
}

} // namespace

actor_process::actor_process(caf::strong_actor_ptr actor, etf::pid self,
                             std::weak_ptr<bridge::state> owner)
  : actor_(std::move(actor)), self_(std::move(self)), owner_(std::move(owner)) {
  // nop
}

caf::message actor_process::convert(const etf::term& x,
                                    bridge::state& owner) const {
  if (delivery_.load() == delivery::raw)
    return caf::make_message(x);
  return owner.types().to_message(x, owner);
}

void actor_process::deliver(const std::optional<etf::pid>& from,
                            etf::term msg) {
  auto owner = owner_.lock();
  auto& dest = actor_;
  if (!owner || !dest)
    return;
  // {Ref, Reply}: the answer to a gen_server:call this actor made.
  if (auto reply = node::parse_gen_reply(msg))
    if (auto call = owner->take_call(self_, reply->tag)) {
      owner->node().demonitor(self_, reply->tag);
      auto callee = caf::actor_cast<caf::strong_actor_ptr>(call->callee);
      inline_unit::enqueue(dest, caf::make_mailbox_element(
                                   std::move(callee), call->mid.response_id(),
                                   {}, convert(reply->value, *owner)));
      return;
    }
  // {'$gen_call', {From, Tag}, Request}: a gen_server:call to this actor.
  if (auto call = node::parse_gen_call(msg)) {
    // A proxy even for a local caller (a CAF request through a name proxy
    // for this node): the reply goes back as {Tag, Reply} either way.
    auto ptr = owner->proxy_for(call->from);
    if (auto proxy = dynamic_cast<erlang_proxy*>(ptr ? ptr->get() : nullptr)) {
      auto mid = owner->next_request_id();
      auto request = convert(call->request, *owner);
      proxy->expect_response(mid, std::move(*call));
      inline_unit::enqueue(dest,
                           caf::make_mailbox_element(std::move(ptr), mid, {},
                                                     std::move(request)));
      return;
    }
  }
  caf::strong_actor_ptr sender;
  if (from)
    sender = caf::actor_cast<caf::strong_actor_ptr>(owner->actor_of(*from));
  inline_unit::enqueue(
    dest, caf::make_mailbox_element(std::move(sender), caf::make_message_id(),
                                    {}, convert(msg, *owner)));
}

void actor_process::exit_signal(const etf::pid& from, const etf::term& reason,
                                bool linked) {
  auto owner = owner_.lock();
  auto& dest = actor_;
  if (!owner || !dest)
    return;
  auto source = caf::actor_cast<caf::strong_actor_ptr>(owner->actor_of(from));
  // The link is gone on the node's side: the proxy must not report the
  // target's end a second time.
  if (auto proxy = dynamic_cast<erlang_proxy*>(source ? source->get()
                                                      : nullptr);
      proxy && linked)
    proxy->drop_link(dest->get());
  enqueue_from<caf::exit_msg>(dest, std::move(source),
                              to_error(reason, linked));
}

void actor_process::down(const etf::reference& ref, const etf::term& who,
                         const etf::term& reason) {
  auto owner = owner_.lock();
  auto& dest = actor_;
  if (!owner || !dest)
    return;
  // The callee of a call this actor made is gone: the call fails.
  if (auto call = owner->take_call(self_, ref)) {
    auto callee = caf::actor_cast<caf::strong_actor_ptr>(call->callee);
    dest->enqueue(
      caf::make_mailbox_element(std::move(callee), call->mid.response_id(), {},
                                caf::error{erlang_exit, erlang_category,
                                           caf::make_message(reason)}),
      nullptr);
    return;
  }
  caf::strong_actor_ptr source;
  etf::atom name;
  etf::atom node;
  if (auto p = who.get_if<etf::pid>())
    source = caf::actor_cast<caf::strong_actor_ptr>(owner->actor_of(*p));
  else if (etf::match(who, &name, &node))
    source = owner->proxy_for(registered_name{name, node});
  enqueue_from<caf::down_msg>(dest, std::move(source), to_error(reason, true));
}

} // namespace cafe::actor
