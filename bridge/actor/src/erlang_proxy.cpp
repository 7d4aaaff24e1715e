#include "erlang_proxy.hpp"

#include "bridge_state.hpp"
#include "cafe/actor/exit_reasons.hpp"
#include "cafe/log.hpp"

#include <algorithm>
#include <caf/actor_cast.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

namespace cafe::actor {

namespace {

/// Holds a proxy's monitor on its target: the DOWN ends the proxy. Until
/// then it keeps the proxy alive, as CAF's proxy registry does: observers
/// hold only addresses, and a monitor must not end with the last handle.
class proxy_watcher : public node::local_process {
public:
  explicit proxy_watcher(caf::strong_actor_ptr proxy)
    : proxy_(std::move(proxy)) {
    // nop
  }

  void deliver(const std::optional<etf::pid>&, etf::term) override {
    // nop
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // nop
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term& reason) override {
    caf::strong_actor_ptr ptr;
    {
      std::lock_guard guard{mtx_};
      ptr.swap(proxy_);
    }
    // A DOWN reason is information, not a signal: `kill` in it is an
    // ordinary reason, as through a link.
    if (ptr)
      static_cast<erlang_proxy*>(ptr->get())
        ->kill_proxy(nullptr, to_error(reason, true));
  }

private:
  std::mutex mtx_;
  caf::strong_actor_ptr proxy_;
};

std::string describe(const proxy_target& target) {
  if (auto p = std::get_if<etf::pid>(&target))
    return etf::to_string(etf::term{*p});
  auto& n = std::get<registered_name>(target);
  return "{" + std::string{n.name.text()} + ", " + std::string{n.node.text()}
         + "}";
}

} // namespace

erlang_proxy::erlang_proxy(caf::actor_config& cfg, proxy_target target,
                           std::weak_ptr<bridge::state> owner)
  : caf::actor_proxy(cfg), target_(std::move(target)),
    owner_(std::move(owner)) {
  // nop
}

erlang_proxy::~erlang_proxy() {
  auto owner = owner_.lock();
  if (!owner)
    return;
  owner->proxy_destroyed(target_, ctrl());
  release_monitor();
}

void erlang_proxy::release_monitor() {
  etf::pid watcher;
  {
    std::lock_guard guard{mtx_};
    if (!monitoring_ || watcher_.node == etf::atom{})
      return;
    watcher = watcher_;
    watcher_ = etf::pid{};
  }
  // Ending the watcher drops its monitor (DEMONITOR_P goes out).
  if (auto owner = owner_.lock())
    owner->node().remove_process(watcher, etf::term{etf::atom{"normal"}});
}

const char* erlang_proxy::name() const {
  return "erlang_proxy";
}

void erlang_proxy::enqueue(caf::mailbox_element_ptr what,
                           caf::execution_unit*) {
  auto owner = owner_.lock();
  if (!owner || !what)
    return;
  auto sender = what->sender;
  auto mid = what->mid;
  auto content = what->move_content_to_message();
  if (content.match_elements<caf::exit_msg>()) {
    on_exit_msg(sender, content.get_as<caf::exit_msg>(0));
    return;
  }
  if (mid.is_response()) {
    on_response(mid, content, sender);
    return;
  }
  // CAF answers a message no handler matched with an error, request or
  // not; Erlang has nothing like that unasked-for answer.
  if (!mid.is_request() && content.match_elements<caf::error>()) {
    cafe::logger().debug("bridge: not sending {} to {}",
                         caf::to_string(content), describe(target_));
    return;
  }
  auto msg = owner->types().to_term(content, *owner);
  if (!msg) {
    // Nothing is sent half-converted; the sender of a request hears why.
    cafe::logger().error("bridge: cannot send to {}: {}", describe(target_),
                         msg.error());
    if (mid.is_request() && sender)
      sender->enqueue(caf::make_mailbox_element(
                        ctrl(), mid.response_id(), {},
                        caf::make_error(caf::sec::unexpected_message)),
                      nullptr);
    return;
  }
  if (mid.is_request())
    owner->call(sender, mid, ctrl(), target_, *msg);
  else
    owner->send(sender, target_, *msg);
}

void erlang_proxy::on_exit_msg(const caf::strong_actor_ptr&,
                               const caf::exit_msg& x) {
  auto source = caf::actor_cast<caf::strong_actor_ptr>(x.source);
  // A linked actor terminating sends its exit from its own cleanup; the
  // node sends the Erlang EXIT for it when the pid goes (process_exited).
  if (!source || source->get()->getf(is_cleaned_up_flag)) {
    if (source)
      drop_link(source->get());
    return;
  }
  auto owner = owner_.lock();
  auto to = std::get_if<etf::pid>(&target_);
  if (!owner || to == nullptr) {
    cafe::logger().warn("bridge: exit/2 needs a pid, not {}",
                        describe(target_));
    return;
  }
  owner->node().exit(owner->pid_of(source), *to, to_exit_term(x.reason, true));
}

void erlang_proxy::on_response(caf::message_id mid, const caf::message& content,
                               const caf::strong_actor_ptr& sender) {
  node::gen_call_request call;
  {
    std::lock_guard guard{mtx_};
    auto i = responses_.find(mid.request_id().integer_value());
    if (i == responses_.end())
      return;
    call = std::move(i->second);
    responses_.erase(i);
  }
  auto owner = owner_.lock();
  if (!owner)
    return;
  etf::term reply;
  if (content.empty()) {
    reply = etf::atom{"ok"}; // a handler returning void
  } else if (content.match_elements<caf::error>()) {
    reply = etf::make_tuple(etf::atom{"error"},
                            to_exit_term(content.get_as<caf::error>(0)));
  } else if (auto x = owner->types().to_term(content, *owner)) {
    reply = std::move(*x);
  } else {
    cafe::logger().error("bridge: cannot convert the reply to {}: {}",
                         describe(target_), x.error());
    reply = etf::make_tuple(etf::atom{"error"}, etf::atom{"badreply"});
  }
  auto from = sender ? owner->pid_of(sender) : owner->anonymous();
  send_gen_reply(owner->node(), from, call, std::move(reply), true);
}

void erlang_proxy::attach(caf::attachable_ptr ptr) {
  caf::actor_proxy::attach(std::move(ptr));
  ensure_monitor();
}

void erlang_proxy::ensure_monitor() {
  auto owner = owner_.lock();
  if (!owner)
    return;
  auto& node = owner->node();
  etf::pid watcher;
  {
    std::lock_guard guard{mtx_};
    if (monitoring_ || dead())
      return;
    monitoring_ = true;
    watcher = node.make_pid();
    watcher_ = watcher;
  }
  node.add_process(
    watcher, std::make_shared<proxy_watcher>(caf::strong_actor_ptr{ctrl()}));
  if (auto p = std::get_if<etf::pid>(&target_)) {
    node.monitor(watcher, etf::term{*p}, p->node);
  } else {
    auto& n = std::get<registered_name>(target_);
    node.monitor(watcher, etf::term{n.name}, n.node);
  }
}

bool erlang_proxy::add_backlink(caf::abstract_actor* x) {
  auto to = std::get_if<etf::pid>(&target_);
  if (to == nullptr) {
    // As in Erlang: link/1 takes a pid, never a name.
    cafe::logger().warn("bridge: cannot link to {}: not a pid",
                        describe(target_));
    return false;
  }
  auto owner = owner_.lock();
  if (!owner || !caf::actor_proxy::add_backlink(x))
    return false;
  {
    std::lock_guard guard{mtx_};
    linked_.push_back(x->address());
  }
  owner->node().link(owner->pid_of_locked(caf::strong_actor_ptr{x->ctrl()}),
                     *to);
  return true;
}

bool erlang_proxy::remove_backlink(caf::abstract_actor* x) {
  if (!caf::actor_proxy::remove_backlink(x))
    return false;
  {
    std::lock_guard guard{mtx_};
    linked_.erase(std::remove(linked_.begin(), linked_.end(), x->address()),
                  linked_.end());
  }
  auto owner = owner_.lock();
  if (auto to = std::get_if<etf::pid>(&target_); owner && to)
    owner->node().unlink(owner->pid_of_locked(caf::strong_actor_ptr{x->ctrl()}),
                         *to);
  return true;
}

void erlang_proxy::drop_link(caf::abstract_actor* x) {
  if (!caf::actor_proxy::remove_backlink(x))
    return;
  std::lock_guard guard{mtx_};
  linked_.erase(std::remove(linked_.begin(), linked_.end(), x->address()),
                linked_.end());
}

void erlang_proxy::kill_proxy(caf::execution_unit* ctx, caf::error reason) {
  // Linked actors hear of the target's end from the node, once each: the
  // proxy's own link entries must not tell them a second time.
  std::vector<caf::actor_addr> links;
  {
    std::lock_guard guard{mtx_};
    links.swap(linked_);
  }
  for (auto& addr : links)
    if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(addr))
      caf::actor_proxy::remove_backlink(ptr->get());
  cleanup(std::move(reason), ctx);
}

void erlang_proxy::expect_response(caf::message_id mid,
                                   node::gen_call_request call) {
  std::lock_guard guard{mtx_};
  responses_[mid.request_id().integer_value()] = std::move(call);
}

} // namespace cafe::actor
