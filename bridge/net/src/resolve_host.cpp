#include "cafe/net/resolve_host.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <memory>
#include <unistd.h>

namespace cafe::net {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string lower(std::string str) {
  std::transform(str.begin(), str.end(), str.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return str;
}

} // namespace

bool is_own_host_name(const std::string& host) {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
    return false;
  auto self = lower(buf);
  auto wanted = lower(host);
  // The BEAM keeps the short name and the domain apart and accepts both
  // `short` and `short.domain`; gethostname() may give either form.
  auto short_self = self.substr(0, self.find('.'));
  return wanted == self || wanted == short_self;
}

void async_resolve_host(boost::asio::io_context& io, std::string host,
                        std::function<void(resolve_result)> done) {
  boost::system::error_code ec;
  auto literal = asio::ip::make_address_v4(host, ec);
  if (!ec) {
    asio::post(io, [done = std::move(done), text = literal.to_string()] {
      done(text);
    });
    return;
  }
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(
    tcp::v4(), host, "",
    [resolver, host, done = std::move(done)](
      boost::system::error_code ec, tcp::resolver::results_type found) {
      if (!ec && !found.empty()) {
        done(found.begin()->endpoint().address().to_string());
        return;
      }
      if (is_own_host_name(host)) {
        done(std::string{"127.0.0.1"});
        return;
      }
      done(unexpected{"cannot resolve " + host + ": "
                      + (ec ? ec.message() : std::string{"no address"})});
    });
}

} // namespace cafe::net
