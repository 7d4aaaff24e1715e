#pragma once

// What the load generator reads and writes besides WebSocket framing: the
// servers' URLs and the head of a Phoenix V2 frame.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cafe::bench::chat {

struct server_spec {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host; // host:port, for Host and Origin
  std::string target; // path?vsn=2.0.0
};

/// ws://A.B.C.D:PORT/PATH (an address, not a name: loopback only).
inline server_spec parse_url(const std::string& url) {
  const std::string scheme = "ws://";
  if (url.rfind(scheme, 0) != 0)
    throw std::runtime_error("not a ws:// URL: " + url);
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  auto path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos)
    throw std::runtime_error("no port in " + url);
  server_spec s;
  s.endpoint
    = {boost::asio::ip::make_address(hostport.substr(0, colon)),
       static_cast<unsigned short>(std::stoul(hostport.substr(colon + 1)))};
  s.host = hostport;
  s.target = path + (path.find('?') == std::string::npos ? "?" : "&")
             + "vsn=2.0.0";
  return s;
}

/// The fields of a V2 frame up to the event: [join_ref, ref, topic, event,
/// ... Our refs and topics carry no escapes, so a field ends at the next
/// quote.
inline bool scan_head(std::string_view f, std::string_view& ref,
                      std::string_view& event) {
  size_t i = 0;
  if (f.empty() || f[i++] != '[')
    return false;
  for (int field = 0; field < 4; ++field) {
    if (i >= f.size())
      return false;
    std::string_view v;
    if (f[i] == 'n') {
      i += 4;
    } else if (f[i] == '"') {
      auto end = f.find('"', i + 1);
      if (end == std::string_view::npos)
        return false;
      v = f.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      return false;
    }
    if (field == 1)
      ref = v;
    if (field == 3)
      event = v;
    if (i >= f.size() || f[i++] != ',')
      return false;
  }
  return true;
}

} // namespace cafe::bench::chat
