#pragma once

#include "channels/session.hpp"

#include <boost/json/serialize.hpp>
#include <functional>
#include <string>
#include <vector>

namespace cafe::chat::channels::test {

/// A session_callee that writes every call as one line, in order:
///   send <frame>
///   join <topic> <join_ref> <params json>
///   leave <topic> <join_ref>
///   in <topic> <join_ref> <ref|null> <event> <payload json>
///   close <code> <reason>
/// It serves topics starting with "room:". `on_join` / `on_in`, when set,
/// run inside the call (to answer synchronously, as an app may).
class recording_callee : public session_callee {
public:
  std::vector<std::string> calls;
  std::function<void(const std::string&, const std::string&)> on_join;
  std::function<void(const std::string&, const std::string&,
                     const std::optional<std::string>&)>
    on_in;

  bool serves(std::string_view topic) const override {
    return topic.starts_with("room:");
  }

  void join(const std::string& topic, const std::string& join_ref,
            const boost::json::object& params) override {
    calls.push_back("join " + topic + " " + join_ref + " "
                    + boost::json::serialize(params));
    if (on_join)
      on_join(topic, join_ref);
  }

  void leave(const std::string& topic, const std::string& join_ref) override {
    calls.push_back("leave " + topic + " " + join_ref);
  }

  void handle_in(const std::string& topic, const std::string& join_ref,
                 const std::optional<std::string>& ref,
                 const std::string& event,
                 const boost::json::value& payload) override {
    calls.push_back("in " + topic + " " + join_ref + " " + ref.value_or("null")
                    + " " + event + " " + boost::json::serialize(payload));
    if (on_in)
      on_in(topic, join_ref, ref);
  }

  void send(std::string frame) override {
    calls.push_back("send " + frame);
  }

  void close(uint16_t code, std::string reason) override {
    calls.push_back("close " + std::to_string(code) + " " + reason);
  }

  /// The calls so far, then forgets them.
  std::vector<std::string> take() {
    return std::exchange(calls, {});
  }
};

} // namespace cafe::chat::channels::test
