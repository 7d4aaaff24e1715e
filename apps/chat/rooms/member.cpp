#include "rooms/member.hpp"

#include "channels/session.hpp"

namespace cafe::chat::rooms {

member::~member() {
  // nop
}

broadcast_frames::broadcast_frames(std::string topic, std::string event,
                                   boost::json::value payload)
  : topic_(std::move(topic)), event_(std::move(event)),
    payload_(std::move(payload)) {
  // nop
}

const std::shared_ptr<const std::string>&
broadcast_frames::get(channels::version v) {
  auto& slot = v == channels::version::v1 ? v1_ : v2_;
  if (!slot)
    slot = std::make_shared<const std::string>(
      channels::session::broadcast_frame(v, topic_, event_, payload_));
  return slot;
}

} // namespace cafe::chat::rooms
