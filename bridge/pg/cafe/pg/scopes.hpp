#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/expected.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pg/scope.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cafe::pg {

/// The pg scopes running on one node, by name: what `pg:join(Scope, ...)`
/// over rpc looks up, and where a pubsub finds its scope. Thread-safe.
class scopes {
public:
  explicit scopes(std::shared_ptr<node::node> owner);

  ~scopes();

  scopes(const scopes&) = delete;
  scopes& operator=(const scopes&) = delete;

  /// The scope `name`, started if it does not run yet.
  expected<std::shared_ptr<scope>, std::string> start(etf::atom name);

  /// The running scope `name`, or null.
  std::shared_ptr<scope> find(etf::atom name) const;

  /// Stops every scope (peers drop their members).
  void stop();

private:
  std::weak_ptr<node::node> owner_;
  mutable std::mutex mtx_;
  std::map<etf::atom, std::shared_ptr<scope>> running_;
};

} // namespace cafe::pg
