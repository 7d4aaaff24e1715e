#include "cafe/distribution/check_nodes.hpp"
#include "cafe/distribution/control_message.hpp"
#include "cafe/etf/print.hpp"
#include "samples.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>
#include <type_traits>

using namespace cafe;
using namespace cafe::distribution;
using namespace cafe::etf::literals;
using cafe::distribution::test::all_samples;

namespace {

// Arities of the control tuples, straight from the cases of OTP's
// erts_net_message (dist.c), independent of the inspect() lists.
const std::map<operation, size_t> otp_arity = {
  {operation::link, 3},
  {operation::send, 3},
  {operation::exit, 4},
  {operation::unlink, 3},
  {operation::node_link, 1},
  {operation::reg_send, 4},
  {operation::group_leader, 3},
  {operation::exit2, 4},
  {operation::send_tt, 4},
  {operation::exit_tt, 5},
  {operation::reg_send_tt, 5},
  {operation::exit2_tt, 5},
  {operation::monitor_p, 4},
  {operation::demonitor_p, 4},
  {operation::monitor_p_exit, 5},
  {operation::send_sender, 3},
  {operation::send_sender_tt, 4},
  {operation::payload_exit, 3},
  {operation::payload_exit_tt, 4},
  {operation::payload_exit2, 3},
  {operation::payload_exit2_tt, 4},
  {operation::payload_monitor_p_exit, 4},
  {operation::spawn_request, 6},
  {operation::spawn_request_tt, 7},
  {operation::spawn_reply, 5},
  {operation::spawn_reply_tt, 6},
  {operation::alias_send, 3},
  {operation::alias_send_tt, 4},
  {operation::unlink_id, 4},
  {operation::unlink_id_ack, 4},
};

const control_policy permissive{true, true};

etf::tuple& as_tuple(etf::term& x) {
  return *x.get_if<etf::tuple>();
}

/// Records, per inspected field, whether OTP leaves it unchecked.
struct untyped_recorder {
  std::vector<bool> untyped{false}; // position 1: the operation
  template <class... Ts>
  void operator()(Ts&...) {
    (untyped.push_back(std::is_same_v<Ts, etf::term>), ...);
  }
};

/// Which tuple positions (0-based) hold fields OTP does not type-check.
std::vector<bool> untyped_positions(const control_message& x) {
  untyped_recorder f;
  std::visit(
    [&f](const auto& msg) {
      using T = std::decay_t<decltype(msg)>;
      inspect(f, const_cast<T&>(msg));
    },
    x);
  // SPAWN_REQUEST's option list must at least be a proper list.
  auto op = op_of(x);
  if (op == operation::spawn_request || op == operation::spawn_request_tt)
    f.untyped[5] = false;
  return f.untyped;
}

error reject(etf::term x, const control_policy& policy = {}) {
  auto res = from_term(std::move(x), policy);
  EXPECT_FALSE(res.has_value());
  if (res)
    return error{};
  return res.error();
}

} // namespace

TEST(control_message, every_operation_round_trips) {
  std::set<operation> seen;
  for (auto& s : all_samples()) {
    auto op = op_of(s.control);
    seen.insert(op);
    SCOPED_TRACE(std::string{to_string(op)});
    auto x = to_term(s.control);
    auto& tup = as_tuple(x);
    EXPECT_EQ(tup.size(), otp_arity.at(op));
    EXPECT_EQ(tup.elements[0], etf::term{static_cast<int>(op)});
    auto back = from_term(x, permissive);
    ASSERT_TRUE(back) << to_string(back.error());
    EXPECT_EQ(*back, s.control);
    EXPECT_EQ(has_payload(s.control), s.payload.has_value());
  }
  EXPECT_EQ(seen.size(), otp_arity.size());
}

TEST(control_message, payload_operations_match_the_protocol) {
  for (auto [op, arity] : otp_arity) {
    auto n = static_cast<int>(op);
    // SEND*, REG_SEND*, PAYLOAD_*, SPAWN_REQUEST*, ALIAS_SEND*.
    bool expected = n == 2 || n == 6 || n == 12 || n == 16 || n == 22 || n == 23
                    || (n >= 24 && n <= 30) || n == 33 || n == 34;
    EXPECT_EQ(has_payload(op), expected) << to_string(op);
  }
}

TEST(control_message, wire_forms_match_otp) {
  auto x = to_term(send{etf::atom{}, test::make_pid(test::local_node(), 1)});
  EXPECT_EQ(as_tuple(x).elements[1], etf::term{etf::atom{}});
  auto y = to_term(unlink_id{0xFFFFFFFFFFFFFFFFull,
                             test::make_pid(test::peer_node(), 1),
                             test::make_pid(test::local_node(), 2)});
  EXPECT_EQ(as_tuple(y).elements[1],
            etf::term::from_uint64(0xFFFFFFFFFFFFFFFFull));
  auto z = to_term(spawn_request{test::make_ref(test::peer_node(), 1),
                                 test::make_pid(test::peer_node(), 1),
                                 test::make_pid(test::peer_node(), 2),
                                 mfa{"m"_atom, "f"_atom, 2}, etf::make_list()});
  EXPECT_EQ(as_tuple(z).elements[4], etf::make_tuple("m"_atom, "f"_atom, 2));
}

