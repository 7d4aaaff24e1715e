#pragma once

// How exit reasons cross between CAF and Erlang. CAF names a few reasons
// (`exit_reason`), Erlang's are arbitrary terms; every Erlang reason CAF
// has no name for travels inside a `caf::error` of category `erlang`, so
// it comes back out unchanged.
//
//   Erlang                 CAF
//   normal             <-> caf::error{} (exit_reason::normal)
//   shutdown           <-> exit_reason::user_shutdown
//   kill (exit/2)      <-> exit_reason::kill   (as a signal sent)
//   killed             <-  exit_reason::kill   (as a termination reason)
//   any other term X   <-> error(erlang_exit, erlang_category, X)
//   {Category, Code}   <-  any other CAF error (e.g. {system, request_timeout})

#include "cafe/etf/term.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace cafe::actor {

/// The category of CAF errors that carry an Erlang term.
constexpr caf::atom_value erlang_category = caf::atom("erlang");

/// The one code of `erlang_category`: the context holds the term.
constexpr uint8_t erlang_exit = 1;

/// The CAF error for an Erlang exit reason. `kill` only maps to CAF's
/// untrappable `exit_reason::kill` when it was sent by exit/2 (`linked` is
/// false): a link carrying `kill` is an ordinary, trappable reason in OTP.
caf::error to_error(const etf::term& reason, bool linked = false);

/// The Erlang reason for a CAF one. `as_signal` picks the form of a signal
/// being sent (`kill`); otherwise `exit_reason::kill` is the reason of a
/// process that was killed (`killed`), as the BEAM reports it.
etf::term to_exit_term(const caf::error& reason, bool as_signal = false);

/// The Erlang term inside `x`, if it is an `erlang_category` error.
const etf::term* erlang_term_of(const caf::error& x);

} // namespace cafe::actor
