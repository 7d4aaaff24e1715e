#include "cafe/actor/exit_reasons.hpp"

#include "cafe/actor/convert.hpp"
#include "cafe/actor/message_types.hpp"

#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace cafe::actor {

namespace {

etf::term atom_term(std::string_view text) {
  return etf::term{etf::atom{text}};
}

} // namespace

caf::error to_error(const etf::term& reason, bool linked) {
  if (auto a = reason.get_if<etf::atom>()) {
    if (a->text() == "normal")
      return caf::error{};
    if (a->text() == "shutdown")
      return caf::exit_reason::user_shutdown;
    if (a->text() == "kill" && !linked)
      return caf::exit_reason::kill;
  }
  return caf::error{erlang_exit, erlang_category, caf::make_message(reason)};
}

const etf::term* erlang_term_of(const caf::error& x) {
  if (x.category() != erlang_category || x.code() != erlang_exit)
    return nullptr;
  auto& ctx = x.context();
  if (ctx.size() != 1 || !ctx.match_element<etf::term>(0))
    return nullptr;
  return &ctx.get_as<etf::term>(0);
}

etf::term to_exit_term(const caf::error& reason, bool as_signal) {
  if (!reason)
    return atom_term("normal");
  if (auto t = erlang_term_of(reason))
    return *t;
  // The categories as CAF itself names them.
  static const auto exit_category
    = caf::make_error(caf::exit_reason::kill).category();
  static const auto system_category
    = caf::make_error(caf::sec::unexpected_message).category();
  auto category = reason.category();
  if (category == exit_category) {
    auto code = static_cast<caf::exit_reason>(reason.code());
    switch (code) {
      case caf::exit_reason::normal: return atom_term("normal");
      case caf::exit_reason::user_shutdown: return atom_term("shutdown");
      case caf::exit_reason::kill:
        return atom_term(as_signal ? "kill" : "killed");
      default: return atom_term(caf::to_string(code));
    }
  }
  if (category == system_category)
    return etf::make_tuple(
      atom_term("system"),
      atom_term(caf::to_string(static_cast<caf::sec>(reason.code()))));
  return etf::make_tuple(etf::term{to_erlang_atom(category)},
                         etf::term{static_cast<int64_t>(reason.code())});
}

} // namespace cafe::actor
