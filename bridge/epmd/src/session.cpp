#include "cafe/epmd/session.hpp"

#include "cafe/epmd/registry.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/epmd/requests.hpp"
#include "cafe/epmd/tags.hpp"
#include "wire.hpp"

namespace cafe::epmd {

namespace {

session_output drop(errc reason) {
  session_output out;
  out.close = true;
  out.error = reason;
  return out;
}

} // namespace

session::session(connection_id id, bool local_peer) noexcept
  : id_(id), local_peer_(local_peer) {
  // nop
}

session_output session::feed(registry& reg, std::span<const uint8_t> bytes,
                             int64_t now) {
  if (bytes.empty())
    return {};
  if (registered_) {
    // epmd reads nothing on a registration connection: any byte means the
    // node is confused or gone, so it unregisters and closes.
    auto out = drop(errc::already_registered);
    if (auto change = closed(reg))
      out.changes.push_back(std::move(*change));
    return out;
  }
  if (done_)
    return drop(errc::trailing_bytes);
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  if (buf_.size() < 2)
    return {};
  size_t want = detail::get_u16(buf_, 0) + size_t{2};
  if (want < 3 || want >= input_buffer_size)
    return drop(errc::bad_length);
  // epmd reads up to a full buffer at once and gives up on a connection
  // that sent more than one request's worth.
  if (buf_.size() > want)
    return drop(errc::trailing_bytes);
  if (buf_.size() < want)
    return {};
  done_ = true;
  auto body = std::span<const uint8_t>{buf_}.subspan(2);
  auto out = serve(reg, body, now);
  buf_.clear();
  buf_.shrink_to_fit();
  return out;
}

std::optional<registry_change> session::closed(registry& reg) {
  if (!registered_)
    return std::nullopt;
  registered_ = false;
  done_ = true;
  if (auto name = reg.unregister_connection(id_))
    return registry_change{epmd::unregistered{std::move(*name), id_}};
  // A STOP request already removed the node.
  return std::nullopt;
}

session_output session::serve(registry& reg, std::span<const uint8_t> body,
                              int64_t now) {
  // epmd checks locality before looking at the rest of a local-only request.
  switch (body[0]) {
    case tag::alive2_req:
    case tag::dump_req:
    case tag::kill_req:
    case tag::stop_req:
      if (!local_peer_)
        return drop(errc::not_local);
      break;
    default: break;
  }
  auto req = decode_request(body);
  if (!req)
    return drop(req.error());
  session_output out;
  out.close = true;
  if (auto* x = std::get_if<alive2_req>(&*req)) {
    alive2_resp resp;
    resp.extended = x->node.highest_version >= 6;
    auto port = x->node.port;
    auto entry = reg.register_node(id_, std::move(x->node), now);
    if (entry) {
      resp.creation = (*entry)->creation();
      out.changes.push_back(
        epmd::registered{(*entry)->info.name, port, resp.creation, id_});
      out.close = false;
      registered_ = true;
    } else {
      resp.result = 1;
      resp.creation = failed_creation;
      out.error = entry.error();
    }
    encode(resp, out.reply);
  } else if (auto* x = std::get_if<port_please2_req>(&*req)) {
    port2_resp resp;
    if (const auto* entry = reg.find(x->name)) {
      resp.node = entry->info;
    } else {
      resp.result = 1;
      out.error = errc::not_found;
    }
    encode(resp, out.reply);
  } else if (std::holds_alternative<names_req>(*req)) {
    encode(reg.names(), out.reply);
  } else if (std::holds_alternative<dump_req>(*req)) {
    encode(reg.dump(), out.reply);
  } else if (std::holds_alternative<kill_req>(*req)) {
    auto ok = reg.cfg().relaxed_command_check || reg.empty();
    encode(kill_resp{ok}, out.reply);
    if (ok)
      out.stop_server = true;
    else
      out.error = errc::refused;
  } else if (auto* x = std::get_if<stop_req>(&*req)) {
    if (!reg.cfg().relaxed_command_check)
      return drop(errc::refused);
    auto owner = reg.unregister_name(x->name);
    encode(stop_resp{owner.has_value()}, out.reply);
    if (owner) {
      out.changes.push_back(epmd::unregistered{x->name, *owner});
      out.close_connection = *owner;
    } else {
      out.error = errc::not_found;
    }
  }
  return out;
}

} // namespace cafe::epmd
