#include "command.hpp"

#include "cafe/etf/parse.hpp"
#include "cafe/handshake/node_name.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace cafe::cafectl {

namespace {

constexpr std::array<std::pair<std::string_view, verb>, 5> verbs{{
  {"ping", verb::ping},
  {"nodes", verb::nodes},
  {"send", verb::send},
  {"call", verb::call},
  {"rpc", verb::rpc},
}};

/// How many operands each verb takes, the verb included.
size_t arity(verb x) {
  if (x == verb::rpc)
    return 5;
  return x == verb::ping || x == verb::nodes ? 2 : 4;
}

std::string synopsis(verb x) {
  switch (x) {
    case verb::ping: return "ping NODE";
    case verb::nodes: return "nodes NODE";
    case verb::send: return "send NODE NAME TERM";
    case verb::call: return "call NODE NAME TERM";
    case verb::rpc: return "rpc NODE MODULE FUNCTION ARGS";
  }
  return {};
}

/// `rpc NODE MODULE FUNCTION ARGS`: two atoms (as erl_call -a takes them,
/// bare or quoted) and a list in Erlang syntax.
expected<command, std::string>
parse_rpc(command result, const std::vector<std::string>& operands) {
  auto atom_operand = [](const std::string& text) -> std::optional<etf::atom> {
    if (auto x = etf::parse(text); x && x->is<etf::atom>())
      return x->get<etf::atom>();
    return std::nullopt;
  };
  auto m = atom_operand(operands[2]);
  if (!m)
    return unexpected{"invalid module '" + operands[2]
                      + "': it must be an atom"};
  auto f = atom_operand(operands[3]);
  if (!f)
    return unexpected{"invalid function '" + operands[3]
                      + "': it must be an atom"};
  auto args = etf::parse(operands[4]);
  if (!args)
    return unexpected{"cannot parse ARGS at offset "
                      + std::to_string(args.error().offset) + ": "
                      + args.error().reason};
  auto xs = args->get_if<etf::list>();
  if (xs == nullptr || !xs->proper())
    return unexpected{"ARGS must be a list, e.g. '[1, 2]' or '[]', not "
                      + operands[4]};
  result.module = *m;
  result.function = *f;
  result.args = *xs;
  return result;
}

} // namespace

expected<command, std::string>
parse_command(const std::vector<std::string>& operands) {
  if (operands.empty())
    return unexpected{std::string{
      "missing command: ping, nodes, send, call or rpc (see --help)"}};
  command result;
  auto i = std::find_if(verbs.begin(), verbs.end(),
                        [&](auto& x) { return x.first == operands[0]; });
  if (i == verbs.end())
    return unexpected{"unknown command '" + operands[0]
                      + "': expected ping, nodes, send, call or rpc"};
  result.verb = i->second;
  if (operands.size() != arity(result.verb)) {
    auto why = "usage: cafectl [options] " + synopsis(result.verb);
    // The common slip: an unquoted TERM that the shell split in words.
    if (operands.size() > arity(result.verb) && arity(result.verb) == 4)
      why += " (quote TERM: it must be one argument)";
    if (operands.size() > arity(result.verb) && result.verb == verb::rpc)
      why += " (quote ARGS: it must be one argument)";
    return unexpected{std::move(why)};
  }
  result.node = operands[1];
  // An alive part alone is completed with cafectl's own host later; check it
  // with a stand-in host so both forms follow erl's rules for names.
  auto full = result.node.find('@') == std::string::npos
                ? result.node + "@localhost"
                : result.node;
  auto domain = needs_long_names(result) ? handshake::name_domain::longnames
                                         : handshake::name_domain::shortnames;
  if (auto ok = handshake::validate_node_name(full, domain); !ok)
    return unexpected{"invalid node name '" + result.node
                      + "': " + ok.error().detail};
  if (arity(result.verb) == 2)
    return result;
  if (result.verb == verb::rpc)
    return parse_rpc(std::move(result), operands);
  auto name = etf::atom::make(operands[2]);
  if (!name || name->empty())
    return unexpected{"invalid process name '" + operands[2]
                      + "': it must be an atom"};
  result.name = *name;
  auto term = etf::parse(operands[3]);
  if (!term)
    return unexpected{"cannot parse TERM at offset "
                      + std::to_string(term.error().offset) + ": "
                      + term.error().reason};
  result.term = std::move(*term);
  return result;
}

bool needs_long_names(const command& cmd) {
  auto at = cmd.node.find('@');
  if (at == std::string::npos)
    return false;
  auto host = std::string_view{cmd.node}.substr(at + 1);
  return handshake::domain_of(host) == handshake::name_domain::longnames;
}

expected<etf::atom, std::string> target_node(const command& cmd,
                                             etf::atom self) {
  auto name = cmd.node;
  if (name.find('@') == std::string::npos) {
    auto own = self.text();
    name += own.substr(own.find('@'));
  }
  // Checked by parse_command, but completing with a long host name can
  // still make it too long for an atom.
  auto result = etf::atom::make(name);
  if (!result || !handshake::is_node_name(name))
    return unexpected{"invalid node name '" + name + "'"};
  return *result;
}

} // namespace cafe::cafectl
