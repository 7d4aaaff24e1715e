// Node names: their parts, and completing `alive` to `alive@host`.

#include "cafe/handshake/node_name.hpp"

#include "node_impl.hpp"

#include <unistd.h>

namespace cafe::node {

std::string_view host_of(std::string_view node_name) {
  auto at = node_name.find('@');
  return at == std::string_view::npos ? std::string_view{}
                                      : node_name.substr(at + 1);
}

std::string_view alive_of(std::string_view node_name) {
  return node_name.substr(0, node_name.find('@'));
}

expected<std::string, std::string> complete_node_name(const std::string& name,
                                                      bool long_names) {
  auto full = name;
  if (name.find('@') == std::string::npos) {
    // Like erl: the host part comes from the host name alone; nothing is
    // resolved (that happens when a peer dials us).
    char buf[256] = {};
    if (gethostname(buf, sizeof(buf) - 1) != 0)
      return unexpected{std::string{"cannot read the host name"}};
    std::string host = buf;
    if (!long_names)
      full = name + "@" + host.substr(0, host.find('.'));
    else if (host.find('.') == std::string::npos)
      return unexpected{"the host name " + host
                        + " is not fully qualified: give --name alive@host"};
    else
      full = name + "@" + host;
  }
  auto domain = long_names ? handshake::name_domain::longnames
                           : handshake::name_domain::shortnames;
  if (auto ok = handshake::validate_node_name(full, domain); !ok)
    return unexpected{"invalid node name " + full + ": " + ok.error().detail};
  return full;
}

} // namespace cafe::node
