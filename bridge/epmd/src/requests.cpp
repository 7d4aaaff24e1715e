#include "cafe/epmd/requests.hpp"

#include "cafe/epmd/tags.hpp"
#include "cafe/length_prefix.hpp"
#include "wire.hpp"

#include <algorithm>

namespace cafe::epmd {

namespace detail {

long utf8_length(std::string_view str) noexcept {
  auto* p = reinterpret_cast<const unsigned char*>(str.data());
  auto left = str.size();
  long chars = 0;
  auto cont = [&](size_t i) { return (p[i] & 0xC0) == 0x80; };
  while (left > 0) {
    if (p[0] < 0x80) {
      p += 1;
      left -= 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
      if (left < 2 || !cont(1) || p[0] < 0xC2)
        return -1;
      p += 2;
      left -= 2;
    } else if ((p[0] & 0xF0) == 0xE0) {
      if (left < 3 || !cont(1) || !cont(2) || (p[0] == 0xE0 && p[1] < 0xA0)
          || (p[0] == 0xED && p[1] >= 0xA0)) // surrogates
        return -1;
      p += 3;
      left -= 3;
    } else if ((p[0] & 0xF8) == 0xF0) {
      if (left < 4 || !cont(1) || !cont(2) || !cont(3)
          || (p[0] == 0xF0 && p[1] < 0x90) || p[0] > 0xF4
          || (p[0] == 0xF4 && p[1] >= 0x90)) // above U+10FFFF
        return -1;
      p += 4;
      left -= 4;
    } else {
      return -1;
    }
    ++chars;
  }
  return chars;
}

void put_node_info(std::vector<uint8_t>& out, const node_info& n) {
  put_u16(out, n.port);
  out.push_back(n.node_type);
  out.push_back(n.protocol);
  put_u16(out, n.highest_version);
  put_u16(out, n.lowest_version);
  put_u16(out, static_cast<uint16_t>(n.name.size()));
  put_bytes(out, n.name);
  put_u16(out, static_cast<uint16_t>(n.extra.size()));
  put_bytes(out, n.extra);
}

} // namespace detail

namespace {

using detail::put_bytes;
using detail::put_node_info;
using detail::put_u16;

bool has_nul(std::string_view str) noexcept {
  return str.find('\0') != std::string_view::npos;
}

} // namespace

bool is_valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_symbol_bytes || has_nul(name))
    return false;
  auto chars = detail::utf8_length(name);
  return chars >= 1 && static_cast<size_t>(chars) <= max_name_chars;
}

expected<void, errc> encode(const request& req, std::vector<uint8_t>& out) {
  struct visitor {
    std::vector<uint8_t>& out;
    expected<void, errc> operator()(const alive2_req& x) {
      const auto& n = x.node;
      if (!is_valid_name(n.name) || n.extra.size() > max_symbol_bytes)
        return unexpected{errc::bad_name};
      wire::put_with_u16_length(out, [&] {
        out.push_back(tag::alive2_req);
        put_node_info(out, n);
      });
      return {};
    }
    expected<void, errc> operator()(const port_please2_req& x) {
      if (!is_valid_name(x.name))
        return unexpected{errc::bad_name};
      wire::put_with_u16_length(out, [&] {
        out.push_back(tag::port_please2_req);
        put_bytes(out, x.name);
      });
      return {};
    }
    expected<void, errc> operator()(const names_req&) {
      wire::put_with_u16_length(out, [&] { out.push_back(tag::names_req); });
      return {};
    }
    expected<void, errc> operator()(const dump_req&) {
      wire::put_with_u16_length(out, [&] { out.push_back(tag::dump_req); });
      return {};
    }
    expected<void, errc> operator()(const kill_req&) {
      wire::put_with_u16_length(out, [&] { out.push_back(tag::kill_req); });
      return {};
    }
    expected<void, errc> operator()(const stop_req& x) {
      if (!is_valid_name(x.name))
        return unexpected{errc::bad_name};
      wire::put_with_u16_length(out, [&] {
        out.push_back(tag::stop_req);
        put_bytes(out, x.name);
      });
      return {};
    }
  };
  return std::visit(visitor{out}, req);
}

expected<std::vector<uint8_t>, errc> to_bytes(const request& req) {
  std::vector<uint8_t> out;
  if (auto res = encode(req, out); !res)
    return unexpected{res.error()};
  return out;
}

namespace {

// The checks follow epmd_srv.c `do_request` so that a request epmd drops
// silently is dropped here too.
expected<request, errc> decode_alive2(std::span<const uint8_t> in) {
  using detail::get_u16;
  // Tag, port, type, protocol, two versions, Nlen, Elen: 13 bytes, and epmd
  // demands at least one more.
  if (in.size() <= 13)
    return unexpected{errc::malformed};
  alive2_req req;
  auto& n = req.node;
  n.port = get_u16(in, 1);
  n.node_type = in[3];
  n.protocol = in[4];
  n.highest_version = get_u16(in, 5);
  n.lowest_version = get_u16(in, 7);
  size_t nlen = get_u16(in, 9);
  if (nlen + 13 > in.size())
    return unexpected{errc::malformed};
  size_t elen = get_u16(in, 11 + nlen);
  if (elen + nlen + 13 > in.size())
    return unexpected{errc::malformed};
  n.name = std::string{detail::as_chars(in.subspan(11, nlen))};
  if (has_nul(n.name))
    return unexpected{errc::malformed};
  n.extra = std::string{detail::as_chars(in.subspan(13 + nlen, elen))};
  return request{std::move(req)};
}

expected<request, errc> decode_port_please2(std::span<const uint8_t> in) {
  // Very old clients NUL-terminate the name; epmd strips one NUL.
  if (in.back() == 0)
    in = in.first(in.size() - 1);
  if (in.size() <= 1)
    return unexpected{errc::malformed};
  auto name = detail::as_chars(in.subspan(1));
  if (has_nul(name))
    return unexpected{errc::malformed};
  auto chars = detail::utf8_length(name);
  if (chars < 1 || static_cast<size_t>(chars) > max_name_chars)
    return unexpected{errc::malformed};
  return request{port_please2_req{std::string{name}}};
}

expected<request, errc> decode_stop(std::span<const uint8_t> in) {
  if (in.size() <= 1)
    return unexpected{errc::malformed};
  // epmd reads the name as a C string.
  auto name = detail::as_chars(in.subspan(1));
  name = name.substr(0, name.find('\0'));
  return request{stop_req{std::string{name}}};
}

} // namespace

expected<request, errc> decode_request(std::span<const uint8_t> body) {
  if (body.empty())
    return unexpected{errc::bad_length};
  // Trailing bytes after the tag of NAMES, DUMP and KILL are ignored by
  // epmd, which only looks at the first byte.
  switch (body[0]) {
    case tag::alive2_req: return decode_alive2(body);
    case tag::port_please2_req: return decode_port_please2(body);
    case tag::names_req: return request{names_req{}};
    case tag::dump_req: return request{dump_req{}};
    case tag::kill_req: return request{kill_req{}};
    case tag::stop_req: return decode_stop(body);
    default: return unexpected{errc::unknown_request};
  }
}

} // namespace cafe::epmd
