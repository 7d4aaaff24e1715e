#include "cafe/epmd/replies.hpp"

#include "cafe/epmd/tags.hpp"
#include "wire.hpp"

#include <charconv>
#include <string_view>

namespace cafe::epmd {

using detail::get_u16;
using detail::get_u32;
using detail::put_bytes;
using detail::put_node_info;
using detail::put_u16;
using detail::put_u32;

namespace {

// A fixed-size reply: complete at `need` bytes, nothing may follow.
template <class Reply>
decode_result<Reply>
need_bytes(std::span<const uint8_t> in, size_t need, bool eof) {
  if (in.size() > need)
    return unexpected{errc::trailing_bytes};
  if (in.size() < need) {
    if (eof)
      return unexpected{errc::truncated};
    return std::optional<Reply>{};
  }
  return std::optional<Reply>{Reply{}};
}

} // namespace

template <>
decode_result<alive2_resp>
decode_reply<alive2_resp>(std::span<const uint8_t> in, bool eof) {
  if (in.empty()) {
    if (eof)
      return unexpected{errc::truncated};
    return std::optional<alive2_resp>{};
  }
  bool extended;
  switch (in[0]) {
    case tag::alive2_x_resp: extended = true; break;
    case tag::alive2_resp: extended = false; break;
    default: return unexpected{errc::unexpected_reply};
  }
  auto res = need_bytes<alive2_resp>(in, extended ? 6 : 4, eof);
  if (!res || !*res)
    return res;
  alive2_resp x;
  x.extended = extended;
  x.result = in[1];
  x.creation = extended ? get_u32(in, 2) : get_u16(in, 2);
  return std::optional{x};
}

template <>
decode_result<port2_resp>
decode_reply<port2_resp>(std::span<const uint8_t> in, bool eof) {
  auto more = [eof]() -> decode_result<port2_resp> {
    if (eof)
      return unexpected{errc::truncated};
    return std::optional<port2_resp>{};
  };
  if (in.empty())
    return more();
  if (in[0] != tag::port2_resp)
    return unexpected{errc::unexpected_reply};
  if (in.size() < 2)
    return more();
  port2_resp x;
  x.result = in[1];
  if (x.result != 0) {
    if (in.size() > 2)
      return unexpected{errc::trailing_bytes};
    return std::optional{x};
  }
  // Result, port, type, protocol, versions, Nlen: 12 bytes with the tag.
  if (in.size() < 12)
    return more();
  size_t nlen = get_u16(in, 10);
  if (in.size() < 12 + nlen + 2)
    return more();
  size_t elen = get_u16(in, 12 + nlen);
  size_t total = 12 + nlen + 2 + elen;
  if (in.size() < total)
    return more();
  if (in.size() > total)
    return unexpected{errc::trailing_bytes};
  auto& n = x.node;
  n.port = get_u16(in, 2);
  n.node_type = in[4];
  n.protocol = in[5];
  n.highest_version = get_u16(in, 6);
  n.lowest_version = get_u16(in, 8);
  n.name = std::string{detail::as_chars(in.subspan(12, nlen))};
  n.extra = std::string{detail::as_chars(in.subspan(14 + nlen, elen))};
  return std::optional{std::move(x)};
}

namespace {

// Parses one NAMES line the way erl_epmd's `parse_line` does: the name
// ends at the first space, the port is a decimal number up to the line end.
std::optional<name_entry> parse_names_line(std::string_view line) {
  constexpr std::string_view prefix = "name ";
  constexpr std::string_view infix = " at port ";
  if (!line.starts_with(prefix))
    return std::nullopt;
  line.remove_prefix(prefix.size());
  auto sp = line.find(' ');
  if (sp == std::string_view::npos)
    return std::nullopt;
  name_entry entry{std::string{line.substr(0, sp)}, 0};
  line.remove_prefix(sp);
  if (!line.starts_with(infix))
    return std::nullopt;
  line.remove_prefix(infix.size());
  unsigned port = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(),
                                   port);
  if (ec != std::errc{} || end != line.data() + line.size() || line.empty()
      || port > 0xFFFF)
    return std::nullopt;
  entry.port = static_cast<uint16_t>(port);
  return entry;
}

} // namespace

