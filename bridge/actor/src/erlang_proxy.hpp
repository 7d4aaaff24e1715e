#pragma once

// A CAF proxy for an Erlang process (a pid, or {Name, Node}). Not installed.

#include "cafe/actor/bridge.hpp"
#include "cafe/node/gen_call.hpp"
#include "proxy_target.hpp"

#include <caf/actor_proxy.hpp>
#include <caf/message_id.hpp>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace cafe::actor {

/// Stands for an Erlang process in CAF, as CAF's own proxies stand for
/// actors in other CAF nodes:
/// - messages enqueued are converted and sent (requests as gen_server
///   calls, responses as gen_server replies to a call that came from it);
/// - a CAF link is an Erlang link between the linking actor's pid and the
///   target; link exits travel through the node, which tells each linked
///   actor once, so the proxy keeps no CAF-side link state of its own;
/// - the first CAF monitor makes the proxy monitor the target; the DOWN
///   terminates the proxy with that reason, which is how every CAF
///   observer learns of it (down_msg).
class erlang_proxy : public caf::actor_proxy {
public:
  erlang_proxy(caf::actor_config& cfg, proxy_target target,
               std::weak_ptr<bridge::state> owner);

  ~erlang_proxy() override;

  const char* name() const override;

  const proxy_target& target() const noexcept {
    return target_;
  }

  /// Whether the target is known to be gone.
  bool dead() const noexcept {
    return getf(is_cleaned_up_flag);
  }

  // -- CAF's actor interface --------------------------------------------------

  void enqueue(caf::mailbox_element_ptr what,
               caf::execution_unit* ctx) override;

  void attach(caf::attachable_ptr ptr) override;

  bool add_backlink(caf::abstract_actor* x) override;

  bool remove_backlink(caf::abstract_actor* x) override;

  void kill_proxy(caf::execution_unit* ctx, caf::error reason) override;

  // -- bridge side ------------------------------------------------------------

  /// An Erlang gen_server:call from the target arrived as CAF request `mid`:
  /// the response enqueued here later goes back as the call's reply.
  void expect_response(caf::message_id mid, node::gen_call_request call);

  /// The link with `x` ended on the Erlang side: forget it without telling
  /// the target.
  void drop_link(caf::abstract_actor* x);

  /// The bridge goes: drop the monitor on the target while the node is
  /// still reachable (the destructor no longer can).
  void release_monitor();

private:
  void on_exit_msg(const caf::strong_actor_ptr& sender, const caf::exit_msg& x);

  void on_response(caf::message_id mid, const caf::message& content,
                   const caf::strong_actor_ptr& sender);

  /// Monitors the target once, for the proxy's own lifetime.
  void ensure_monitor();

  proxy_target target_;
  std::weak_ptr<bridge::state> owner_;
  std::mutex mtx_;
  /// Erlang calls waiting for a CAF response, by request id.
  std::unordered_map<uint64_t, node::gen_call_request> responses_;
  /// Actors linked through this proxy, for `kill_proxy`.
  std::vector<caf::actor_addr> linked_;
  /// The pid that holds the proxy's monitor on the target (once
  /// `monitoring_`, until `release_monitor`).
  etf::pid watcher_;
  bool monitoring_ = false;
};

} // namespace cafe::actor
