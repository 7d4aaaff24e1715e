#include "cafe/discovery/mesh.hpp"

#include <algorithm>

namespace cafe::discovery {

mesh::mesh(etf::atom self, mesh_options opts, uint64_t seed)
  : self_(self), opts_(opts), rng_(static_cast<uint32_t>(seed ^ (seed >> 32))) {
  // nop
}

// -- what plugins report ------------------------------------------------------

void mesh::found(std::string_view source, const std::vector<etf::atom>& nodes,
                 clock::time_point now) {
  for (auto& [name, p] : peers_) {
    auto i = p.seen_by.find(source);
    if (i != p.seen_by.end() && i->second.listed
        && std::find(nodes.begin(), nodes.end(), name) == nodes.end())
      i->second = sighting{now + opts_.grace, false};
  }
  for (auto node : nodes)
    if (node != self_)
      peers_[node].seen_by.insert_or_assign(std::string{source},
                                            sighting{{}, true});
}

void mesh::heard(std::string_view source, etf::atom node,
                 clock::time_point now) {
  if (node == self_)
    return;
  peers_[node].seen_by.insert_or_assign(std::string{source},
                                        sighting{now + opts_.grace, false});
}

// -- what the node reports ----------------------------------------------------

void mesh::connected(etf::atom node, clock::time_point) {
  auto i = peers_.find(node);
  if (i == peers_.end())
    return; // not ours to keep: no plugin ever named it
  i->second.connected = true;
  i->second.in_flight = false;
  i->second.backoff = std::chrono::milliseconds{0};
}

void mesh::disconnected(etf::atom node, clock::time_point now) {
  auto i = peers_.find(node);
  if (i == peers_.end())
    return;
  auto& p = i->second;
  p.connected = false;
  p.in_flight = false;
  // A peer that restarts comes back soon; many that drop at once must not
  // all redial at the same instant.
  p.backoff = grow(std::chrono::milliseconds{0});
  p.retry_at = now + jitter(p.backoff);
}

void mesh::connect_failed(etf::atom node, clock::time_point now) {
  auto i = peers_.find(node);
  if (i == peers_.end())
    return;
  auto& p = i->second;
  p.in_flight = false;
  p.backoff = grow(p.backoff);
  p.retry_at = now + jitter(p.backoff);
}

// -- what to do ---------------------------------------------------------------

mesh::actions mesh::due(clock::time_point now) {
  expire(now);
  actions result;
  for (auto i = peers_.begin(); i != peers_.end();) {
    auto& [name, p] = *i;
    if (wanted(p, now)) {
      if (!p.connected && !p.in_flight && now >= p.retry_at) {
        p.in_flight = true;
        result.connect.push_back(name);
      }
      ++i;
    } else if (p.connected) {
      result.disconnect.push_back(name);
      i = peers_.erase(i);
    } else if (p.in_flight) {
      ++i; // forgotten once the attempt ends
    } else {
      i = peers_.erase(i);
    }
  }
  return result;
}

std::optional<clock::time_point> mesh::next_due() const {
  std::optional<clock::time_point> result;
  auto consider = [&](clock::time_point t) {
    if (!result || t < *result)
      result = t;
  };
  for (auto& [name, p] : peers_) {
    for (auto& [source, s] : p.seen_by)
      if (!s.listed)
        consider(s.until);
    if (!p.connected && !p.in_flight)
      consider(p.retry_at);
  }
  return result;
}

// -- state --------------------------------------------------------------------

std::vector<etf::atom> mesh::wanted(clock::time_point now) const {
  std::vector<etf::atom> result;
  for (auto& [name, p] : peers_)
    if (wanted(p, now))
      result.push_back(name);
  return result;
}

std::vector<std::string> mesh::sources(etf::atom node,
                                       clock::time_point now) const {
  std::vector<std::string> result;
  auto i = peers_.find(node);
  if (i == peers_.end())
    return result;
  for (auto& [source, s] : i->second.seen_by)
    if (s.listed || s.until > now)
      result.push_back(source);
  return result;
}

bool mesh::is_connected(etf::atom node) const {
  auto i = peers_.find(node);
  return i != peers_.end() && i->second.connected;
}

bool mesh::wanted(const peer& p, clock::time_point now) const {
  return std::any_of(p.seen_by.begin(), p.seen_by.end(), [&](auto& kv) {
    return kv.second.listed || kv.second.until > now;
  });
}

void mesh::expire(clock::time_point now) {
  for (auto& [name, p] : peers_)
    std::erase_if(p.seen_by, [&](auto& kv) {
      return !kv.second.listed && kv.second.until <= now;
    });
}

std::chrono::milliseconds mesh::grow(std::chrono::milliseconds current) const {
  auto next = current.count() == 0 ? opts_.backoff_min : current * 2;
  return std::min(next, opts_.backoff_max);
}

std::chrono::milliseconds mesh::jitter(std::chrono::milliseconds backoff) {
  // Somewhere in the upper half, so that retries spread out.
  std::uniform_int_distribution<int64_t> pick{backoff.count() / 2,
                                              backoff.count()};
  return std::chrono::milliseconds{pick(rng_)};
}

} // namespace cafe::discovery
