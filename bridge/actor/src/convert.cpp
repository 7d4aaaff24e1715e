#include "cafe/actor/convert.hpp"

#include <caf/string_view.hpp>

namespace cafe::actor {

std::optional<caf::atom_value> to_caf_atom(etf::atom x) {
  auto text = x.text();
  if (text.empty() || text.size() > 10)
    return std::nullopt;
  auto result
    = caf::atom_from_string(caf::string_view{text.data(), text.size()});
  // CAF's alphabet is smaller than Erlang's: what does not survive the
  // round trip is not a CAF atom.
  if (caf::to_string(result) != text)
    return std::nullopt;
  return result;
}

etf::atom to_erlang_atom(caf::atom_value x) {
  return etf::atom{caf::to_string(x)};
}

std::optional<bool> term_converter<bool>::from(const etf::term& x) {
  if (auto a = x.get_if<etf::atom>()) {
    if (a->text() == "true")
      return true;
    if (a->text() == "false")
      return false;
  }
  return std::nullopt;
}

std::optional<std::string>
term_converter<std::string>::from(const etf::term& x) {
  if (auto b = x.get_if<etf::binary>())
    return b->bytes;
  if (x.is_nil())
    return std::string{};
  // A charlist (`"text"` in Erlang): code points, as UTF-8.
  if (auto xs = x.get_if<etf::list>(); xs && xs->proper()) {
    std::string result;
    result.reserve(xs->size());
    for (auto& e : xs->elements) {
      auto i = e.get_if<int64_t>();
      if (i == nullptr || *i < 0 || *i > 0x10FFFF
          || (*i >= 0xD800 && *i <= 0xDFFF))
        return std::nullopt;
      auto c = static_cast<uint32_t>(*i);
      if (c < 0x80) {
        result.push_back(static_cast<char>(c));
      } else if (c < 0x800) {
        result.push_back(static_cast<char>(0xC0 | (c >> 6)));
        result.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else if (c < 0x10000) {
        result.push_back(static_cast<char>(0xE0 | (c >> 12)));
        result.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        result.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else {
        result.push_back(static_cast<char>(0xF0 | (c >> 18)));
        result.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        result.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        result.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return result;
  }
  return std::nullopt;
}

std::optional<uint64_t> uint64_from_big(const etf::term& x) {
  auto b = x.get_if<etf::big_integer>();
  if (b == nullptr || b->negative || b->magnitude.size() > 8)
    return std::nullopt;
  uint64_t result = 0;
  for (size_t i = b->magnitude.size(); i-- > 0;)
    result = (result << 8) | b->magnitude[i];
  return result;
}

} // namespace cafe::actor
