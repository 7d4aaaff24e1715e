#include "ei_value.hpp"

#include <cstring>
#include <type_traits>

namespace cafe::bench {

namespace {

// Fills a string of `n` bytes through `f(char*)` without zeroing it first,
// as `etf::binary` is filled by one copy on the cafe side. Zeroing 64 KB
// first would cost ei about a third of its binary decode time for nothing.
template <class F>
bool fill(std::string& str, size_t n, F f) {
  bool ok = true;
#if defined(__cpp_lib_string_resize_and_overwrite)
  str.resize_and_overwrite(n + 1, [&](char* p, size_t) {
    ok = f(p);
    return n;
  });
#else
  str.resize(n + 1);
  ok = f(str.data());
  str.resize(n);
#endif
  return ok;
}

bool decode(const char* buf, int* index, ei_value& out) {
  int type = 0;
  int size = 0;
  if (ei_get_type(buf, index, &type, &size) < 0)
    return false;
  switch (type) {
    case ERL_SMALL_INTEGER_EXT:
    case ERL_INTEGER_EXT:
    case ERL_SMALL_BIG_EXT: {
      long long x = 0;
      if (ei_decode_longlong(buf, index, &x) < 0)
        return false;
      out.value.emplace<long long>(x);
      return true;
    }
    case ERL_FLOAT_EXT: {
      double x = 0;
      if (ei_decode_double(buf, index, &x) < 0)
        return false;
      out.value.emplace<double>(x);
      return true;
    }
    case ERL_ATOM_EXT: {
      char text[MAXATOMLEN_UTF8];
      if (ei_decode_atom_as(buf, index, text, sizeof(text), ERLANG_UTF8,
                            nullptr, nullptr)
          < 0)
        return false;
      out.value.emplace<ei_atom>().text.assign(text, std::strlen(text));
      return true;
    }
    case ERL_SMALL_TUPLE_EXT:
    case ERL_LARGE_TUPLE_EXT: {
      int arity = 0;
      if (ei_decode_tuple_header(buf, index, &arity) < 0)
        return false;
      auto& xs = out.value.emplace<ei_tuple>().elements;
      xs.resize(static_cast<size_t>(arity));
      for (auto& x : xs)
        if (!decode(buf, index, x))
          return false;
      return true;
    }
    case ERL_NIL_EXT: {
      int arity = 0;
      if (ei_decode_list_header(buf, index, &arity) < 0)
        return false;
      out.value.emplace<ei_list>();
      return true;
    }
    case ERL_STRING_EXT: {
      auto& str = out.value.emplace<ei_charlist>().bytes;
      return fill(str, static_cast<size_t>(size), [&](char* p) {
        return ei_decode_string(buf, index, p) == 0;
      });
    }
    case ERL_LIST_EXT: {
      int arity = 0;
      if (ei_decode_list_header(buf, index, &arity) < 0)
        return false;
      auto& xs = out.value.emplace<ei_list>();
      xs.elements.resize(static_cast<size_t>(arity));
      for (auto& x : xs.elements)
        if (!decode(buf, index, x))
          return false;
      if (ei_get_type(buf, index, &type, &size) < 0)
        return false;
      if (type == ERL_NIL_EXT)
        return ei_decode_list_header(buf, index, &arity) == 0;
      auto tail = std::make_shared<ei_value>();
      if (!decode(buf, index, *tail))
        return false;
      xs.tail = std::move(tail);
      return true;
    }
    case ERL_BINARY_EXT: {
      auto& str = out.value.emplace<ei_binary>().bytes;
      return fill(str, static_cast<size_t>(size), [&](char* p) {
        long len = 0;
        return ei_decode_binary(buf, index, p, &len) == 0;
      });
    }
    case ERL_MAP_EXT: {
      int arity = 0;
      if (ei_decode_map_header(buf, index, &arity) < 0)
        return false;
      auto& xs = out.value.emplace<ei_map>().entries;
      xs.resize(static_cast<size_t>(arity));
      for (auto& [k, v] : xs)
        if (!decode(buf, index, k) || !decode(buf, index, v))
          return false;
      return true;
    }
    case ERL_PID_EXT: {
      erlang_pid p;
      if (ei_decode_pid(buf, index, &p) < 0)
        return false;
      out.value.emplace<ei_pid>(
        ei_pid{std::string{p.node}, p.num, p.serial, p.creation});
      return true;
    }
    case ERL_NEW_REFERENCE_EXT: {
      erlang_ref r;
      if (ei_decode_ref(buf, index, &r) < 0)
        return false;
      auto& x = out.value.emplace<ei_ref>();
      x.node = r.node;
      x.creation = r.creation;
      x.len = r.len;
      std::memcpy(x.n.data(), r.n, sizeof(r.n));
      return true;
    }
    default: return false;
  }
}

bool encode(const ei_value& x, ei_x_buff& buf) {
  return std::visit(
    [&buf](const auto& v) {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, long long>) {
        return ei_x_encode_longlong(&buf, v) == 0;
      } else if constexpr (std::is_same_v<T, double>) {
        return ei_x_encode_double(&buf, v) == 0;
      } else if constexpr (std::is_same_v<T, ei_atom>) {
        return ei_x_encode_atom_len_as(&buf, v.text.data(),
                                       static_cast<int>(v.text.size()),
                                       ERLANG_UTF8, ERLANG_UTF8)
               == 0;
      } else if constexpr (std::is_same_v<T, ei_binary>) {
        return ei_x_encode_binary(&buf, v.bytes.data(),
                                  static_cast<int>(v.bytes.size()))
               == 0;
      } else if constexpr (std::is_same_v<T, ei_charlist>) {
        return ei_x_encode_string_len(&buf, v.bytes.data(),
                                      static_cast<int>(v.bytes.size()))
               == 0;
      } else if constexpr (std::is_same_v<T, ei_pid>) {
        // ei takes its own struct, with the node as a C string.
        erlang_pid p;
        std::memcpy(p.node, v.node.c_str(), v.node.size() + 1);
        p.num = v.num;
        p.serial = v.serial;
        p.creation = v.creation;
        return ei_x_encode_pid(&buf, &p) == 0;
      } else if constexpr (std::is_same_v<T, ei_ref>) {
        erlang_ref r;
        std::memcpy(r.node, v.node.c_str(), v.node.size() + 1);
        r.len = v.len;
        std::memcpy(r.n, v.n.data(), sizeof(r.n));
        r.creation = v.creation;
        return ei_x_encode_ref(&buf, &r) == 0;
      } else if constexpr (std::is_same_v<T, ei_tuple>) {
        if (ei_x_encode_tuple_header(&buf, static_cast<long>(v.elements.size()))
            < 0)
          return false;
        for (auto& e : v.elements)
          if (!encode(e, buf))
            return false;
        return true;
      } else if constexpr (std::is_same_v<T, ei_list>) {
        if (!v.elements.empty()) {
          if (ei_x_encode_list_header(&buf,
                                      static_cast<long>(v.elements.size()))
              < 0)
            return false;
          for (auto& e : v.elements)
            if (!encode(e, buf))
              return false;
        }
        if (v.tail)
          return encode(*v.tail, buf);
        return ei_x_encode_empty_list(&buf) == 0;
      } else {
        static_assert(std::is_same_v<T, ei_map>);
        if (ei_x_encode_map_header(&buf, static_cast<long>(v.entries.size()))
            < 0)
          return false;
        for (auto& [k, e] : v.entries)
          if (!encode(k, buf) || !encode(e, buf))
            return false;
        return true;
      }
    },
    x.value);
}

etf::atom to_atom(const std::string& text) {
  return etf::atom{text};
}

} // namespace

