#pragma once

#include "channels/frame.hpp"

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cafe::chat::channels {

/// What a socket's channels ask of the application, in the order the
/// client's frames ask for it. Called from `session` only, on the thread
/// that calls the session.
class session_callee {
public:
  virtual ~session_callee();

  /// Whether a channel serves `topic`; if not, a join or push gets
  /// Phoenix's "unmatched topic" error.
  virtual bool serves(std::string_view topic) const = 0;

  /// The client joins `topic`; `params` is the phx_join payload. Answer
  /// with `session::join_reply(topic, join_ref, ...)`, now or later.
  virtual void join(const std::string& topic, const std::string& join_ref,
                    const boost::json::object& params)
    = 0;

  /// The channel joined (or being joined) under `join_ref` ends: the client
  /// left, joined the topic again, or the socket closed. Nothing to answer.
  /// A join given up before its answer sees `leave` twice when the answer
  /// is `ok`: once when given up, once when the late answer is handed back
  /// (so an asynchronous room that adds the member on join cannot leak
  /// it). Treat `leave` as idempotent.
  virtual void leave(const std::string& topic, const std::string& join_ref) = 0;

  /// An application event on a joined channel. Answer with
  /// `session::reply` for `ref`, or not at all (Phoenix's `:noreply`).
  virtual void handle_in(const std::string& topic, const std::string& join_ref,
                         const std::optional<std::string>& ref,
                         const std::string& event,
                         const boost::json::value& payload)
    = 0;

  /// A text frame for the client.
  virtual void send(std::string frame) = 0;

  /// The client broke the protocol: close the connection with this
  /// WebSocket close code and reason (the reason is also worth a log line).
  virtual void close(uint16_t code, std::string reason) = 0;
};

/// Close codes the session asks for.
namespace close_code {
/// Not JSON, not UTF-8, or not a Phoenix frame.
inline constexpr uint16_t invalid_payload = 1007;
/// A binary frame (this server speaks JSON only).
inline constexpr uint16_t unsupported_data = 1003;
/// Too many frames for a channel whose join is not answered yet.
inline constexpr uint16_t policy_violation = 1008;
} // namespace close_code

/// The Phoenix Channels protocol of one socket (Phoenix.Socket's side),
/// without I/O: text frames in, calls on `session_callee` out. Handles
/// heartbeats, joins and their refs, duplicate joins, leaves, the
/// "unmatched topic" and "too many channels" errors, and writes replies,
/// pushes, phx_close and phx_error as the official JS client expects.
/// Not thread-safe: one caller at a time (the connection's strand).
class session {
public:
  /// Phoenix's `max_channels_per_transport` default.
  static constexpr size_t default_max_channels = 100;

  /// Frames a channel holds while its join is being answered (Phoenix's
  /// socket process handles a join before the next frame; here the answer
  /// may come later, so the frames behind it wait). One more closes the
  /// connection with `close_code::policy_violation`.
  static constexpr size_t max_pending_per_channel = 100;

  session(session_callee& app, version v,
          size_t max_channels = default_max_channels);

  version serializer() const noexcept;

  /// One text frame from the client.
  void on_text(std::string_view frame);

  /// One binary frame from the client: refused (closes the connection).
  void on_binary();

  /// The application's answer to `session_callee::join`. `ok`: the channel
  /// is joined and the client gets `{"status":"ok","response":response}`
  /// (then, if this join replaced an earlier channel on the topic, that
  /// one's phx_close with its old join_ref, as Phoenix sends it). Not ok:
  /// `{"status":"error",...}` and the channel is gone. An answer for a join
  /// the client has given up meanwhile is not sent, and an `ok` one is
  /// handed back with `session_callee::leave`.
  void join_reply(const std::string& topic, const std::string& join_ref,
                  bool ok, boost::json::object response);

  /// Answers an event: `[join_ref, ref, topic, "phx_reply", {status,
  /// response}]`; dropped when that channel is no longer current.
  void reply(const std::string& topic, const std::string& join_ref,
             const std::optional<std::string>& ref, std::string_view status,
             boost::json::object response);

  /// A push to this client on a joined topic: `[join_ref, null, topic,
  /// event, payload]`; dropped when the topic is not joined.
  void push(const std::string& topic, const std::string& event,
            boost::json::object payload);

  /// The channel failed: `phx_error` (the client rejoins) and it is gone.
  void channel_error(const std::string& topic, std::string_view reason);

  /// The channel ended for good: `phx_close` (the client does not rejoin).
  void channel_close(const std::string& topic);

  /// The transport is gone: every channel ends (`session_callee::leave`).
  void closed();

  /// The current join_ref of `topic` if it is joined (not while joining).
  std::optional<std::string> joined(const std::string& topic) const;

  size_t channel_count() const noexcept;

  /// A frame for every client on `topic` (Phoenix's fastlane):
  /// `[null, null, topic, event, payload]`. Encode once, send to many.
  static std::string broadcast_frame(version v, std::string_view topic,
                                     std::string_view event,
                                     const boost::json::value& payload);

private:
  struct channel {
    std::string join_ref;
    /// The phx_join's own ref, echoed in the join reply.
    std::optional<std::string> join_msg_ref;
    bool joined = false;
    /// The join_ref of the channel this join replaces (a duplicate join),
    /// closed once this one is answered.
    std::optional<std::string> replaces;
    /// Frames for this channel that arrived while joining, in order.
    std::vector<message> pending;
  };

  enum class state {
    open,
    /// The session asked the callee to close: input is ignored.
    closing,
    /// The transport is gone (`closed()`).
    closed,
  };

  void dispatch(message m);
  void handle_join(message m);
  void handle_leave(message m);
  void handle_event(message m);
  void fail(uint16_t code, std::string reason);
  void send(const message& m);
  void reply_to(const message& m, const std::optional<std::string>& join_ref,
                std::string_view status, boost::json::object response);

  session_callee& app_;
  version version_;
  size_t max_channels_;
  std::map<std::string, channel, std::less<>> channels_;
  state state_ = state::open;
};

} // namespace cafe::chat::channels
