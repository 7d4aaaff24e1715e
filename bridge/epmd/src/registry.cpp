#include "cafe/epmd/registry.hpp"

#include "cafe/epmd/tags.hpp"
#include "wire.hpp"

#include <algorithm>

namespace cafe::epmd {

namespace {

// epmd_srv.c `bump_creation`: counters 0..3 are skipped, also after the
// 32-bit counter wraps.
void bump(node_entry& entry) {
  if (++entry.counter < 4)
    entry.counter = 4;
}

// epmd_srv.c `node_reg2`. Unlike `is_valid_name`, an empty name passes:
// epmd registers it (it can never be looked up, PORT2 needs a name).
bool acceptable(const node_info& info) {
  if (info.name.size() > max_symbol_bytes
      || info.extra.size() > max_symbol_bytes)
    return false;
  auto chars = detail::utf8_length(info.name);
  return chars >= 0 && static_cast<size_t>(chars) <= max_name_chars
         && info.name.find('\0') == std::string::npos;
}

} // namespace

registry::registry() : registry(config{}) {
  // nop
}

registry::registry(config cfg) : cfg_(cfg) {
  // nop
}

expected<const node_entry*, errc>
registry::register_node(connection_id owner, node_info info, int64_t now) {
  if (!acceptable(info))
    return unexpected{errc::bad_name};
  if (find(info.name) != nullptr)
    return unexpected{errc::name_in_use};
  node_entry entry;
  auto old
    = std::find_if(unregistered_.begin(), unregistered_.end(),
                   [&](const auto& x) { return x.info.name == info.name; });
  if (old != unregistered_.end()) {
    entry.counter = old->counter;
    unregistered_.erase(old);
    bump(entry);
  } else if (unregistered_.size() > cfg_.max_unregistered) {
    // epmd recycles the oldest remembered slot as is: the new name inherits
    // that slot's counter without a bump.
    entry.counter = unregistered_.front().counter;
    unregistered_.pop_front();
  } else {
    entry.counter = static_cast<uint32_t>(now);
    bump(entry);
  }
  entry.info = std::move(info);
  entry.owner = owner;
  registered_.push_back(std::move(entry));
  return &registered_.back();
}

std::optional<std::string>
registry::unregister_connection(connection_id owner) {
  auto i = std::find_if(registered_.begin(), registered_.end(),
                        [&](const auto& x) { return x.owner == owner; });
  if (i == registered_.end())
    return std::nullopt;
  auto name = i->info.name;
  unregistered_.push_back(std::move(*i));
  registered_.erase(i);
  return name;
}

std::optional<connection_id> registry::unregister_name(std::string_view name) {
  auto i = std::find_if(registered_.begin(), registered_.end(),
                        [&](const auto& x) { return x.info.name == name; });
  if (i == registered_.end())
    return std::nullopt;
  auto owner = i->owner;
  unregistered_.push_back(std::move(*i));
  registered_.erase(i);
  return owner;
}

const node_entry* registry::find(std::string_view name) const noexcept {
  for (const auto& x : registered_)
    if (x.info.name == name)
      return &x;
  return nullptr;
}

std::vector<const node_entry*> registry::nodes() const {
  std::vector<const node_entry*> result;
  result.reserve(registered_.size());
  for (auto i = registered_.rbegin(); i != registered_.rend(); ++i)
    result.push_back(&*i);
  return result;
}

names_resp registry::names() const {
  names_resp result;
  result.epmd_port = cfg_.port;
  for (const auto* x : nodes())
    result.nodes.push_back(name_entry{x->info.name, x->info.port});
  return result;
}

dump_resp registry::dump() const {
  dump_resp result;
  result.epmd_port = cfg_.port;
  for (const auto* x : nodes())
    result.lines.push_back("active name     <" + x->info.name + "> at port "
                           + std::to_string(x->info.port)
                           + ", fd = " + std::to_string(x->owner) + "\n");
  for (const auto& x : unregistered_)
    result.lines.push_back("old/unused name <" + x.info.name
                           + ">, port = " + std::to_string(x.info.port)
                           + ", fd = " + std::to_string(x.owner) + " \n");
  return result;
}

} // namespace cafe::epmd
