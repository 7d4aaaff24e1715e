#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pubsub/pubsub.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cafe::chat::rooms {

/// `'Elixir.Phoenix.Channel.Server'`: the dispatcher of Phoenix Channels
/// broadcasts (what `Endpoint.broadcast/3` uses).
etf::atom channel_server_dispatcher();

/// Which other nodes get room broadcasts, and sending them.
///
/// A room message goes to every node as `Endpoint.broadcast/3` sends it: a
/// `%Phoenix.Socket.Broadcast{}` with the dispatcher
/// `'Elixir.Phoenix.Channel.Server'`. An Elixir node without that module
/// would crash its pubsub worker with `undef` on it, so it goes only to
/// cafe-chat nodes (known by their heartbeats) and to BEAM nodes that
/// answered `code:ensure_loaded('Elixir.Phoenix.Channel.Server')` with
/// `{module, _}` when they came up (asked again a few times while they
/// say no: a node may connect before its application has loaded the
/// module). Thread-safe.
class peers {
public:
  peers(std::shared_ptr<node::node> nd, std::shared_ptr<pubsub::pubsub> ps);

  ~peers();

  peers(const peers&) = delete;
  peers& operator=(const peers&) = delete;

  /// Ends the thread that asks nodes; pending questions are dropped.
  void stop();

  /// A visible node came up: ask it (in the background) whether it runs
  /// Phoenix channels.
  void node_up(const std::string& node);

  /// `node_up` for every visible node connected now.
  void adopt_connected();

  /// Gone: it gets nothing until it is back.
  void node_down(const std::string& node);

  /// `node` sent a cafe-chat heartbeat.
  void chat_node_seen(const std::string& node);

  /// cafe-chat nodes currently known.
  std::vector<std::string> chat_nodes() const;

  /// Nodes that get room broadcasts.
  std::vector<std::string> receivers() const;

  /// Endpoint.broadcast(topic, event, payload) for the other nodes; the
  /// number of nodes it went to.
  size_t broadcast(const std::string& topic, const std::string& event,
                   const etf::term& payload);

  /// A message of the cafe-chat sync protocol to every other node
  /// (default dispatcher), or to one.
  void sync_broadcast(const etf::term& msg);
  void sync_direct(const std::string& node, const etf::term& msg);

  /// A sync message that only cafe-chat nodes have a use for (presence
  /// deltas), to the known ones: other nodes are not sent more than the
  /// heartbeats by which a new chat node makes itself known.
  void sync_chat_nodes(const etf::term& msg);

private:
  void ask_loop();

  std::weak_ptr<node::node> node_;
  std::shared_ptr<pubsub::pubsub> pubsub_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::set<std::string> chat_;
  std::set<std::string> phoenix_;
  std::set<std::string> up_;
  struct question {
    std::string node;
    std::chrono::steady_clock::time_point not_before;
    int attempt = 0;
  };

  std::deque<question> to_ask_;
  bool stopping_ = false;
  std::thread asker_;
};

} // namespace cafe::chat::rooms
