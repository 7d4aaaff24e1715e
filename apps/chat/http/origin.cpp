#include "http/origin.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace cafe::chat::http {

namespace {

std::string lower(std::string_view str) {
  std::string result{str};
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return result;
}

struct origin_parts {
  std::string scheme;
  std::string host;
  std::string port; // empty: the scheme's default
};

std::string default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws")
    return "80";
  if (scheme == "https" || scheme == "wss")
    return "443";
  return {};
}

std::optional<origin_parts> split_origin(std::string_view str) {
  auto parsed = boost::urls::parse_uri(str);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty())
    return std::nullopt;
  // An origin is scheme, host and port, nothing else. Boost.URL 1.81 reads
  // `http://127.0.0.60.evil.example` as host 127.0.0.60 with the path
  // `.evil.example`: anything after the authority refuses it.
  if (parsed->has_userinfo()
      || (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")
      || parsed->has_query() || parsed->has_fragment())
    return std::nullopt;
  origin_parts result;
  result.scheme = lower(parsed->scheme());
  result.host = lower(parsed->encoded_host());
  result.port = parsed->has_port() ? std::string{parsed->port()}
                                   : default_port(result.scheme);
  return result;
}

// The host name of a `Host` header (`name`, `name:port`, `[v6]:port`).
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    return lower(
      host.substr(0, end == std::string_view::npos ? host.size() : end + 1));
  }
  return lower(host.substr(0, host.find(':')));
}

} // namespace

bool origin_allowed(std::optional<std::string_view> origin,
                    std::string_view host,
                    const std::vector<std::string>& allowed) {
  if (!origin)
    return true;
  auto parts = split_origin(*origin);
  if (!parts)
    return false; // includes "null" (sandboxed frames, file: pages)
  if (allowed.empty())
    return !host.empty() && parts->host == host_name(host);
  for (auto& entry : allowed) {
    auto want = split_origin(entry);
    if (want && want->scheme == parts->scheme && want->host == parts->host
        && want->port == parts->port)
      return true;
  }
  return false;
}

} // namespace cafe::chat::http
