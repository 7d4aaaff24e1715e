#include "cafe/distribution/error.hpp"

#include "cafe/distribution/operation.hpp"

namespace cafe::distribution {

std::string to_string(const error& err) {
  std::string result{to_string(err.code)};
  if (err.op != 0 || !err.reason.empty() || err.code == errc::bad_term)
    result += ':';
  if (err.op != 0) {
    result += ' ';
    if (known_operation(err.op))
      result += to_string(static_cast<operation>(err.op));
    else
      result += "op " + std::to_string(err.op);
  }
  if (err.element != 0) {
    result += " element ";
    result += std::to_string(err.element);
  }
  if (!err.reason.empty()) {
    if (err.op != 0)
      result += ':';
    result += ' ';
    result += err.reason;
  }
  if (err.code == errc::bad_term) {
    result += " (";
    result += etf::to_string(err.term_error);
    result += ')';
  }
  if (err.offset != 0) {
    result += " at byte ";
    result += std::to_string(err.offset);
  }
  return result;
}

} // namespace cafe::distribution