TEST(control_message, rejects_what_is_not_an_operation_tuple) {
  EXPECT_EQ(reject("link"_atom).reason, "not a non-empty tuple");
  EXPECT_EQ(reject(etf::make_tuple()).reason, "not a non-empty tuple");
  EXPECT_EQ(reject(etf::make_tuple("link"_atom)).reason,
            "operation is not a small integer");
  EXPECT_EQ(reject(etf::make_tuple(1.0)).reason,
            "operation is not a small integer");
  // Above OTP's fixnum range: a bignum to the BEAM.
  EXPECT_EQ(reject(etf::make_tuple(int64_t{1} << 60)).reason,
            "operation is not a small integer");
  for (int op : {0, -1, 9, 10, 11, 14, 15, 17, 37, 38, 255, 256})
    EXPECT_EQ(reject(etf::make_tuple(op)).reason, "unknown operation") << op;
}

TEST(control_message, rejects_wrong_arity) {
  for (auto& s : all_samples()) {
    auto op = op_of(s.control);
    SCOPED_TRACE(std::string{to_string(op)});
    auto longer = to_term(s.control);
    as_tuple(longer).elements.push_back("extra"_atom);
    auto err = reject(longer, permissive);
    EXPECT_EQ(err.code, errc::invalid_message);
    EXPECT_EQ(err.reason, "wrong arity");
    EXPECT_EQ(err.op, static_cast<uint8_t>(op));
    auto shorter = to_term(s.control);
    if (as_tuple(shorter).size() > 1) {
      as_tuple(shorter).elements.pop_back();
      EXPECT_EQ(reject(shorter, permissive).reason, "wrong arity");
    }
  }
}

TEST(control_message, rejects_wrong_field_types) {
  for (auto& s : all_samples()) {
    auto op = op_of(s.control);
    SCOPED_TRACE(std::string{to_string(op)});
    auto untyped = untyped_positions(s.control);
    auto x = to_term(s.control);
    for (size_t i = 1; i < as_tuple(x).size(); ++i) {
      auto y = x;
      as_tuple(y).elements[i] = etf::make_tuple(); // a type nobody expects
      auto res = from_term(y, permissive);
      if (untyped[i]) {
        EXPECT_TRUE(res) << "element " << i + 1;
      } else {
        ASSERT_FALSE(res) << "element " << i + 1;
        EXPECT_EQ(res.error().code, errc::invalid_message);
        EXPECT_EQ(res.error().element, i + 1);
        EXPECT_FALSE(res.error().reason.empty());
      }
    }
  }
}

