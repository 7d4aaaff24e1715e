#pragma once

// What a proxy forwards to. Not installed.

#include "cafe/etf/identifiers.hpp"

#include <variant>

namespace cafe::actor {

/// `{Name, Node}`: a registered process somewhere.
struct registered_name {
  etf::atom name;
  etf::atom node;

  friend bool operator<(const registered_name& x, const registered_name& y) {
    if (x.node != y.node)
      return x.node.text() < y.node.text();
    return x.name.text() < y.name.text();
  }
  friend bool operator==(const registered_name&, const registered_name&)
    = default;
};

/// What a proxy forwards to.
using proxy_target = std::variant<etf::pid, registered_name>;

} // namespace cafe::actor
