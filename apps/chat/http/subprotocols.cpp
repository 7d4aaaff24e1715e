#include "http/subprotocols.hpp"

#include <array>

namespace cafe::chat::http {

namespace {

constexpr std::string_view bearer_prefix = "base64url.bearer.phx.";

std::string_view trim(std::string_view str) {
  while (!str.empty() && (str.front() == ' ' || str.front() == '\t'))
    str.remove_prefix(1);
  while (!str.empty() && (str.back() == ' ' || str.back() == '\t'))
    str.remove_suffix(1);
  return str;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

} // namespace

std::optional<std::string> decode_base64(std::string_view in) {
  while (!in.empty() && in.back() == '=')
    in.remove_suffix(1);
  if (in.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto value = sextet(c);
    if (value < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, as in a canonical encoding.
  if ((acc & ((1u << bits) - 1)) != 0)
    return std::nullopt;
  return out;
}

expected<offered_protocols, std::string>
parse_protocols(std::string_view header) {
  offered_protocols result;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    header.remove_prefix(comma == std::string_view::npos ? header.size()
                                                         : comma + 1);
    if (item.empty())
      continue;
    result.any = true;
    if (item == "phoenix") {
      result.phoenix = true;
    } else if (item.substr(0, bearer_prefix.size()) == bearer_prefix) {
      auto token = decode_base64(item.substr(bearer_prefix.size()));
      if (!token)
        return unexpected{std::string{"auth token is not base64"}};
      result.auth_token = std::move(*token);
    }
  }
  return result;
}

} // namespace cafe::chat::http
