#pragma once

#include "cafe/etf/term.hpp"

#include <exception>
#include <string>

namespace cafe::rpc {

/// The class of an Erlang exception, or a plain return.
enum class outcome_class {
  returned,
  thrown,
  error,
  exited,
};

/// How a call ended, in the terms erpc:execute_call/4 reports.
struct outcome {
  outcome_class kind = outcome_class::returned;
  /// The result, the thrown value, the error reason or the exit reason.
  etf::term value;
  /// For `error`: the stack, a list of `{M, F, ArityOrArgs, Location}`.
  etf::term stack;

  static outcome returned(etf::term x) {
    return {outcome_class::returned, std::move(x), {}};
  }

  static outcome thrown(etf::term x) {
    return {outcome_class::thrown, std::move(x), {}};
  }

  static outcome error(etf::term reason, etf::term stack) {
    return {outcome_class::error, std::move(reason), std::move(stack)};
  }

  static outcome exited(etf::term reason) {
    return {outcome_class::exited, std::move(reason), {}};
  }
};

/// What an exported C++ function throws to end its call the way
/// `throw(X)`, `error(X)` or `exit(X)` ends an Erlang function. Any other
/// C++ exception ends the call as `error` with a readable reason.
class exception : public std::exception {
public:
  exception(outcome_class kind, etf::term reason);

  outcome_class kind() const noexcept {
    return kind_;
  }

  const etf::term& reason() const noexcept {
    return reason_;
  }

  const char* what() const noexcept override {
    return what_.c_str();
  }

private:
  outcome_class kind_;
  etf::term reason_;
  std::string what_;
};

/// erlang:throw/1 from C++.
[[noreturn]] void raise_throw(etf::term value);

/// erlang:error/1 from C++.
[[noreturn]] void raise_error(etf::term reason);

/// erlang:exit/1 from C++.
[[noreturn]] void raise_exit(etf::term reason);

} // namespace cafe::rpc
