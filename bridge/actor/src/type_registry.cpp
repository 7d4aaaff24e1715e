#include "cafe/actor/type_registry.hpp"

#include "cafe/actor/exit_reasons.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/message_builder.hpp>
#include <caf/sec.hpp>

namespace cafe::actor {

term_context::~term_context() {
  // nop
}

type_registry::type_registry() {
  // What CAF 0.17 lets travel in a message without registration: scalars,
  // strings, the Erlang value types and the containers CAF knows.
  add<bool>();
  add<int8_t>().add<int16_t>().add<int32_t>().add<int64_t>();
  add<uint8_t>().add<uint16_t>().add<uint32_t>().add<uint64_t>();
  add<float>().add<double>();
  add<std::string>();
  add<caf::atom_value>();
  add<etf::term>().add<etf::atom>().add<etf::pid>().add<etf::reference>();
  add<std::vector<std::string>>();
  add<std::vector<int64_t>>().add<std::vector<int32_t>>();
  add<std::vector<double>>();
  add<std::vector<caf::atom_value>>();
  add<std::map<std::string, std::string>>();
  add<std::map<std::string, int64_t>>();
}

expected<etf::term, std::string>
type_registry::to_term(const caf::message& msg, size_t i,
                       term_context& ctx) const {
  auto [nr, info] = msg.type(i);
  // Actor handles need the bridge: they become pids.
  if (msg.match_element<caf::actor>(i)) {
    auto& hdl = msg.get_as<caf::actor>(i);
    if (!hdl)
      return unexpected{std::string{"an invalid actor handle"}};
    return etf::term{ctx.pid_of(caf::actor_cast<caf::strong_actor_ptr>(hdl))};
  }
  if (msg.match_element<caf::strong_actor_ptr>(i)) {
    auto& ptr = msg.get_as<caf::strong_actor_ptr>(i);
    if (!ptr)
      return unexpected{std::string{"an invalid actor handle"}};
    return etf::term{ctx.pid_of(ptr)};
  }
  if (msg.match_element<caf::actor_addr>(i)) {
    auto ptr
      = caf::actor_cast<caf::strong_actor_ptr>(msg.get_as<caf::actor_addr>(i));
    if (!ptr)
      return unexpected{std::string{"the address of a terminated actor"}};
    return etf::term{ctx.pid_of(ptr)};
  }
  if (msg.match_element<caf::error>(i))
    return to_exit_term(msg.get_as<caf::error>(i));
  if (nr != 0) {
    if (auto w = by_nr_.find(nr); w != by_nr_.end())
      return w->second(msg.at(i));
  } else if (info != nullptr) {
    if (auto w = by_type_.find(std::type_index{*info}); w != by_type_.end())
      return w->second(msg.at(i));
  }
  return unexpected{"no Erlang mapping for the message element "
                    + msg.stringify(i)};
}

expected<etf::term, std::string>
type_registry::to_term(const caf::message& msg, term_context& ctx) const {
  if (msg.empty())
    return unexpected{std::string{"an empty message"}};
  if (msg.size() == 1)
    return to_term(msg, 0, ctx);
  std::vector<etf::term> elements;
  elements.reserve(msg.size());
  for (size_t i = 0; i < msg.size(); ++i) {
    auto x = to_term(msg, i, ctx);
    if (!x)
      return x;
    elements.emplace_back(std::move(*x));
  }
  return etf::term{etf::tuple{std::move(elements)}};
}

bool type_registry::append_record(caf::message_builder& out,
                                  const etf::term& x) const {
  auto t = x.get_if<etf::tuple>();
  if (t == nullptr || t->size() == 0 || records_.empty())
    return false;
  auto tag = (*t)[0].get_if<etf::atom>();
  if (tag == nullptr)
    return false;
  auto i = records_.find(record_key{*tag, t->size()});
  return i != records_.end() && i->second(x, out);
}

void type_registry::append(caf::message_builder& out, const etf::term& x,
                           term_context& ctx) const {
  switch (x.kind()) {
    case etf::kind::atom: {
      auto a = x.get<etf::atom>();
      if (a.text() == "true" || a.text() == "false")
        out.append(a.text() == "true");
      else if (auto y = to_caf_atom(a))
        out.append(*y);
      else
        out.append(a);
      return;
    }
    case etf::kind::integer: out.append(x.get<int64_t>()); return;
    case etf::kind::floating: out.append(x.get<double>()); return;
    case etf::kind::binary: out.append(x.get<etf::binary>().bytes); return;
    case etf::kind::pid: out.append(ctx.actor_of(x.get<etf::pid>())); return;
    case etf::kind::tuple:
      if (append_record(out, x))
        return;
      break;
    default: break;
  }
  out.append(x);
}

caf::message type_registry::to_message(const etf::term& x,
                                       term_context& ctx) const {
  caf::message_builder out;
  if (append_record(out, x))
    return out.to_message();
  // A 1-tuple stays a term: as a message of one element it would read
  // back as that element, and `{x}` is not `x`.
  if (auto t = x.get_if<etf::tuple>(); t && t->size() > 1) {
    for (auto& e : t->elements)
      append(out, e, ctx);
  } else {
    append(out, x, ctx);
  }
  return out.to_message();
}

} // namespace cafe::actor
