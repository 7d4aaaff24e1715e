#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pg/scope.hpp"
#include "cafe/pubsub/wire.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace cafe::pubsub {

/// A pubsub's settings, as `{Phoenix.PubSub, name: ..., pool_size: ...}`.
/// Every node of the cluster must use the same name and pool size.
struct config {
  /// The Elixir name, without `Elixir.` (`MyApp.PubSub`).
  std::string name = "Cafe.PubSub";
  size_t pool_size = 1;
  /// How many of the groups broadcasters choose from; 0: `pool_size`.
  /// Phoenix's option of that name, for growing a pool across a cluster
  /// one node at a time.
  size_t broadcast_pool_size = 0;
};

/// What a subscriber gets for a message broadcast with a dispatcher other
/// than the default: `{dispatch, Dispatcher, Topic, Message}`. (With the
/// default dispatcher it gets the message itself, as in Elixir.)
etf::term dispatched(etf::atom dispatcher, const std::string& topic,
                     const etf::term& message);

class subscribers;

/// Phoenix.PubSub with the PG2 adapter, on a cafe node: local processes
/// (CAF actors through the bridge, mailboxes) subscribe to topics, and a
/// broadcast reaches the subscribers on every node running a pubsub of the
/// same name, BEAM (phoenix_pubsub 2.x) or cafe.
///
/// On the wire it is a PG2 adapter: one worker per pool group, registered
/// under the group's name and a member of that group in the pg scope
/// `'Elixir.Phoenix.PubSub'`; a broadcast sends `{forward_to_local, Topic,
/// Message, Dispatcher}` to the other nodes' members of one group, and each
/// node's worker hands it to that node's subscribers.
///
/// Thread-safe. Subscribers that end are unsubscribed.
class pubsub : public std::enable_shared_from_this<pubsub> {
public:
  /// Starts the workers and joins them to their groups in `scope` (the
  /// node's `'Elixir.Phoenix.PubSub'` scope). Fails when the names are
  /// taken (a pubsub of that name runs already) or the pool is empty.
  static expected<std::shared_ptr<pubsub>, std::string>
  start(const std::shared_ptr<node::node>& owner,
        std::shared_ptr<pg::scope> scope, config cfg);

  ~pubsub();

  pubsub(const pubsub&) = delete;
  pubsub& operator=(const pubsub&) = delete;

  /// Ends the workers (they leave their groups) and drops subscriptions.
  void stop();

  const config& settings() const noexcept;

  /// The adapter's group names, which are also the workers' names.
  const std::vector<etf::atom>& groups() const noexcept;

  // -- subscribers ------------------------------------------------------------

  /// Phoenix.PubSub.subscribe/2 for the local process `subscriber`. Like
  /// Elixir's Registry, subscribing twice delivers twice.
  void subscribe(const etf::pid& subscriber, const std::string& topic);

  /// Drops every subscription of `subscriber` to `topic`.
  void unsubscribe(const etf::pid& subscriber, const std::string& topic);

  /// Local subscriptions to `topic`.
  size_t subscriber_count(const std::string& topic) const;

  // -- publishing -------------------------------------------------------------

  /// To the subscribers on every node.
  void broadcast(const std::string& topic, const etf::term& message,
                 etf::atom dispatcher = default_dispatcher());

  /// `broadcast`, except to `from` (a local process).
  void broadcast_from(const etf::pid& from, const std::string& topic,
                      const etf::term& message,
                      etf::atom dispatcher = default_dispatcher());

  /// To this node's subscribers only.
  void local_broadcast(const std::string& topic, const etf::term& message,
                       etf::atom dispatcher = default_dispatcher());

  void local_broadcast_from(const etf::pid& from, const std::string& topic,
                            const etf::term& message,
                            etf::atom dispatcher = default_dispatcher());

  /// To the subscribers on `node` only (by the worker's name there).
  void direct_broadcast(etf::atom node, const std::string& topic,
                        const etf::term& message,
                        etf::atom dispatcher = default_dispatcher());

  class worker;

private:
  pubsub(std::shared_ptr<node::node> owner, std::shared_ptr<pg::scope> scope,
         config cfg);

  /// Hands `message` to this node's subscribers of `topic`, except `from`.
  void dispatch(const std::optional<etf::pid>& from, const std::string& topic,
                const etf::term& message, etf::atom dispatcher);

  /// Sends to the other nodes' members of the broadcaster's group.
  void forward(const etf::pid& broadcaster, const std::string& topic,
               const etf::term& message, etf::atom dispatcher);

  void on_subscriber_down(const etf::reference& ref, const etf::pid& who);

  std::weak_ptr<node::node> owner_;
  std::shared_ptr<pg::scope> scope_;
  config cfg_;
  std::vector<etf::atom> groups_;
  /// One per group, same order; set once by `start`.
  std::vector<etf::pid> workers_;
  std::atomic<bool> stopped_{false};
  std::unique_ptr<subscribers> subs_;
};

} // namespace cafe::pubsub
