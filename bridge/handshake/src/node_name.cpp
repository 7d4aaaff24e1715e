#include "cafe/handshake/node_name.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <string>

namespace cafe::handshake {

namespace {

bool is_alive_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
         || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

bool is_host_char(char c) noexcept {
  return c > ' ' && c <= '~';
}

bool is_ipv6_literal(std::string_view host) {
  if (host.find(':') == std::string_view::npos)
    return false;
  std::string str{host};
  unsigned char buf[16];
  return inet_pton(AF_INET6, str.c_str(), buf) == 1;
}

failure bad_name(std::string_view name, std::string_view why) {
  return {errc::bad_node_name,
          "node name '" + std::string{name} + "': " + std::string{why}};
}

} // namespace

std::optional<node_name_parts> split_node_name(std::string_view name) noexcept {
  if (name.size() > max_node_name_size)
    return std::nullopt;
  auto at = name.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == name.size()
      || name.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  return node_name_parts{name.substr(0, at), name.substr(at + 1)};
}

name_domain domain_of(std::string_view host) noexcept {
  if (host.find('.') != std::string_view::npos || is_ipv6_literal(host))
    return name_domain::longnames;
  return name_domain::shortnames;
}

expected<node_name_parts, failure> validate_node_name(std::string_view name,
                                                      name_domain domain) {
  if (name.size() > max_node_name_size)
    return unexpected{bad_name(name, "longer than 255 characters")};
  auto parts = split_node_name(name);
  if (!parts)
    return unexpected{bad_name(name, "not of the form name@host")};
  if (!std::all_of(parts->alive.begin(), parts->alive.end(), is_alive_char))
    return unexpected{
      bad_name(name, "the part before '@' allows only [0-9A-Za-z_-]")};
  if (!std::all_of(parts->host.begin(), parts->host.end(), is_host_char))
    return unexpected{bad_name(name, "the host has non-printable characters")};
  auto actual = domain_of(parts->host);
  if (domain == name_domain::shortnames && actual != domain)
    return unexpected{
      bad_name(name, "short names must not have a '.' in the host")};
  if (domain == name_domain::longnames && actual != domain)
    return unexpected{bad_name(
      name, "long names need a fully qualified host or an IP address")};
  return *parts;
}

} // namespace cafe::handshake
