#pragma once

#include "cafe/etf/term.hpp"

#include <boost/json/value.hpp>
#include <optional>

namespace cafe::chat::rooms {

/// A payload that arrived from an Elixir node as JSON for the clients, the
/// way Jason encodes it when Phoenix writes the frame: nil/true/false as
/// null/true/false, other atoms and binaries as strings, numbers, lists as
/// arrays, maps (atom, binary or number keys) as objects. Nothing for terms
/// Jason refuses (tuples, pids, refs, funs, binaries that are not UTF-8):
/// Phoenix would fail to encode them too.
std::optional<boost::json::value> json_of(const etf::term& x);

/// A JSON value as Phoenix's JSON decoder (Jason, `keys: :strings`) gives
/// it to Elixir code: objects as maps with binary keys, strings as
/// binaries, null as `nil`.
etf::term term_of(const boost::json::value& x);

} // namespace cafe::chat::rooms
