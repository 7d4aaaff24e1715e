#include "cafe/etf/chardata.hpp"

#include "utf8.hpp"

namespace cafe::etf {

namespace {

constexpr int max_depth = 1000;

bool append_chars(std::string& out, const term& x, int depth) {
  if (depth > max_depth)
    return false;
  if (auto b = x.get_if<binary>()) {
    out += b->bytes;
    return true;
  }
  if (auto cp = x.get_if<int64_t>()) {
    if (*cp < 0 || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
      return false;
    detail::append_utf8(out, static_cast<uint32_t>(*cp));
    return true;
  }
  auto xs = x.get_if<list>();
  if (xs == nullptr)
    return false;
  for (auto& y : xs->elements)
    if (!append_chars(out, y, depth + 1))
      return false;
  // An improper tail may only be a binary.
  return xs->proper()
         || (xs->tail->is<binary>() && append_chars(out, *xs->tail, depth + 1));
}

} // namespace

std::optional<std::string> chardata_to_utf8(const term& x) {
  std::string out;
  if (!append_chars(out, x, 0))
    return std::nullopt;
  return out;
}

} // namespace cafe::etf
