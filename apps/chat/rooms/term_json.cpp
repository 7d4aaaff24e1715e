#include "rooms/term_json.hpp"

#include "cafe/etf/atom.hpp"
#include "channels/utf8.hpp"

#include <boost/json.hpp>

namespace cafe::chat::rooms {

namespace {

constexpr int max_depth = 64;

std::optional<boost::json::value> convert(const etf::term& x, int depth);

std::optional<std::string> key_of(const etf::term& k) {
  if (auto a = k.get_if<etf::atom>())
    return std::string{a->text()};
  if (auto b = k.get_if<etf::binary>()) {
    if (!channels::valid_utf8(b->view()))
      return std::nullopt;
    return b->bytes;
  }
  if (auto i = k.get_if<int64_t>())
    return std::to_string(*i);
  return std::nullopt;
}

std::optional<boost::json::value> convert(const etf::term& x, int depth) {
  if (depth > max_depth)
    return std::nullopt;
  if (auto i = x.get_if<int64_t>())
    return boost::json::value(*i);
  if (auto d = x.get_if<double>())
    return boost::json::value(*d);
  if (auto a = x.get_if<etf::atom>()) {
    auto t = a->text();
    if (t == "nil")
      return boost::json::value(nullptr);
    if (t == "true")
      return boost::json::value(true);
    if (t == "false")
      return boost::json::value(false);
    return boost::json::value(boost::json::string(t));
  }
  if (auto b = x.get_if<etf::binary>()) {
    if (!channels::valid_utf8(b->view()))
      return std::nullopt;
    return boost::json::value(boost::json::string(b->view()));
  }
  if (auto xs = x.get_if<etf::list>()) {
    if (!xs->proper())
      return std::nullopt;
    boost::json::array arr;
    arr.reserve(xs->size());
    for (auto& e : xs->elements) {
      auto v = convert(e, depth + 1);
      if (!v)
        return std::nullopt;
      arr.push_back(std::move(*v));
    }
    return boost::json::value(std::move(arr));
  }
  if (auto m = x.get_if<etf::map>()) {
    boost::json::object obj;
    for (auto& [k, v] : m->entries) {
      auto key = key_of(k);
      if (!key)
        return std::nullopt;
      // A struct other than the date types is not encodable by Jason.
      if (*key == "__struct__")
        return std::nullopt;
      auto val = convert(v, depth + 1);
      if (!val)
        return std::nullopt;
      obj[*key] = std::move(*val);
    }
    return boost::json::value(std::move(obj));
  }
  return std::nullopt;
}

} // namespace

std::optional<boost::json::value> json_of(const etf::term& x) {
  return convert(x, 0);
}

etf::term term_of(const boost::json::value& x) {
  switch (x.kind()) {
    case boost::json::kind::null: return etf::atom{"nil"};
    case boost::json::kind::bool_: return etf::term{x.get_bool()};
    case boost::json::kind::int64: return etf::term{x.get_int64()};
    case boost::json::kind::uint64: {
      return etf::term::from_uint64(x.get_uint64());
    }
    case boost::json::kind::double_: return etf::term{x.get_double()};
    case boost::json::kind::string:
      return etf::binary{std::string_view{x.get_string()}};
    case boost::json::kind::array: {
      std::vector<etf::term> xs;
      for (auto& e : x.get_array())
        xs.push_back(term_of(e));
      return etf::list{std::move(xs)};
    }
    case boost::json::kind::object: {
      std::vector<std::pair<etf::term, etf::term>> entries;
      for (auto& [k, v] : x.get_object())
        entries.emplace_back(etf::binary{std::string_view{k}}, term_of(v));
      return etf::map{std::move(entries)};
    }
  }
  return etf::term{};
}

} // namespace cafe::chat::rooms
