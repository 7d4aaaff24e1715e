#include "cafe/handshake/acceptor.hpp"

#include "cafe/handshake/digest.hpp"
#include "cafe/handshake/messages.hpp"
#include "cafe/handshake/node_name.hpp"
#include "flag_names.hpp"
#include "quote.hpp"

namespace cafe::handshake {

namespace {

constexpr distribution::flags_t low_half = 0xFFFFFFFF;

} // namespace

acceptor::acceptor(config cfg) : cfg_(std::move(cfg)) {
  if (!cfg_.random)
    cfg_.random = secure_random();
  this_flags_ = offered_flags(cfg_);
}

void acceptor::fail(progress& out, errc reason, std::string detail) {
  step_ = step::failed;
  out.ev = failure{reason, std::move(detail)};
}

distribution::flags_t acceptor::required_now() const noexcept {
  // An old 'n' peer has told us only the low half of its flags until the
  // complement arrives (dist_util checks twice for the same reason).
  return old_form_ && step_ == step::recv_name ? cfg_.required & low_half
                                               : cfg_.required;
}

progress acceptor::feed(std::span<const uint8_t> bytes) {
  progress out;
  if (step_ == step::done || step_ == step::failed) {
    fail(out, errc::invalid_call, "feed after the handshake ended");
    return out;
  }
  in_.append(bytes);
  return run(std::move(out));
}

progress acceptor::decide(status verdict) {
  progress out;
  if (step_ != step::send_status) {
    fail(out, errc::invalid_call, "decide outside send_status");
    return out;
  }
  switch (verdict) {
    case status::ok:
    case status::ok_simultaneous: {
      // Draw the challenge first: without randomness nothing is sent.
      auto ours = cfg_.random();
      if (!ours) {
        fail(out, errc::no_randomness, "no challenge");
        return out;
      }
      our_challenge_ = *ours;
      encode(status_msg{std::string{to_string(verdict)}}, out.output);
      send_challenge(out);
      break;
    }
    case status::nok:
      encode(status_msg{"nok"}, out.output);
      fail(out, errc::nok, "our own connect to " + peer_ + " wins");
      return out;
    case status::not_allowed:
      encode(status_msg{"not_allowed"}, out.output);
      fail(out, errc::not_allowed, "refused " + peer_);
      return out;
    case status::alive:
      encode(status_msg{"alive"}, out.output);
      step_ = step::recv_status_reply;
      break;
  }
  return run(std::move(out));
}

progress acceptor::pending_done() {
  progress out;
  if (step_ != step::wait_pending) {
    fail(out, errc::invalid_call, "pending_done outside wait_pending");
    return out;
  }
  send_ack(out);
  // Nothing can follow the reply before our ack, but hand back whatever
  // arrived in the meantime all the same.
  if (auto* x = std::get_if<done>(&out.ev))
    x->leftover = in_.take_rest();
  return out;
}

void acceptor::send_challenge(progress& out) {
  encode(challenge_msg{this_flags_, our_challenge_, cfg_.creation, cfg_.node},
         out.output);
  step_ = old_form_ ? step::recv_complement : step::recv_challenge_reply;
}

progress acceptor::run(progress out) {
  while (std::holds_alternative<std::monostate>(out.ev)) {
    auto frame = in_.next();
    if (!frame) {
      fail(out, frame.error(), "zero-length frame");
      break;
    }
    if (!*frame)
      break;
    switch (step_) {
      case step::recv_name: on_name(out, **frame); break;
      case step::recv_status_reply: on_status_reply(out, **frame); break;
      case step::recv_complement: on_complement(out, **frame); break;
      case step::recv_challenge_reply: on_challenge_reply(out, **frame); break;
      default: return out; // waiting for the caller
    }
  }
  if (auto* x = std::get_if<done>(&out.ev))
    x->leftover = in_.take_rest();
  return out;
}

void acceptor::on_name(progress& out, std::span<const uint8_t> frame) {
  if (!is_node_name(cfg_.node) || cfg_.creation == 0 || cfg_.cookie.empty()) {
    fail(out, errc::bad_config, "own node name, creation or cookie");
    return;
  }
  if (frame.empty() || (frame[0] != tag::name && frame[0] != tag::old_name)) {
    fail(out, errc::unexpected_message, "expected send_name");
    return;
  }
  distribution::flags_t flags = 0;
  if (frame[0] == tag::name) {
    auto msg = decode_send_name(frame);
    if (!msg) {
      fail(out, msg.error(), "send_name");
      return;
    }
    flags = msg->flags;
    peer_creation_ = msg->creation;
    peer_ = std::move(msg->name);
  } else {
    auto msg = decode_old_send_name(frame);
    if (!msg) {
      fail(out, msg.error(), "old send_name");
      return;
    }
    old_form_ = true;
    flags = msg->flags;
    peer_ = std::move(msg->name);
  }
  if ((flags & distribution::flag::name_me) != 0) {
    encode(status_msg{"not_allowed"}, out.output);
    fail(out, errc::name_me_unsupported,
         "dynamic name requested by host " + detail::quote(peer_));
    return;
  }
  // OTP closes without a status on a malformed name.
  if (!is_node_name(peer_)) {
    fail(out, errc::bad_node_name, "peer node name " + detail::quote(peer_));
    return;
  }
  peer_flags_ = distribution::expand_mandatory_25(flags);
  if (auto missing = distribution::missing_flags(peer_flags_, required_now())) {
    encode(status_msg{"not_allowed"}, out.output);
    fail(out, errc::missing_flags,
         peer_ + " cannot handle " + detail::flag_names(missing));
    return;
  }
  step_ = step::send_status;
  out.ev = decide_status{peer_, flags, peer_creation_, old_form_};
}

void acceptor::on_status_reply(progress& out, std::span<const uint8_t> frame) {
  auto msg = decode_status(frame);
  if (!msg) {
    fail(out, msg.error(), "expected status reply");
    return;
  }
  if (msg->text == "false") {
    fail(out, errc::alive_refused, peer_ + " keeps its existing connection");
    return;
  }
  if (msg->text != "true") {
    fail(out, errc::unknown_status, "status reply " + detail::quote(msg->text));
    return;
  }
  auto ours = cfg_.random();
  if (!ours) {
    fail(out, errc::no_randomness, "no challenge");
    return;
  }
  our_challenge_ = *ours;
  replacing_ = true;
  send_challenge(out);
}

void acceptor::on_complement(progress& out, std::span<const uint8_t> frame) {
  auto msg = decode_complement(frame);
  if (!msg) {
    fail(out, msg.error(), "expected complement");
    return;
  }
  peer_flags_ |= distribution::flags_t{msg->flags_high} << 32;
  peer_creation_ = msg->creation;
  step_ = step::recv_challenge_reply;
  if (auto missing = distribution::missing_flags(peer_flags_, required_now())) {
    // dist_util checks again and, being the acceptor, sends not_allowed
    // even this late.
    encode(status_msg{"not_allowed"}, out.output);
    fail(out, errc::missing_flags,
         peer_ + " cannot handle " + detail::flag_names(missing));
  }
}

void acceptor::on_challenge_reply(progress& out,
                                  std::span<const uint8_t> frame) {
  auto msg = decode_challenge_reply(frame);
  if (!msg) {
    fail(out, msg.error(), "expected challenge_reply");
    return;
  }
  if (!digest_equal(gen_digest(our_challenge_, cfg_.cookie), msg->sum)) {
    fail(out, errc::bad_digest, "invalid challenge reply from " + peer_);
    return;
  }
  peer_challenge_ = msg->challenge;
  if (replacing_) {
    step_ = step::wait_pending;
    out.ev = wait_pending{};
    return;
  }
  send_ack(out);
}

void acceptor::send_ack(progress& out) {
  encode(challenge_ack_msg{gen_digest(peer_challenge_, cfg_.cookie)},
         out.output);
  step_ = step::done;
  out.ev
    = done{peer_, peer_flags_, this_flags_ & peer_flags_, peer_creation_, {}};
}

} // namespace cafe::handshake
