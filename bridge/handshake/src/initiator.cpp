#include "cafe/handshake/initiator.hpp"

#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/messages.hpp"
#include "cafe/handshake/node_name.hpp"
#include "cafe/handshake/status.hpp"
#include "flag_names.hpp"
#include "quote.hpp"

namespace cafe::handshake {

initiator::initiator(config cfg, std::string peer_node)
  : cfg_(std::move(cfg)), peer_(std::move(peer_node)) {
  if (!cfg_.random)
    cfg_.random = secure_random();
}

void initiator::fail(progress& out, errc reason, std::string detail) {
  step_ = step::failed;
  out.ev = failure{reason, std::move(detail)};
}

progress initiator::start() {
  progress out;
  if (step_ != step::send_name) {
    fail(out, errc::invalid_call, "start called twice");
    return out;
  }
  if (!is_node_name(cfg_.node)) {
    fail(out, errc::bad_config, "own node name " + detail::quote(cfg_.node));
    return out;
  }
  if (cfg_.creation == 0 || cfg_.cookie.empty()) {
    fail(out, errc::bad_config, "creation 0 or empty cookie");
    return out;
  }
  if (!is_node_name(peer_)) {
    fail(out, errc::bad_node_name, "peer node name " + detail::quote(peer_));
    return out;
  }
  this_flags_ = offered_flags(cfg_);
  encode(send_name_msg{this_flags_, cfg_.creation, cfg_.node}, out.output);
  step_ = step::recv_status;
  return out;
}

progress initiator::feed(std::span<const uint8_t> bytes) {
  progress out;
  switch (step_) {
    case step::send_name:
      fail(out, errc::invalid_call, "feed before start");
      return out;
    case step::done:
    case step::failed:
      fail(out, errc::invalid_call, "feed after the handshake ended");
      return out;
    default: break;
  }
  in_.append(bytes);
  return run(std::move(out));
}

progress initiator::answer_alive(bool proceed) {
  progress out;
  if (step_ != step::send_status) {
    fail(out, errc::invalid_call, "answer_alive without status alive");
    return out;
  }
  encode(status_msg{proceed ? "true" : "false"}, out.output);
  if (!proceed) {
    fail(out, errc::alive_refused, "kept the existing connection");
    return out;
  }
  step_ = step::recv_challenge;
  return run(std::move(out));
}

progress initiator::run(progress out) {
  while (std::holds_alternative<std::monostate>(out.ev)) {
    auto frame = in_.next();
    if (!frame) {
      fail(out, frame.error(), "zero-length frame");
      break;
    }
    if (!*frame)
      break;
    switch (step_) {
      case step::recv_status: on_status(out, **frame); break;
      case step::recv_challenge: on_challenge(out, **frame); break;
      case step::recv_challenge_ack: on_challenge_ack(out, **frame); break;
      default: return out;
    }
  }
  if (auto* x = std::get_if<done>(&out.ev))
    x->leftover = in_.take_rest();
  return out;
}

void initiator::on_status(progress& out, std::span<const uint8_t> frame) {
  auto msg = decode_status(frame);
  if (!msg) {
    fail(out, msg.error(), "expected status");
    return;
  }
  auto st = parse_status(msg->text);
  if (!st) {
    // Includes "named:", the answer to a NAME_ME request we never make.
    fail(out, errc::unknown_status, "status " + detail::quote(msg->text));
    return;
  }
  switch (*st) {
    case status::ok: step_ = step::recv_challenge; return;
    case status::ok_simultaneous:
      won_simultaneous_ = true;
      step_ = step::recv_challenge;
      return;
    case status::nok:
      // OTP's initiator waits to be killed by net_kernel, which is about to
      // use the acceptor's own connect instead; we just stop.
      fail(out, errc::nok, "peer's simultaneous connect wins");
      return;
    case status::not_allowed:
      fail(out, errc::not_allowed, "refused by " + peer_);
      return;
    case status::alive:
      step_ = step::send_status;
      out.ev = decide_alive{};
      return;
  }
}

void initiator::on_challenge(progress& out, std::span<const uint8_t> frame) {
  auto msg = decode_challenge(frame);
  if (!msg) {
    fail(out, msg.error(), "expected challenge");
    return;
  }
  // dist_util turns the name into an existing atom and requires the very
  // node it dialed: a relay or a renamed node is refused.
  if (msg->name != peer_) {
    fail(out, errc::name_mismatch,
         "dialed " + peer_ + ", challenge from " + detail::quote(msg->name));
    return;
  }
  peer_flags_ = distribution::expand_mandatory_25(msg->flags);
  if (auto missing = distribution::missing_flags(peer_flags_, cfg_.required)) {
    // OTP aborts silently here; only the acceptor sends not_allowed.
    fail(out, errc::missing_flags,
         peer_ + " cannot handle " + detail::flag_names(missing));
    return;
  }
  peer_creation_ = msg->creation;
  auto ours = cfg_.random();
  if (!ours) {
    fail(out, errc::no_randomness, "no challenge");
    return;
  }
  our_challenge_ = *ours;
  encode(challenge_reply_msg{our_challenge_,
                             gen_digest(msg->challenge, cfg_.cookie)},
         out.output);
  step_ = step::recv_challenge_ack;
}

void initiator::on_challenge_ack(progress& out,
                                 std::span<const uint8_t> frame) {
  auto msg = decode_challenge_ack(frame);
  if (!msg) {
    fail(out, msg.error(), "expected challenge_ack");
    return;
  }
  if (!digest_equal(gen_digest(our_challenge_, cfg_.cookie), msg->sum)) {
    fail(out, errc::bad_digest, "invalid challenge ack from " + peer_);
    return;
  }
  step_ = step::done;
  out.ev = done{peer_,          peer_flags_, this_flags_ & peer_flags_,
                peer_creation_, {},          won_simultaneous_};
}

} // namespace cafe::handshake