TEST(control_message, rejects_values_otp_rejects) {
  auto peer = test::make_pid(test::peer_node(), 1);
  auto local = test::make_pid(test::local_node(), 2);
  auto ref = test::make_ref(test::local_node(), 3);
  // SEND to a list of pids is OTP 28's MULTISEND, never negotiated by cafe.
  EXPECT_EQ(
    reject(etf::make_tuple(2, etf::atom{}, etf::make_list(local))).reason,
    "not a pid");
  EXPECT_EQ(reject(etf::make_tuple(6, peer, etf::atom{}, "x"_bin)).reason,
            "not an atom");
  EXPECT_EQ(reject(etf::make_tuple(19, peer, etf::make_tuple(), ref)).reason,
            "neither a pid nor an atom");
  EXPECT_EQ(reject(etf::make_tuple(33, peer, local)).reason, "not a reference");
  // UNLINK_ID: Id 0, negative, or beyond 64 bits.
  EXPECT_EQ(reject(etf::make_tuple(35, 0, peer, local)).reason,
            "UNLINK_ID with Id 0");
  EXPECT_EQ(reject(etf::make_tuple(35, -1, peer, local)).element, 2);
  etf::big_integer two_to_64;
  two_to_64.magnitude = {0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(reject(etf::make_tuple(35, two_to_64, peer, local)).element, 2);
  EXPECT_TRUE(from_term(etf::make_tuple(36, 0, peer, local)));
  // SPAWN_REQUEST: the MFA and the option list.
  auto spawn = [&](etf::term mfa_term, etf::term opts) {
    return etf::make_tuple(29, ref, peer, peer, std::move(mfa_term),
                           std::move(opts));
  };
  EXPECT_TRUE(
    from_term(spawn(etf::make_tuple("m"_atom, "f"_atom, 0), etf::make_list())));
  EXPECT_FALSE(
    from_term(spawn(etf::make_tuple("m"_atom, "f"_atom), etf::make_list())));
  EXPECT_FALSE(
    from_term(spawn(etf::make_tuple("m"_bin, "f"_atom, 0), etf::make_list())));
  EXPECT_FALSE(from_term(
    spawn(etf::make_tuple("m"_atom, "f"_atom, 1.0), etf::make_list())));
  EXPECT_FALSE(from_term(spawn(
    etf::make_tuple("m"_atom, "f"_atom, int64_t{1} << 59), etf::make_list())));
  EXPECT_EQ(reject(spawn(etf::make_tuple("m"_atom, "f"_atom, 0),
                         etf::term{etf::list{{"link"_atom}, "monitor"_atom}}))
              .reason,
            "options are not a proper list");
  // Unknown options are the spawning side's business (badopt reply).
  EXPECT_TRUE(from_term(spawn(etf::make_tuple("m"_atom, "f"_atom, 0),
                              etf::make_list("bogus"_atom))));
  // SPAWN_REPLY flags: 0..2^27-1.
  auto reply = [&](etf::term flags) {
    return etf::make_tuple(31, ref, local, std::move(flags), peer);
  };
  EXPECT_TRUE(from_term(reply((1 << 27) - 1)));
  EXPECT_FALSE(from_term(reply(1 << 27)));
  EXPECT_FALSE(from_term(reply(-1)));
  EXPECT_FALSE(from_term(reply("link"_atom)));
  EXPECT_EQ(reject(etf::make_tuple(31, ref, local, 0, "x"_bin)).reason,
            "neither a pid nor an atom");
}

TEST(control_message, policy_for_obsolete_operations) {
  auto peer = test::make_pid(test::peer_node(), 1);
  auto local = test::make_pid(test::local_node(), 2);
  // OTP 25 accepts the old UNLINK, OTP 26+ do not.
  EXPECT_TRUE(from_term(etf::make_tuple(4, peer, local)));
  control_policy otp26;
  otp26.accept_unlink = false;
  EXPECT_EQ(reject(etf::make_tuple(4, peer, local), otp26).op, 4);
  // No OTP 25-27 accepts NODE_LINK.
  EXPECT_EQ(reject(etf::make_tuple(5)).reason, "NODE_LINK is obsolete");
  EXPECT_TRUE(from_term(etf::make_tuple(5), permissive));
}

TEST(control_message, errors_render_with_their_context) {
  auto err = reject(
    etf::make_tuple(1, "x"_atom, test::make_pid(test::local_node(), 1)));
  EXPECT_EQ(to_string(err), "invalid_message: LINK element 2: not a pid");
}

TEST(check_nodes, accepts_messages_addressed_as_otp_requires) {
  for (auto& s : all_samples()) {
    auto ok = check_nodes(s.control, test::peer_node(), test::local_node());
    EXPECT_TRUE(ok) << to_string(op_of(s.control)) << ": "
                    << to_string(ok.error());
  }
}

TEST(check_nodes, rejects_foreign_senders_and_targets) {
  auto peer = test::make_pid(test::peer_node(), 1);
  auto local = test::make_pid(test::local_node(), 2);
  auto other = test::make_pid(etf::atom{"other@host"}, 3);
  auto check = [](const control_message& x) {
    return check_nodes(x, test::peer_node(), test::local_node());
  };
  auto ref = test::make_ref(test::local_node(), 3);
  // From must be the peer's: a third node cannot link through this one.
  EXPECT_EQ(check(distribution::link{other, local}).error().element, 2);
  EXPECT_EQ(check(unlink_id{1, other, local}).error().element, 3);
  EXPECT_EQ(check(payload_exit2{local, local}).error().element, 2);
  EXPECT_EQ(check(monitor_p{other, local, ref}).error().element, 2);
  // Targets must be ours.
  EXPECT_EQ(check(distribution::exit{peer, peer, "x"_atom}).error().element, 3);
  EXPECT_EQ(check(demonitor_p{peer, other, ref}).error().element, 3);
  EXPECT_EQ(check(monitor_p_exit{other, peer, ref, "x"_atom}).error().element,
            3);
  EXPECT_EQ(check(spawn_reply{test::make_ref(test::peer_node(), 1), local,
                              spawn_flags{}, peer})
              .error()
              .element,
            2);
  // A registered name needs no node check; sends have none in OTP.
  EXPECT_TRUE(check(monitor_p{peer, "rex"_atom, ref}));
  EXPECT_TRUE(check(monitor_p_exit{other, local, ref, "x"_atom}));
  EXPECT_TRUE(check(reg_send{other, etf::atom{}, "rex"_atom}));
  EXPECT_TRUE(check(send_sender{other, other}));
  EXPECT_TRUE(check(group_leader{other, other}));
  // An old incarnation of this node (other creation) passes: OTP drops
  // such signals quietly instead of dropping the connection.
  EXPECT_TRUE(
    check(distribution::link{peer, test::make_pid(test::local_node(), 2, 99)}));
}
