#include "rooms/peers.hpp"

#include "cafe/etf/atom.hpp"
#include "cafe/log.hpp"
#include "cafe/rpc/client.hpp"
#include "rooms/sync_wire.hpp"

#include <algorithm>

namespace cafe::chat::rooms {

namespace {

constexpr auto ask_timeout = std::chrono::seconds{5};

/// When to ask a node that said no again, after its nodeup.
constexpr std::chrono::milliseconds ask_again[]
  = {std::chrono::milliseconds{1000}, std::chrono::milliseconds{3000},
     std::chrono::milliseconds{10000}, std::chrono::milliseconds{30000}};

} // namespace

etf::atom channel_server_dispatcher() {
  return etf::atom{"Elixir.Phoenix.Channel.Server"};
}

peers::peers(std::shared_ptr<node::node> nd, std::shared_ptr<pubsub::pubsub> ps)
  : node_(nd), pubsub_(std::move(ps)) {
  asker_ = std::thread{[this] { ask_loop(); }};
}

peers::~peers() {
  stop();
}

void peers::stop() {
  {
    std::lock_guard guard{mtx_};
    if (stopping_)
      return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (asker_.joinable())
    asker_.join();
}

void peers::node_up(const std::string& node) {
  {
    std::lock_guard guard{mtx_};
    up_.insert(node);
    to_ask_.push_back({node, std::chrono::steady_clock::now(), 0});
  }
  cv_.notify_all();
}

void peers::adopt_connected() {
  if (auto nd = node_.lock())
    for (auto& n : nd->nodes(false))
      node_up(std::string{n.text()});
}

void peers::node_down(const std::string& node) {
  std::lock_guard guard{mtx_};
  up_.erase(node);
  chat_.erase(node);
  phoenix_.erase(node);
}

void peers::chat_node_seen(const std::string& node) {
  std::lock_guard guard{mtx_};
  if (chat_.insert(node).second)
    logger().info("cafe-chat peer {}", node);
}

std::vector<std::string> peers::chat_nodes() const {
  std::lock_guard guard{mtx_};
  return {chat_.begin(), chat_.end()};
}

std::vector<std::string> peers::receivers() const {
  std::lock_guard guard{mtx_};
  std::vector<std::string> result{chat_.begin(), chat_.end()};
  for (auto& n : phoenix_)
    if (!chat_.contains(n))
      result.push_back(n);
  return result;
}

size_t peers::broadcast(const std::string& topic, const std::string& event,
                        const etf::term& payload) {
  using etf::binary;
  auto msg = etf::make_map(
    {{etf::atom{"__struct__"}, etf::atom{"Elixir.Phoenix.Socket.Broadcast"}},
     {etf::atom{"topic"}, binary{topic}},
     {etf::atom{"event"}, binary{event}},
     {etf::atom{"payload"}, payload}});
  auto to = receivers();
  for (auto& n : to)
    pubsub_->direct_broadcast(etf::atom{n}, topic, msg,
                              channel_server_dispatcher());
  return to.size();
}

void peers::sync_broadcast(const etf::term& msg) {
  std::vector<std::string> to;
  {
    std::lock_guard guard{mtx_};
    to.assign(up_.begin(), up_.end());
  }
  // Every node that is up, not only known chat nodes: a new chat node is
  // known by the heartbeat this may be.
  for (auto& n : to)
    pubsub_->direct_broadcast(etf::atom{n}, std::string{sync_topic}, msg);
}

void peers::sync_direct(const std::string& node, const etf::term& msg) {
  pubsub_->direct_broadcast(etf::atom{node}, std::string{sync_topic}, msg);
}

void peers::sync_chat_nodes(const etf::term& msg) {
  for (auto& n : chat_nodes())
    sync_direct(n, msg);
}

void peers::ask_loop() {
  for (;;) {
    question q;
    {
      std::unique_lock guard{mtx_};
      for (;;) {
        if (stopping_)
          return;
        if (to_ask_.empty()) {
          cv_.wait(guard);
          continue;
        }
        auto next = std::min_element(to_ask_.begin(), to_ask_.end(),
                                     [](auto& x, auto& y) {
                                       return x.not_before < y.not_before;
                                     });
        if (next->not_before > std::chrono::steady_clock::now()) {
          cv_.wait_until(guard, next->not_before);
          continue;
        }
        q = std::move(*next);
        to_ask_.erase(next);
        break;
      }
      if (!up_.contains(q.node) || chat_.contains(q.node)
          || phoenix_.contains(q.node))
        continue;
    }
    auto nd = node_.lock();
    if (!nd)
      return;
    auto visible = nd->nodes(false);
    if (std::find(visible.begin(), visible.end(), etf::atom{q.node})
        == visible.end())
      continue;
    auto result = rpc::call(*nd, etf::atom{q.node}, etf::atom{"code"},
                            etf::atom{"ensure_loaded"},
                            etf::list{{channel_server_dispatcher()}},
                            ask_timeout);
    bool has_module = false;
    if (result) {
      auto t = result->get_if<etf::tuple>();
      has_module = t && t->size() == 2
                   && (*t)[0] == etf::term{etf::atom{"module"}};
    }
    std::lock_guard guard{mtx_};
    if (!up_.contains(q.node))
      continue;
    if (has_module) {
      phoenix_.insert(q.node);
      logger().info("{} runs Phoenix channels: room broadcasts go there too",
                    q.node);
    } else if (q.attempt < static_cast<int>(std::size(ask_again))) {
      to_ask_.push_back(
        {q.node, std::chrono::steady_clock::now() + ask_again[q.attempt],
         q.attempt + 1});
    }
  }
}

} // namespace cafe::chat::rooms
