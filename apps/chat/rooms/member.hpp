#pragma once

#include "channels/frame.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cafe::chat::rooms {

/// A frame for every member of a room, encoded once per serializer the
/// first time a member of that version asks. Used by one thread at a time
/// (the room's).
class broadcast_frames {
public:
  broadcast_frames(std::string topic, std::string event,
                   boost::json::value payload);

  const std::shared_ptr<const std::string>& get(channels::version v);

private:
  std::string topic_;
  std::string event_;
  boost::json::value payload_;
  std::shared_ptr<const std::string> v1_;
  std::shared_ptr<const std::string> v2_;
};

/// A connected client, as rooms see it. The room calls these from its own
/// thread; they hand the work to the client's connection and never block.
class member {
public:
  virtual ~member();

  /// Unique among this node's clients.
  virtual uint64_t id() const noexcept = 0;

  /// Answers the join `join_ref` of `topic`.
  virtual void join_reply(const std::string& topic, const std::string& join_ref,
                          bool ok, boost::json::object response)
    = 0;

  /// Answers the event `ref` sent on the channel `join_ref`.
  virtual void reply(const std::string& topic, const std::string& join_ref,
                     const std::optional<std::string>& ref,
                     const std::string& status, boost::json::object response)
    = 0;

  /// A push to this client alone on `topic` (with its join_ref).
  virtual void push(const std::string& topic, const std::string& event,
                    boost::json::object payload)
    = 0;

  /// A frame meant for every client of a room.
  virtual void deliver(broadcast_frames& frames) = 0;
};

using member_ptr = std::shared_ptr<member>;

} // namespace cafe::chat::rooms
