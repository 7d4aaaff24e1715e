#include "iex_expand_fun.hpp"

#include "cafe/log.hpp"
#include "cafe/rpc/client.hpp"

namespace cafe::console::detail {

std::optional<etf::term> iex_expand_fun(node::node& self, etf::atom iex_node,
                                        std::chrono::milliseconds timeout) {
  auto fun = rpc::call(self, iex_node, etf::atom{"Elixir.IEx.Autocomplete"},
                       etf::atom{"remsh"}, etf::list{{etf::term{self.name()}}},
                       timeout);
  if (!fun || !fun->is<etf::fun>()) {
    cafe::logger().info("console: no IEx expand fun from {}: {}",
                        iex_node.text(), rpc::to_string(fun));
    return std::nullopt;
  }
  return *fun;
}

} // namespace cafe::console::detail
