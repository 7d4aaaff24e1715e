#pragma once

#include "cafe/etf/term.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::pubsub {

// What Phoenix.PubSub 2.x's PG2 adapter puts on the wire, without I/O
// (phoenix_pubsub lib/phoenix/pubsub/pg2.ex, PROTOCOL.md §8.1).

/// The pg scope every PG2 adapter uses: `'Elixir.Phoenix.PubSub'`.
etf::atom scope_name();

/// The default dispatcher, `'Elixir.Phoenix.PubSub'`: each subscriber gets
/// the message itself. Every node running phoenix_pubsub has it.
etf::atom default_dispatcher();

/// The dispatcher of Phoenix Channels broadcasts
/// (`'Elixir.Phoenix.Channel.Server'`), whose messages are
/// `%Phoenix.Socket.Broadcast{}` structs.
etf::atom channel_dispatcher();

/// The module atom of an Elixir-style name: `MyApp.PubSub` ->
/// `'Elixir.MyApp.PubSub'` (a name that already starts with `Elixir.` is
/// kept).
etf::atom elixir_module(std::string_view name);

/// The adapter's groups for the pubsub `name` and `pool_size`:
/// `Name.Adapter`, then `Name.Adapter_2` ... `Name.Adapter_N`. Each is also
/// the name its worker is registered under.
std::vector<etf::atom> group_names(std::string_view name, size_t pool_size);

/// `{forward_to_local, Topic, Message, Dispatcher}`: what a broadcaster
/// sends to the workers of other nodes.
etf::term forward_to_local(const std::string& topic, const etf::term& message,
                           etf::atom dispatcher);

/// A `forward_to_local` message taken apart.
struct forwarded {
  std::string topic;
  etf::term message;
  etf::atom dispatcher;
};

/// Reads a worker's message; nullopt for anything else (the PG2 worker
/// ignores other messages too).
std::optional<forwarded> parse_forward_to_local(const etf::term& msg);

/// The group a broadcaster uses: one of the first `broadcast_pool_size`
/// groups, always the same one for the same broadcaster, so that its
/// messages stay in order (Phoenix picks by `phash2(self(), Size)`). Any
/// group reaches every node: each node's worker of each group is a member.
size_t pick_group(const etf::pid& broadcaster, size_t broadcast_pool_size);

} // namespace cafe::pubsub
