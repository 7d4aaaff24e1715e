#pragma once

#include "cafe/discovery/mesh.hpp"
#include "cafe/discovery/plugin.hpp"
#include "cafe/node/node.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

/// A node connecting or disconnecting, with the plugins that wanted it
/// (empty when none did: a connection the keeper did not ask for).
struct event {
  etf::atom node;
  bool up = false;
  std::vector<std::string> sources;
};

/// Keeps a node connected to every node its plugins find (a full mesh),
/// like libcluster's Cluster.Strategy processes together: it connects what
/// a plugin finds, retries with backoff, and disconnects what no plugin has
/// found for the grace period. Several plugins at once.
///
/// Thread-safe. Stop it before the node.
class keeper : public sink, public std::enable_shared_from_this<keeper> {
public:
  /// Starts the plugins. `io` must run for the keeper's lifetime.
  static std::shared_ptr<keeper>
  start(boost::asio::io_context& io, std::shared_ptr<node::node> owner,
        std::vector<std::unique_ptr<plugin>> plugins, mesh_options opts = {});

  ~keeper() override;

  /// Stops the plugins and the keeper; connections stay as they are.
  void stop();

  /// Calls `fn` for each node that comes up or goes down, on an io thread.
  void on_event(std::function<void(const event&)> fn);

  /// The nodes some plugin wants connected right now.
  std::vector<etf::atom> wanted() const;

  // -- sink -------------------------------------------------------------------

  void found(std::string_view source, std::vector<etf::atom> nodes) override;

  void heard(std::string_view source, etf::atom node) override;

  struct impl;

private:
  explicit keeper(std::unique_ptr<impl> ptr);

  /// Carries out what is due and sets the timer for what comes next.
  void run_due();

  void on_node(etf::atom peer, bool up);

  void on_connect(etf::atom peer, bool ok);

  std::unique_ptr<impl> impl_;
};

} // namespace cafe::discovery