bool ei_binary_to_value(std::span<const uint8_t> bytes, ei_value& out) {
  auto buf = reinterpret_cast<const char*>(bytes.data());
  int index = 0;
  int version = 0;
  if (bytes.empty() || ei_decode_version(buf, &index, &version) < 0)
    return false;
  return decode(buf, &index, out) && static_cast<size_t>(index) == bytes.size();
}

bool ei_value_to_binary(const ei_value& x, ei_x_buff& buf) {
  return ei_x_encode_version(&buf) == 0 && encode(x, buf);
}

etf::term to_term(const ei_value& x) {
  return std::visit(
    [](const auto& v) -> etf::term {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, long long>) {
        return etf::term{static_cast<int64_t>(v)};
      } else if constexpr (std::is_same_v<T, double>) {
        return etf::term{v};
      } else if constexpr (std::is_same_v<T, ei_atom>) {
        return etf::term{to_atom(v.text)};
      } else if constexpr (std::is_same_v<T, ei_binary>) {
        return etf::term{etf::binary{v.bytes}};
      } else if constexpr (std::is_same_v<T, ei_charlist>) {
        return etf::make_charlist(v.bytes);
      } else if constexpr (std::is_same_v<T, ei_pid>) {
        return etf::term{
          etf::pid{to_atom(v.node), v.num, v.serial, v.creation}};
      } else if constexpr (std::is_same_v<T, ei_ref>) {
        etf::reference r;
        r.node = to_atom(v.node);
        r.creation = v.creation;
        r.size = static_cast<uint8_t>(v.len);
        for (int i = 0; i < v.len; ++i)
          r.words[static_cast<size_t>(i)] = v.n[static_cast<size_t>(i)];
        return etf::term{r};
      } else if constexpr (std::is_same_v<T, ei_tuple>) {
        std::vector<etf::term> xs;
        for (auto& e : v.elements)
          xs.push_back(to_term(e));
        return etf::term{etf::tuple{std::move(xs)}};
      } else if constexpr (std::is_same_v<T, ei_list>) {
        std::vector<etf::term> xs;
        for (auto& e : v.elements)
          xs.push_back(to_term(e));
        if (v.tail)
          return etf::term{etf::list{std::move(xs), to_term(*v.tail)}};
        return etf::term{etf::list{std::move(xs)}};
      } else {
        std::vector<std::pair<etf::term, etf::term>> xs;
        for (auto& [k, e] : v.entries)
          xs.emplace_back(to_term(k), to_term(e));
        return etf::term{etf::map{std::move(xs)}};
      }
    },
    x.value);
}

} // namespace cafe::bench