template <>
decode_result<names_resp>
decode_reply<names_resp>(std::span<const uint8_t> in, bool eof) {
  if (in.size() > max_listing_size)
    return unexpected{errc::too_large};
  if (!eof)
    return std::optional<names_resp>{};
  if (in.size() < 4)
    return unexpected{errc::truncated};
  names_resp x;
  x.epmd_port = get_u32(in, 0);
  auto text = detail::as_chars(in.subspan(4));
  // Like erl_epmd: lines that do not parse, and an unterminated last line,
  // are skipped rather than failing the whole listing.
  for (auto nl = text.find('\n'); nl != std::string_view::npos;
       nl = text.find('\n')) {
    if (auto entry = parse_names_line(text.substr(0, nl)))
      x.nodes.push_back(std::move(*entry));
    text.remove_prefix(nl + 1);
  }
  return std::optional{std::move(x)};
}

template <>
decode_result<dump_resp>
decode_reply<dump_resp>(std::span<const uint8_t> in, bool eof) {
  if (in.size() > max_listing_size)
    return unexpected{errc::too_large};
  if (!eof)
    return std::optional<dump_resp>{};
  if (in.size() < 4)
    return unexpected{errc::truncated};
  dump_resp x;
  x.epmd_port = get_u32(in, 0);
  auto text = detail::as_chars(in.subspan(4));
  for (auto nul = text.find('\0'); nul != std::string_view::npos;
       nul = text.find('\0')) {
    x.lines.emplace_back(text.substr(0, nul));
    text.remove_prefix(nul + 1);
  }
  if (!text.empty())
    return unexpected{errc::truncated};
  return std::optional{std::move(x)};
}

template <>
decode_result<kill_resp>
decode_reply<kill_resp>(std::span<const uint8_t> in, bool eof) {
  auto text = detail::as_chars(in);
  if (text.empty() && eof)
    return unexpected{errc::refused}; // epmd closes on a remote KILL
  if (!std::string_view{"OK"}.starts_with(text)
      && !std::string_view{"NO"}.starts_with(text))
    return unexpected{errc::unexpected_reply};
  auto res = need_bytes<kill_resp>(in, 2, eof);
  if (!res || !*res)
    return res;
  return std::optional{kill_resp{text == "OK"}};
}

template <>
decode_result<stop_resp>
decode_reply<stop_resp>(std::span<const uint8_t> in, bool eof) {
  constexpr std::string_view stopped = "STOPPED";
  constexpr std::string_view noexist = "NOEXIST";
  constexpr std::string_view noexist_stopped = "NOEXISTSTOPPED";
  auto text = detail::as_chars(in);
  if (!stopped.starts_with(text) && !noexist_stopped.starts_with(text))
    return unexpected{errc::unexpected_reply};
  if (!eof)
    return std::optional<stop_resp>{};
  // Without -relaxed_command_check (or from a remote peer) epmd closes
  // without a word.
  if (text.empty())
    return unexpected{errc::refused};
  if (text == stopped)
    return std::optional{stop_resp{true}};
  if (text == noexist || text == noexist_stopped)
    return std::optional{stop_resp{false}};
  return unexpected{errc::truncated};
}

void encode(const alive2_resp& x, std::vector<uint8_t>& out) {
  if (x.extended) {
    out.push_back(tag::alive2_x_resp);
    out.push_back(x.result);
    put_u32(out, x.creation);
  } else {
    out.push_back(tag::alive2_resp);
    out.push_back(x.result);
    put_u16(out, static_cast<uint16_t>(x.creation));
  }
}

void encode(const port2_resp& x, std::vector<uint8_t>& out) {
  out.push_back(tag::port2_resp);
  out.push_back(x.result);
  if (x.result != 0)
    return;
  put_node_info(out, x.node);
}

void encode(const names_resp& x, std::vector<uint8_t>& out) {
  put_u32(out, x.epmd_port);
  for (const auto& entry : x.nodes) {
    put_bytes(out, "name ");
    put_bytes(out, entry.name);
    put_bytes(out, " at port ");
    put_bytes(out, std::to_string(entry.port));
    out.push_back('\n');
  }
}

void encode(const dump_resp& x, std::vector<uint8_t>& out) {
  put_u32(out, x.epmd_port);
  for (const auto& line : x.lines) {
    put_bytes(out, line);
    out.push_back('\0');
  }
}

void encode(const kill_resp& x, std::vector<uint8_t>& out) {
  put_bytes(out, x.ok ? "OK" : "NO");
}

void encode(const stop_resp& x, std::vector<uint8_t>& out) {
  put_bytes(out, x.existed ? "STOPPED" : "NOEXISTSTOPPED");
}

expected<uint32_t, errc> creation_of(const alive2_resp& x) {
  if (x.result != 0)
    return unexpected{errc::registration_failed};
  return x.creation;
}

expected<node_info, errc> node_of(const port2_resp& x) {
  if (x.result != 0)
    return unexpected{errc::not_found};
  return x.node;
}

} // namespace cafe::epmd
