#include "cafe/node/gen_call.hpp"

#include "cafe/etf/match.hpp"
#include "cafe/node/mailbox.hpp"

#include <algorithm>

namespace cafe::node {

using namespace etf::literals;

std::optional<gen_call_request> parse_gen_call(const etf::term& msg) {
  etf::term from_tag;
  gen_call_request result;
  if (!etf::match(msg, "$gen_call"_atom, &from_tag, &result.request)
      || !etf::match(from_tag, &result.from, &result.tag))
    return std::nullopt;
  return result;
}

etf::term make_gen_call(const etf::pid& from, const etf::term& tag,
                        const etf::term& request) {
  return etf::make_tuple("$gen_call"_atom, etf::make_tuple(from, tag), request);
}

const etf::reference* reply_alias(const etf::term& tag) {
  // [alias | Alias], or [[alias | Alias] | Meta]: an improper list.
  auto xs = tag.get_if<etf::list>();
  if (xs == nullptr || xs->elements.empty())
    return nullptr;
  auto& head = xs->elements.front();
  if (head.get_if<etf::list>() != nullptr)
    return reply_alias(head);
  auto a = head.get_if<etf::atom>();
  if (a == nullptr || a->text() != "alias" || xs->elements.size() != 1
      || xs->proper())
    return nullptr;
  return xs->tail->get_if<etf::reference>();
}

std::optional<gen_call_reply> parse_gen_reply(const etf::term& msg) {
  auto t = msg.get_if<etf::tuple>();
  if (t == nullptr || t->size() != 2)
    return std::nullopt;
  auto ref = (*t)[0].get_if<etf::reference>();
  if (ref == nullptr)
    return std::nullopt;
  return gen_call_reply{*ref, (*t)[1]};
}

send_status send_gen_reply(node& self_node, const etf::pid& self,
                           const gen_call_request& call, etf::term reply,
                           bool force) {
  auto msg = etf::make_tuple(call.tag, std::move(reply));
  if (auto alias = reply_alias(call.tag))
    return self_node.send_to_alias(self, *alias, msg, force);
  return self_node.send(self, call.from, msg, force);
}

call_result gen_call(mailbox& mb, etf::atom name, etf::atom to_node,
                     const etf::term& request,
                     std::chrono::steady_clock::time_point deadline) {
  auto self_node = mb.owner();
  if (!self_node)
    return {call_end::down, "noconnection"_atom};
  auto mref = self_node->monitor(mb.self(), etf::term{name}, to_node);
  if (!mb.send(name, to_node, make_gen_call(mb.self(), mref, request))) {
    self_node->demonitor(mb.self(), mref);
    return {call_end::down, "noconnection"_atom};
  }
  auto ours = [&mref](const etf::term& x) {
    return etf::match(x, mref, etf::_)
           || etf::match(x, "DOWN"_atom, mref, "process"_atom, etf::_, etf::_);
  };
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  auto answer = mb.receive_if(ours, std::max(left, left.zero()));
  etf::term value;
  if (!answer) {
    self_node->demonitor(mb.self(), mref);
    return {call_end::timed_out, {}};
  }
  if (etf::match(*answer, mref, &value)) {
    self_node->demonitor(mb.self(), mref);
    return {call_end::replied, std::move(value)};
  }
  etf::match(*answer, "DOWN"_atom, mref, "process"_atom, etf::_, &value);
  return {call_end::down, std::move(value)};
}

} // namespace cafe::node
