#include "channels/session.hpp"

#include <utility>

// Every call into the callee may call back into this session (a join may be
// answered from inside `join`, a reply from inside `handle_in`), so no
// iterator into `channels_` is used after a callee call.

namespace cafe::chat::channels {

namespace {

boost::json::object reply_payload(std::string_view status,
                                  boost::json::object response) {
  boost::json::object payload;
  payload.reserve(2);
  payload.emplace("status", status);
  payload.emplace("response", std::move(response));
  return payload;
}

boost::json::object reason(std::string_view text) {
  boost::json::object obj;
  obj.emplace("reason", text);
  return obj;
}

} // namespace

session_callee::~session_callee() = default;

session::session(session_callee& app, version v, size_t max_channels)
  : app_(app), version_(v), max_channels_(max_channels) {
  // nop
}

version session::serializer() const noexcept {
  return version_;
}

void session::on_text(std::string_view frame) {
  if (state_ != state::open)
    return;
  auto m = decode(version_, frame);
  if (!m) {
    fail(close_code::invalid_payload,
         std::string{"invalid frame: "} + to_string(m.error()));
    return;
  }
  dispatch(std::move(*m));
}

void session::on_binary() {
  if (state_ != state::open)
    return;
  fail(close_code::unsupported_data, "binary frames are not supported");
}

void session::fail(uint16_t code, std::string reason) {
  state_ = state::closing;
  app_.close(code, std::move(reason));
}

void session::dispatch(message m) {
  // Phoenix answers heartbeats before looking at channels.
  if (m.topic == "phoenix" && m.event == "heartbeat")
    reply_to(m, std::nullopt, "ok", {});
  else if (m.event == "phx_join")
    handle_join(std::move(m));
  else if (m.event == "phx_leave")
    handle_leave(std::move(m));
  else
    handle_event(std::move(m));
}

void session::handle_join(message m) {
  if (!m.payload.is_object()) {
    fail(close_code::invalid_payload,
         "phx_join payload is not an object (topic " + m.topic + ")");
    return;
  }
  // Phoenix keeps `join_ref || ref` as the channel's join ref.
  auto jr = m.join_ref ? m.join_ref : m.ref;
  if (!jr) {
    fail(close_code::invalid_payload,
         "phx_join without a ref (topic " + m.topic + ")");
    return;
  }
  if (!app_.serves(m.topic)) {
    reply_to(m, std::nullopt, "error", reason("unmatched topic"));
    return;
  }
  std::optional<std::string> replaces;
  auto i = channels_.find(m.topic);
  if (i != channels_.end() && !i->second.joined) {
    // Phoenix's socket process answers a join before it reads the next
    // frame: a join while this topic's join is unanswered waits for that
    // answer, then replaces the channel it made. Every join gets a reply.
    auto& pending = i->second.pending;
    if (pending.size() >= max_pending_per_channel) {
      fail(close_code::policy_violation,
           "too many frames before the join reply (topic " + m.topic + ")");
      return;
    }
    pending.push_back(std::move(m));
    return;
  }
  if (i != channels_.end()) {
    // A duplicate join: the old channel ends now; its phx_close (old
    // join_ref, which the client drops as stale) follows the new reply.
    replaces = std::move(i->second.join_ref);
    channels_.erase(i);
    app_.leave(m.topic, *replaces);
    if (state_ != state::open)
      return;
  } else if (channels_.size() >= max_channels_) {
    reply_to(m, jr, "error", reason("too many channels joined"));
    return;
  }
  channel ch;
  ch.join_ref = *jr;
  ch.join_msg_ref = m.ref;
  ch.replaces = std::move(replaces);
  channels_.insert_or_assign(m.topic, std::move(ch));
  app_.join(m.topic, *jr, m.payload.get_object());
}

void session::handle_leave(message m) {
  auto i = channels_.find(m.topic);
  if (i == channels_.end()) {
    reply_to(m, m.join_ref, "ok", {});
    return;
  }
  // A leave with another join_ref raced a server close or a rejoin.
  if (m.join_ref && *m.join_ref != i->second.join_ref)
    return;
  auto jr = std::move(i->second.join_ref);
  bool was_joined = i->second.joined;
  channels_.erase(i);
  reply_to(m, jr, "ok", {});
  // A join still unanswered (the client's join timed out) gets no
  // phx_close: with the client's unchanged join_ref it would cancel the
  // client's rejoin for good.
  if (was_joined)
    send(message{jr, jr, m.topic, "phx_close", boost::json::object{}});
  app_.leave(m.topic, jr);
}

void session::handle_event(message m) {
  auto i = channels_.find(m.topic);
  if (i == channels_.end()) {
    reply_to(m, std::nullopt, "error", reason("unmatched topic"));
    return;
  }
  auto& ch = i->second;
  // Phoenix ignores a stale join_ref without a reply; null is accepted.
  if (m.join_ref && *m.join_ref != ch.join_ref)
    return;
  if (!ch.joined) {
    if (ch.pending.size() >= max_pending_per_channel) {
      fail(close_code::policy_violation,
           "too many frames before the join reply (topic " + m.topic + ")");
      return;
    }
    ch.pending.push_back(std::move(m));
    return;
  }
  auto jr = ch.join_ref;
  app_.handle_in(m.topic, jr, m.ref, m.event, m.payload);
}

void session::join_reply(const std::string& topic, const std::string& join_ref,
                         bool ok, boost::json::object response) {
  auto i = channels_.find(topic);
  if (i != channels_.end() && i->second.join_ref == join_ref
      && i->second.joined)
    return; // answered twice: the first answer stands
  if (i == channels_.end() || i->second.join_ref != join_ref) {
    // The client left or replaced this join meanwhile.
    if (ok)
      app_.leave(topic, join_ref);
    return;
  }
  auto& ch = i->second;
  auto ref = ch.join_msg_ref;
  auto replaces = std::exchange(ch.replaces, std::nullopt);
  auto pending = std::exchange(ch.pending, {});
  if (ok)
    ch.joined = true;
  else
    channels_.erase(i);
  send(message{join_ref, ref, topic, "phx_reply",
               reply_payload(ok ? "ok" : "error", std::move(response))});
  if (replaces)
    send(
      message{replaces, replaces, topic, "phx_close", boost::json::object{}});
  // What waited for the answer runs now, in order; after an error reply
  // it meets no channel and gets "unmatched topic", as in Phoenix.
  for (auto& p : pending) {
    if (state_ != state::open)
      break;
    dispatch(std::move(p));
  }
}

void session::reply(const std::string& topic, const std::string& join_ref,
                    const std::optional<std::string>& ref,
                    std::string_view status, boost::json::object response) {
  auto i = channels_.find(topic);
  if (i == channels_.end() || !i->second.joined
      || i->second.join_ref != join_ref)
    return;
  send(message{join_ref, ref, topic, "phx_reply",
               reply_payload(status, std::move(response))});
}

void session::push(const std::string& topic, const std::string& event,
                   boost::json::object payload) {
  auto i = channels_.find(topic);
  if (i == channels_.end() || !i->second.joined)
    return;
  send(message{i->second.join_ref, std::nullopt, topic, event,
               std::move(payload)});
}

void session::channel_error(const std::string& topic,
                            std::string_view reason_text) {
  auto i = channels_.find(topic);
  if (i == channels_.end())
    return;
  auto jr = std::move(i->second.join_ref);
  channels_.erase(i);
  send(message{jr, jr, topic, "phx_error", reason(reason_text)});
}

void session::channel_close(const std::string& topic) {
  auto i = channels_.find(topic);
  if (i == channels_.end())
    return;
  auto jr = std::move(i->second.join_ref);
  channels_.erase(i);
  send(message{jr, jr, topic, "phx_close", boost::json::object{}});
}

void session::closed() {
  if (state_ == state::closed)
    return;
  state_ = state::closed;
  auto channels = std::move(channels_);
  channels_.clear();
  for (auto& [topic, ch] : channels)
    app_.leave(topic, ch.join_ref);
}

std::optional<std::string> session::joined(const std::string& topic) const {
  auto i = channels_.find(topic);
  if (i == channels_.end() || !i->second.joined)
    return std::nullopt;
  return i->second.join_ref;
}

size_t session::channel_count() const noexcept {
  return channels_.size();
}

std::string session::broadcast_frame(version v, std::string_view topic,
                                     std::string_view event,
                                     const boost::json::value& payload) {
  return encode(v, message{std::nullopt, std::nullopt, std::string{topic},
                           std::string{event}, payload});
}

void session::send(const message& m) {
  if (state_ != state::open)
    return;
  app_.send(encode(version_, m));
}

void session::reply_to(const message& m,
                       const std::optional<std::string>& join_ref,
                       std::string_view status, boost::json::object response) {
  send(message{join_ref, m.ref, m.topic, "phx_reply",
               reply_payload(status, std::move(response))});
}

} // namespace cafe::chat::channels
