#include "cafe/rpc/outcome.hpp"

#include "cafe/etf/print.hpp"

namespace cafe::rpc {

namespace {

const char* class_name(outcome_class kind) {
  switch (kind) {
    case outcome_class::returned: return "return";
    case outcome_class::thrown: return "throw";
    case outcome_class::error: return "error";
    case outcome_class::exited: return "exit";
  }
  return "?";
}

} // namespace

exception::exception(outcome_class kind, etf::term reason)
  : kind_(kind), reason_(std::move(reason)) {
  what_ = class_name(kind_);
  what_ += ':';
  what_ += etf::to_string(reason_);
}

void raise_throw(etf::term value) {
  throw exception{outcome_class::thrown, std::move(value)};
}

void raise_error(etf::term reason) {
  throw exception{outcome_class::error, std::move(reason)};
}

void raise_exit(etf::term reason) {
  throw exception{outcome_class::exited, std::move(reason)};
}

} // namespace cafe::rpc
