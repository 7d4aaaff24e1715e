#include "cafe/etf/match.hpp"

namespace cafe::etf {

bool get_as(const term& x, int64_t& out) {
  if (auto i = x.get_if<int64_t>()) {
    out = *i;
    return true;
  }
  return false;
}

bool get_as(const term& x, double& out) {
  if (auto f = x.get_if<double>()) {
    out = *f;
    return true;
  }
  return false;
}

bool get_as(const term& x, bool& out) {
  if (auto a = x.get_if<atom>()) {
    if (a->text() == "true" || a->text() == "false") {
      out = a->text() == "true";
      return true;
    }
  }
  return false;
}

bool get_as(const term& x, std::string& out) {
  if (auto b = x.get_if<binary>()) {
    out = b->bytes;
    return true;
  }
  // A charlist of byte values (Erlang "text").
  if (auto xs = x.get_if<list>(); xs != nullptr && xs->proper()) {
    std::string result;
    result.reserve(xs->size());
    for (auto& e : xs->elements) {
      auto c = e.get_if<int64_t>();
      if (c == nullptr || *c < 0 || *c > 255)
        return false;
      result.push_back(static_cast<char>(*c));
    }
    out = std::move(result);
    return true;
  }
  return false;
}

bool get_as(const term& x, atom& out) {
  if (auto a = x.get_if<atom>()) {
    out = *a;
    return true;
  }
  return false;
}

bool get_as(const term& x, binary& out) {
  if (auto b = x.get_if<binary>()) {
    out = *b;
    return true;
  }
  return false;
}

bool get_as(const term& x, pid& out) {
  if (auto p = x.get_if<pid>()) {
    out = *p;
    return true;
  }
  return false;
}

bool get_as(const term& x, reference& out) {
  if (auto r = x.get_if<reference>()) {
    out = *r;
    return true;
  }
  return false;
}

bool get_as(const term& x, term& out) {
  out = x;
  return true;
}

} // namespace cafe::etf
