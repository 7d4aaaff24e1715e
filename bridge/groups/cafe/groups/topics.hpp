#pragma once

#include "cafe/actor/bridge.hpp"
#include "cafe/actor/convert.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/pubsub/pubsub.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <memory>
#include <string>
#include <vector>

namespace cafe::groups {

/// `(dispatch_atom, etf::atom dispatcher, std::string topic, message)`: a
/// broadcast made with a dispatcher other than Phoenix.PubSub's.
using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;

/// Phoenix.PubSub topics for CAF actors. A subscribed actor receives each
/// broadcast message converted like any Erlang message (`{kv_put, K, V}`
/// arrives as `(kv_put_atom, K, V)` with typed delivery); a message
/// broadcast with a dispatcher other than Phoenix.PubSub's arrives as
/// `(dispatch_atom, etf::atom dispatcher, std::string topic, message)`,
/// e.g. Phoenix Channels broadcasts (`'Elixir.Phoenix.Channel.Server'`,
/// a `%Phoenix.Socket.Broadcast{}` map).
///
/// Thread-safe; usable from inside actors.
class topics {
public:
  topics(std::shared_ptr<actor::bridge> br, std::shared_ptr<pubsub::pubsub> ps);

  pubsub::pubsub& pubsub() const noexcept;

  /// Phoenix.PubSub.subscribe/2 for `x`; until it unsubscribes or ends.
  void subscribe(const caf::actor& x, const std::string& topic);

  void unsubscribe(const caf::actor& x, const std::string& topic);

  /// Phoenix.PubSub.broadcast/3 of `msg` (see `message` for C++ values).
  void broadcast(const std::string& topic, const etf::term& msg) const;

  /// broadcast_from/4: every subscriber but `sender` gets it.
  void broadcast_from(const caf::actor& sender, const std::string& topic,
                      const etf::term& msg) const;

  void local_broadcast(const std::string& topic, const etf::term& msg) const;

  void local_broadcast_from(const caf::actor& sender, const std::string& topic,
                            const etf::term& msg) const;

  /// direct_broadcast/4: the subscribers on `node` only.
  void direct_broadcast(etf::atom node, const std::string& topic,
                        const etf::term& msg) const;

  /// The term of a message of C++ values, as an actor sending them to an
  /// Erlang process would make it: one value is itself, several a tuple.
  /// `message(kv_put_atom::value, key, value)` is `{kv_put, Key, Value}`.
  template <class T, class... Ts>
  static etf::term message(const T& x, const Ts&... xs) {
    if constexpr (sizeof...(Ts) == 0)
      return actor::to_term(x);
    else
      return etf::make_tuple(actor::to_term(x), actor::to_term(xs)...);
  }

private:
  std::shared_ptr<actor::bridge> bridge_;
  std::shared_ptr<pubsub::pubsub> pubsub_;
  /// The pubsub's workers as actors (proxies), held: a broadcast names a
  /// worker as the sender of what each subscriber gets, and a proxy nobody
  /// holds is made and destroyed again for every delivery.
  std::vector<caf::actor> workers_;
};

} // namespace cafe::groups
