#include "app/client.hpp"

#include "cafe/log.hpp"
#include "rooms/messages.hpp"
#include "rooms/names.hpp"

#include <boost/json.hpp>
#include <caf/send.hpp>

namespace cafe::chat::app {

namespace {

boost::json::object reason(std::string_view why) {
  return {{"reason", why}};
}

} // namespace

client::client(std::shared_ptr<http::client_link> link, channels::version v,
               services_ptr svc, uint64_t id)
  : link_(std::move(link)), version_(v), svc_(std::move(svc)), id_(id),
    session_(*this, v), limit_(svc_->rate_per_second, svc_->rate_burst) {
  // nop
}

// -- http::client_handler -----------------------------------------------------

void client::on_text(std::string_view frame) {
  with_session([frame](channels::session& s) { s.on_text(frame); });
}

void client::on_binary(std::string_view) {
  with_session([](channels::session& s) { s.on_binary(); });
}

void client::on_closed() {
  with_session([this](channels::session& s) {
    closed_ = true;
    s.closed();
  });
  --svc_->ctx->stats->clients;
}

// -- channels::session_callee -------------------------------------------------

bool client::serves(std::string_view topic) const {
  return rooms::room_of_topic(topic).has_value();
}

void client::join(const std::string& topic, const std::string& join_ref,
                  const boost::json::object& params) {
  auto refuse = [&](std::string why) {
    defer([topic, join_ref, why](channels::session& s) {
      s.join_reply(topic, join_ref, false, reason(why));
    });
  };
  auto user = params.if_contains("user");
  if (!user || !user->is_string())
    return refuse("nickname required");
  auto nick = rooms::check_nickname(std::string_view{user->get_string()});
  if (!nick.nickname)
    return refuse(nick.reason);
  auto room = svc_->rooms->open(std::string{*rooms::room_of_topic(topic)});
  if (!room)
    return refuse("shutting down");
  rooms_[topic] = room;
  caf::anon_send(room, rooms::join_request{shared_from_this(), join_ref,
                                           std::move(*nick.nickname)});
}

void client::leave(const std::string& topic, const std::string& join_ref) {
  // The room of a topic never changes (rooms live as long as the node), so
  // the cache keeps it; the room itself ignores a leave whose join_ref is
  // not the current one (the old channel of a duplicate join).
  caf::actor room;
  if (auto i = rooms_.find(topic); i != rooms_.end())
    room = i->second;
  else if (auto name = rooms::room_of_topic(topic))
    room = svc_->rooms->find(std::string{*name}).value_or(caf::actor{});
  if (room)
    caf::anon_send(room, rooms::leave_request{id_, join_ref});
}

void client::handle_in(const std::string& topic, const std::string& join_ref,
                       const std::optional<std::string>& ref,
                       const std::string& event,
                       const boost::json::value& payload) {
  auto answer = [&](std::string status, boost::json::object response) {
    defer([=](channels::session& s) {
      s.reply(topic, join_ref, ref, status, response);
    });
  };
  auto& stats = *svc_->ctx->stats;
  if (event != "new_msg")
    return answer("error", reason("unknown event"));
  auto obj = payload.if_object();
  auto body = obj ? obj->if_contains("body") : nullptr;
  if (!body || !body->is_string()) {
    ++stats.messages_rejected;
    return answer("error", reason("empty"));
  }
  std::string_view text{body->get_string()};
  if (auto why = rooms::check_body(text, svc_->ctx->cfg.max_body)) {
    ++stats.messages_rejected;
    return answer("error", reason(*why));
  }
  if (!limit_.try_take(rooms::rate_limit::clock::now())) {
    ++stats.messages_rejected;
    return answer("error", reason("rate limited"));
  }
  auto i = rooms_.find(topic);
  if (i == rooms_.end())
    return answer("error", reason("unmatched topic"));
  ++stats.messages_in;
  caf::anon_send(i->second, rooms::post_request{shared_from_this(), join_ref,
                                                ref, std::string{text}});
}

void client::send(std::string frame) {
  link_->send(std::make_shared<const std::string>(std::move(frame)));
}

void client::close(uint16_t code, std::string why) {
  logger().info("chat client {}: closing ({} {})", id_, code, why);
  link_->close(code, std::move(why));
}

// -- rooms::member ------------------------------------------------------------

uint64_t client::id() const noexcept {
  return id_;
}

void client::join_reply(const std::string& topic, const std::string& join_ref,
                        bool ok, boost::json::object response) {
  with_session([&](channels::session& s) {
    if (closed_) {
      // Gone before the room answered: the room must forget it again.
      if (ok)
        leave(topic, join_ref);
      return;
    }
    s.join_reply(topic, join_ref, ok, std::move(response));
  });
}

void client::reply(const std::string& topic, const std::string& join_ref,
                   const std::optional<std::string>& ref,
                   const std::string& status, boost::json::object response) {
  with_session([&](channels::session& s) {
    s.reply(topic, join_ref, ref, status, std::move(response));
  });
}

void client::push(const std::string& topic, const std::string& event,
                  boost::json::object payload) {
  with_session(
    [&](channels::session& s) { s.push(topic, event, std::move(payload)); });
}

void client::deliver(rooms::broadcast_frames& frames) {
  link_->send(frames.get(version_));
}

// -- private ------------------------------------------------------------------

void client::with_session(const std::function<void(channels::session&)>& f) {
  std::lock_guard guard{mtx_};
  f(session_);
  while (!deferred_.empty()) {
    auto next = std::move(deferred_.front());
    deferred_.erase(deferred_.begin());
    next(session_);
  }
}

void client::defer(std::function<void(channels::session&)> f) {
  deferred_.push_back(std::move(f));
}

} // namespace cafe::chat::app
