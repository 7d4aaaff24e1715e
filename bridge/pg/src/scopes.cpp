#include "cafe/pg/scopes.hpp"

namespace cafe::pg {

scopes::scopes(std::shared_ptr<node::node> owner) : owner_(owner) {
  // nop
}

scopes::~scopes() {
  stop();
}

expected<std::shared_ptr<scope>, std::string> scopes::start(etf::atom name) {
  std::lock_guard guard{mtx_};
  if (auto i = running_.find(name); i != running_.end())
    return i->second;
  auto owner = owner_.lock();
  if (!owner)
    return unexpected{std::string{"pg: the node is gone"}};
  auto started = scope::start(owner, name);
  if (started)
    running_.emplace(name, *started);
  return started;
}

std::shared_ptr<scope> scopes::find(etf::atom name) const {
  std::lock_guard guard{mtx_};
  auto i = running_.find(name);
  return i == running_.end() ? nullptr : i->second;
}

void scopes::stop() {
  std::map<etf::atom, std::shared_ptr<scope>> running;
  {
    std::lock_guard guard{mtx_};
    running.swap(running_);
  }
  for (auto& [name, s] : running)
    s->stop();
}

} // namespace cafe::pg
