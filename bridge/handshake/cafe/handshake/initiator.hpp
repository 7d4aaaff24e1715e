#pragma once

#include "cafe/handshake/config.hpp"
#include "cafe/handshake/frame_reader.hpp"
#include "cafe/handshake/progress.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace cafe::handshake {

/// The connecting side of the v6 handshake (dist_util
/// `handshake_we_started`), sans-I/O. Steps, named as in dist_util:
/// send_name -> recv_status -> recv_challenge -> send_challenge_reply ->
/// recv_challenge_ack. The caller writes every `progress::output`, feeds
/// every byte it reads and acts on `progress::ev`.
class initiator {
public:
  enum class step : uint8_t {
    send_name,
    recv_status,
    /// Waiting for `answer_alive` after status `alive`.
    send_status,
    recv_challenge,
    recv_challenge_ack,
    done,
    failed,
  };

  /// `peer_node` is the full name we dial; the challenge must carry
  /// exactly this name.
  initiator(config cfg, std::string peer_node);

  step current() const noexcept {
    return step_;
  }

  /// Produces send_name. Fails on an unusable config or peer name.
  progress start();

  /// Feeds bytes read from the peer.
  progress feed(std::span<const uint8_t> bytes);

  /// Answers status `alive`: true continues, false ends the handshake.
  progress answer_alive(bool proceed);

private:
  progress run(progress out);
  void fail(progress& out, errc reason, std::string detail);
  void on_status(progress& out, std::span<const uint8_t> frame);
  void on_challenge(progress& out, std::span<const uint8_t> frame);
  void on_challenge_ack(progress& out, std::span<const uint8_t> frame);

  config cfg_;
  std::string peer_;
  step step_ = step::send_name;
  frame_reader in_;
  distribution::flags_t this_flags_ = 0;
  distribution::flags_t peer_flags_ = 0;
  uint32_t peer_creation_ = 0;
  uint32_t our_challenge_ = 0;
  bool won_simultaneous_ = false;
};

} // namespace cafe::handshake
