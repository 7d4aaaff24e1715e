#include "cafe/pubsub/wire.hpp"

#include "cafe/etf/match.hpp"

#include <functional>

namespace cafe::pubsub {

using namespace etf::literals;

etf::atom scope_name() {
  return etf::atom{"Elixir.Phoenix.PubSub"};
}

etf::atom default_dispatcher() {
  return etf::atom{"Elixir.Phoenix.PubSub"};
}

etf::atom channel_dispatcher() {
  return etf::atom{"Elixir.Phoenix.Channel.Server"};
}

etf::atom elixir_module(std::string_view name) {
  constexpr std::string_view prefix = "Elixir.";
  if (name.substr(0, prefix.size()) == prefix)
    return etf::atom{name};
  std::string full{prefix};
  full += name;
  return etf::atom{full};
}

std::vector<etf::atom> group_names(std::string_view name, size_t pool_size) {
  // Module.concat(Name, "Adapter"); the first group keeps the bare name for
  // compatibility with phoenix_pubsub 2.0, which had a single group.
  auto adapter = std::string{elixir_module(name).text()} + ".Adapter";
  std::vector<etf::atom> result{etf::atom{adapter}};
  for (size_t i = 2; i <= pool_size; ++i)
    result.emplace_back(adapter + "_" + std::to_string(i));
  return result;
}

etf::term forward_to_local(const std::string& topic, const etf::term& message,
                           etf::atom dispatcher) {
  return etf::make_tuple("forward_to_local"_atom, etf::binary{topic}, message,
                         dispatcher);
}

std::optional<forwarded> parse_forward_to_local(const etf::term& msg) {
  forwarded result;
  etf::binary topic;
  if (!etf::match(msg, "forward_to_local"_atom, &topic, &result.message,
                  &result.dispatcher))
    return std::nullopt;
  result.topic = std::move(topic.bytes);
  return result;
}

size_t pick_group(const etf::pid& broadcaster, size_t broadcast_pool_size) {
  if (broadcast_pool_size <= 1)
    return 0;
  return (std::hash<etf::pid>{}(broadcaster) >> 32) % broadcast_pool_size;
}

} // namespace cafe::pubsub
