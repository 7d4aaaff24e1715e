#include "cafe/discovery/dns_answer.hpp"

#include <algorithm>
#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

namespace cafe::discovery {

namespace {

constexpr size_t header_size = 12;

/// RFC 1035 §4.1.1 response codes.
std::string_view rcode_name(int rcode) {
  switch (rcode) {
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "response code";
  }
}

std::string ares_error(std::string_view what, int status) {
  std::string result{what};
  result += ": ";
  result += ares_strerror(status);
  return result;
}

/// The addresses of a hostent as text; frees it.
std::vector<std::string> addresses(hostent* host) {
  std::vector<std::string> result;
  char buf[INET6_ADDRSTRLEN];
  for (auto i = host->h_addr_list; *i != nullptr; ++i)
    if (inet_ntop(host->h_addrtype, *i, buf, sizeof(buf)) != nullptr)
      result.emplace_back(buf);
  ares_free_hostent(host);
  return result;
}

using answer = expected<std::vector<std::string>, std::string>;

answer parse_addresses(dns_type type, const unsigned char* buf, int len) {
  hostent* host = nullptr;
  auto status = type == dns_type::a
                  ? ares_parse_a_reply(buf, len, &host, nullptr, nullptr)
                  : ares_parse_aaaa_reply(buf, len, &host, nullptr, nullptr);
  if (status == ARES_ENODATA)
    return std::vector<std::string>{};
  if (status != ARES_SUCCESS) {
    if (host != nullptr)
      ares_free_hostent(host);
    return unexpected{ares_error("malformed reply", status)};
  }
  return addresses(host);
}

answer parse_services(const unsigned char* buf, int len) {
  ares_srv_reply* first = nullptr;
  auto status = ares_parse_srv_reply(buf, len, &first);
  if (status == ARES_ENODATA)
    return std::vector<std::string>{};
  if (status != ARES_SUCCESS) {
    if (first != nullptr)
      ares_free_data(first);
    return unexpected{ares_error("malformed reply", status)};
  }
  std::vector<std::string> result;
  for (auto i = first; i != nullptr; i = i->next) {
    std::string_view host{i->host};
    // c-ares expands names without the final dot; strip one anyway, and
    // skip the root ("."): a target of "." means "no service here".
    if (host.ends_with('.'))
      host.remove_suffix(1);
    if (!host.empty())
      result.emplace_back(host);
  }
  ares_free_data(first);
  return result;
}

} // namespace

std::string_view to_string(dns_type x) noexcept {
  switch (x) {
    case dns_type::a: return "a";
    case dns_type::aaaa: return "aaaa";
    default: return "srv";
  }
}

std::optional<dns_type> parse_dns_type(std::string_view text) noexcept {
  std::string lower;
  for (auto c : text)
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "a")
    return dns_type::a;
  if (lower == "aaaa")
    return dns_type::aaaa;
  if (lower == "srv")
    return dns_type::srv;
  return std::nullopt;
}

expected<std::vector<std::string>, std::string>
parse_dns_answer(dns_type type, std::span<const uint8_t> reply) {
  if (reply.size() < header_size)
    return unexpected{"truncated reply: " + std::to_string(reply.size())
                      + " bytes, shorter than a DNS header"};
  // c-ares' parsers take an int length; a DNS message never exceeds 64 KiB.
  if (reply.size() > 65535)
    return unexpected{std::string{"reply larger than 64 KiB"}};
  if ((reply[2] & 0x80) == 0)
    return unexpected{std::string{"not a response (QR bit clear)"}};
  auto rcode = reply[3] & 0x0f;
  if (rcode == 3)
    return std::vector<std::string>{}; // NXDOMAIN: nothing by that name
  if (rcode != 0)
    return unexpected{"server answered " + std::string{rcode_name(rcode)} + " ("
                      + std::to_string(rcode) + ")"};
  auto buf = reinterpret_cast<const unsigned char*>(reply.data());
  auto len = static_cast<int>(reply.size());
  if (type == dns_type::srv)
    return parse_services(buf, len);
  return parse_addresses(type, buf, len);
}

expected<std::vector<std::string>, std::string>
interpret_dns_reply(dns_type type, int status, std::span<const uint8_t> reply) {
  if (!reply.empty())
    return parse_dns_answer(type, reply);
  if (status == ARES_ENOTFOUND || status == ARES_ENODATA)
    return std::vector<std::string>{};
  if (status == ARES_SUCCESS)
    return unexpected{std::string{"empty reply"}};
  return unexpected{std::string{ares_strerror(status)}};
}

std::vector<etf::atom> dns_node_names(std::string_view basename,
                                      const std::vector<std::string>& hosts) {
  std::vector<etf::atom> result;
  for (auto& host : hosts) {
    // A name from the network: never `@` twice, never past the atom limit.
    if (host.empty() || host.find('@') != std::string::npos)
      continue;
    std::string text{basename};
    text += '@';
    text += host;
    auto name = etf::atom::make(text);
    if (name && std::find(result.begin(), result.end(), *name) == result.end())
      result.push_back(*name);
  }
  return result;
}

} // namespace cafe::discovery
