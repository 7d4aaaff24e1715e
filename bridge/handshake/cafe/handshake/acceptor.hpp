#pragma once

#include "cafe/handshake/config.hpp"
#include "cafe/handshake/frame_reader.hpp"
#include "cafe/handshake/progress.hpp"
#include "cafe/handshake/status.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace cafe::handshake {

/// The accepting side of the v6 handshake (dist_util
/// `handshake_other_started`), sans-I/O. Steps, named as in dist_util:
/// recv_name -> send_status -> send_challenge -> recv_challenge_reply ->
/// send_challenge_ack. Each send step happens inside the call that
/// completes the step before it; the machine stops at send_status for the
/// caller's verdict (`decide_status`). Like OTP 25.3, the old 'n' send_name
/// is accepted and its 'c' complement expected after the challenge; we
/// never send either.
class acceptor {
public:
  enum class step : uint8_t {
    recv_name,
    /// Waiting for `decide`.
    send_status,
    /// Waiting for "strue"/"sfalse" after status `alive`.
    recv_status_reply,
    /// Old 'n' peers only.
    recv_complement,
    recv_challenge_reply,
    /// Waiting for `pending_done`.
    wait_pending,
    done,
    failed,
  };

  explicit acceptor(config cfg);

  step current() const noexcept {
    return step_;
  }

  /// Feeds bytes read from the peer.
  progress feed(std::span<const uint8_t> bytes);

  /// The caller's verdict at send_status. `ok` and `ok_simultaneous` send
  /// the challenge; `nok` and `not_allowed` end the handshake after sending
  /// the status; `alive` asks the peer whether to replace the connection.
  progress decide(status verdict);

  /// The replaced connection is gone: sends the challenge ack.
  progress pending_done();

private:
  progress run(progress out);
  void fail(progress& out, errc reason, std::string detail);
  void send_challenge(progress& out);
  void on_name(progress& out, std::span<const uint8_t> frame);
  void on_status_reply(progress& out, std::span<const uint8_t> frame);
  void on_complement(progress& out, std::span<const uint8_t> frame);
  void on_challenge_reply(progress& out, std::span<const uint8_t> frame);
  void send_ack(progress& out);
  distribution::flags_t required_now() const noexcept;

  config cfg_;
  step step_ = step::recv_name;
  frame_reader in_;
  distribution::flags_t this_flags_ = 0;
  distribution::flags_t peer_flags_ = 0;
  uint32_t peer_creation_ = 0;
  std::string peer_;
  bool old_form_ = false;
  bool replacing_ = false;
  uint32_t our_challenge_ = 0;
  uint32_t peer_challenge_ = 0;
};

} // namespace cafe::handshake
