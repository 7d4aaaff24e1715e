#pragma once

#include "app/services.hpp"
#include "channels/session.hpp"
#include "http/application.hpp"
#include "rooms/member.hpp"
#include "rooms/rate_limit.hpp"

#include <caf/actor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cafe::chat::app {

/// One connected chat client: the Phoenix socket (channels::session) over
/// its WebSocket link, a member of the rooms it joined. Its frames arrive
/// on the connection's strand; rooms answer from their own threads; a
/// mutex makes them take turns on the session.
class client final : public http::client_handler,
                     public channels::session_callee,
                     public rooms::member,
                     public std::enable_shared_from_this<client> {
public:
  client(std::shared_ptr<http::client_link> link, channels::version v,
         services_ptr svc, uint64_t id);

  // -- http::client_handler ---------------------------------------------------

  void on_text(std::string_view frame) override;
  void on_binary(std::string_view frame) override;
  void on_closed() override;

  // -- channels::session_callee -----------------------------------------------

  bool serves(std::string_view topic) const override;
  void join(const std::string& topic, const std::string& join_ref,
            const boost::json::object& params) override;
  void leave(const std::string& topic, const std::string& join_ref) override;
  void handle_in(const std::string& topic, const std::string& join_ref,
                 const std::optional<std::string>& ref,
                 const std::string& event,
                 const boost::json::value& payload) override;
  void send(std::string frame) override;
  void close(uint16_t code, std::string reason) override;

  // -- rooms::member ----------------------------------------------------------

  uint64_t id() const noexcept override;
  void join_reply(const std::string& topic, const std::string& join_ref,
                  bool ok, boost::json::object response) override;
  void reply(const std::string& topic, const std::string& join_ref,
             const std::optional<std::string>& ref, const std::string& status,
             boost::json::object response) override;
  void push(const std::string& topic, const std::string& event,
            boost::json::object payload) override;
  void deliver(rooms::broadcast_frames& frames) override;

private:
  /// Runs `f` on the session under the mutex, then what the session's
  /// callbacks deferred (answers given while the session was busy).
  void with_session(const std::function<void(channels::session&)>& f);

  void defer(std::function<void(channels::session&)> f);

  std::shared_ptr<http::client_link> link_;
  channels::version version_;
  services_ptr svc_;
  uint64_t id_;
  std::mutex mtx_;
  channels::session session_;
  std::vector<std::function<void(channels::session&)>> deferred_;
  /// The room actor of each topic with a channel (joined or joining).
  std::map<std::string, caf::actor, std::less<>> rooms_;
  rooms::rate_limit limit_;
  bool closed_ = false;
};

} // namespace cafe::chat::app
