#pragma once

#include "cafe/distribution/error.hpp"
#include "cafe/distribution/operation.hpp"
#include "cafe/etf/term.hpp"

#include <cstdint>
#include <variant>

namespace cafe::distribution {

// One plain struct per control operation, fields in tuple order after the
// operation number. Each has a free `inspect` listing its fields, which the
// term conversion and the wire encoder share so they cannot disagree.
//
// Field types follow what OTP's `erts_net_message` checks: a field OTP
// requires to be a pid is an `etf::pid`, one it requires to be a reference
// an `etf::reference`, one it never looks at (reasons, trace tokens, the
// unused cookie) an `etf::term`, kept as received. Three fields are typed
// more strictly than OTP checks them, because every OTP sender puts a pid
// there and a typed field serves the router: LINK's To (OTP answers a
// non-pid with EXIT noproc), and the From of SEND_SENDER(_TT) and
// ALIAS_SEND(_TT) (unchecked by OTP).
//
// POSIX declares `link`, `unlink`, `send` and `exit` in the global
// namespace: outside namespace cafe::distribution, write `distribution::link`
// etc.

/// A process named by pid or by registered name: the target of MONITOR_P and
/// DEMONITOR_P, the source of MONITOR_P_EXIT, the result of SPAWN_REPLY (a
/// pid on success, an error atom otherwise).
using pid_or_name = std::variant<etf::pid, etf::atom>;

/// `{Module, Function, Arity}` of SPAWN_REQUEST. OTP only requires Arity to
/// be a small integer.
struct mfa {
  etf::atom module;
  etf::atom function;
  int64_t arity = 0;

  friend bool operator==(const mfa&, const mfa&) = default;
};

/// SPAWN_REPLY's Flags. OTP rejects values outside 0..2^27-1.
struct spawn_flags {
  static constexpr uint32_t link = 0x1;
  static constexpr uint32_t monitor = 0x2;
  static constexpr uint32_t limit = uint32_t{1} << 27;

  uint32_t bits = 0;

  friend bool operator==(const spawn_flags&, const spawn_flags&) = default;
};

/// {1, FromPid, ToPid}
struct link {
  static constexpr operation op = operation::link;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const link&, const link&) = default;
};

/// {2, Unused, ToPid} + Message. OTP writes '' as Unused.
struct send {
  static constexpr operation op = operation::send;
  etf::term unused = etf::atom{};
  etf::pid to;
  friend bool operator==(const send&, const send&) = default;
};

/// {3, FromPid, ToPid, Reason}
struct exit {
  static constexpr operation op = operation::exit;
  etf::pid from;
  etf::pid to;
  etf::term reason;
  friend bool operator==(const exit&, const exit&) = default;
};

/// {4, FromPid, ToPid}: the old unlink, replaced by UNLINK_ID.
struct unlink {
  static constexpr operation op = operation::unlink;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const unlink&, const unlink&) = default;
};

/// {5}: ancient, never sent by OTP 25-27 and rejected by them.
struct node_link {
  static constexpr operation op = operation::node_link;
  friend bool operator==(const node_link&, const node_link&) = default;
};

/// {6, FromPid, Unused, ToName} + Message.
struct reg_send {
  static constexpr operation op = operation::reg_send;
  etf::pid from;
  etf::term unused = etf::atom{};
  etf::atom to_name;
  friend bool operator==(const reg_send&, const reg_send&) = default;
};

/// {7, FromPid, ToPid}: makes FromPid the group leader of ToPid.
struct group_leader {
  static constexpr operation op = operation::group_leader;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const group_leader&, const group_leader&) = default;
};

/// {8, FromPid, ToPid, Reason}: erlang:exit/2.
struct exit2 {
  static constexpr operation op = operation::exit2;
  etf::pid from;
  etf::pid to;
  etf::term reason;
  friend bool operator==(const exit2&, const exit2&) = default;
};

/// {12, Unused, ToPid, TraceToken} + Message.
struct send_tt {
  static constexpr operation op = operation::send_tt;
  etf::term unused = etf::atom{};
  etf::pid to;
  etf::term token;
  friend bool operator==(const send_tt&, const send_tt&) = default;
};

/// {13, FromPid, ToPid, TraceToken, Reason}
struct exit_tt {
  static constexpr operation op = operation::exit_tt;
  etf::pid from;
  etf::pid to;
  etf::term token;
  etf::term reason;
  friend bool operator==(const exit_tt&, const exit_tt&) = default;
};

/// {16, FromPid, Unused, ToName, TraceToken} + Message.
struct reg_send_tt {
  static constexpr operation op = operation::reg_send_tt;
  etf::pid from;
  etf::term unused = etf::atom{};
  etf::atom to_name;
  etf::term token;
  friend bool operator==(const reg_send_tt&, const reg_send_tt&) = default;
};

/// {18, FromPid, ToPid, TraceToken, Reason}
struct exit2_tt {
  static constexpr operation op = operation::exit2_tt;
  etf::pid from;
  etf::pid to;
  etf::term token;
  etf::term reason;
  friend bool operator==(const exit2_tt&, const exit2_tt&) = default;
};

/// {19, FromPid, ToProc, Ref}
struct monitor_p {
  static constexpr operation op = operation::monitor_p;
  etf::pid from;
  pid_or_name to;
  etf::reference ref;
  friend bool operator==(const monitor_p&, const monitor_p&) = default;
};

/// {20, FromPid, ToProc, Ref}
struct demonitor_p {
  static constexpr operation op = operation::demonitor_p;
  etf::pid from;
  pid_or_name to;
  etf::reference ref;
  friend bool operator==(const demonitor_p&, const demonitor_p&) = default;
};

/// {21, FromProc, ToPid, Ref, Reason}: FromProc is what was monitored, a pid
/// or a registered name.
struct monitor_p_exit {
  static constexpr operation op = operation::monitor_p_exit;
  pid_or_name from;
  etf::pid to;
  etf::reference ref;
  etf::term reason;
  friend bool operator==(const monitor_p_exit&, const monitor_p_exit&)
    = default;
};

/// {22, FromPid, ToPid} + Message.
struct send_sender {
  static constexpr operation op = operation::send_sender;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const send_sender&, const send_sender&) = default;
};

/// {23, FromPid, ToPid, TraceToken} + Message.
struct send_sender_tt {
  static constexpr operation op = operation::send_sender_tt;
  etf::pid from;
  etf::pid to;
  etf::term token;
  friend bool operator==(const send_sender_tt&, const send_sender_tt&)
    = default;
};

/// {24, FromPid, ToPid} + Reason.
struct payload_exit {
  static constexpr operation op = operation::payload_exit;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const payload_exit&, const payload_exit&) = default;
};

/// {25, FromPid, ToPid, TraceToken} + Reason.
struct payload_exit_tt {
  static constexpr operation op = operation::payload_exit_tt;
  etf::pid from;
  etf::pid to;
  etf::term token;
  friend bool operator==(const payload_exit_tt&, const payload_exit_tt&)
    = default;
};

/// {26, FromPid, ToPid} + Reason.
struct payload_exit2 {
  static constexpr operation op = operation::payload_exit2;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const payload_exit2&, const payload_exit2&) = default;
};

/// {27, FromPid, ToPid, TraceToken} + Reason.
struct payload_exit2_tt {
  static constexpr operation op = operation::payload_exit2_tt;
  etf::pid from;
  etf::pid to;
  etf::term token;
  friend bool operator==(const payload_exit2_tt&, const payload_exit2_tt&)
    = default;
};

/// {28, FromProc, ToPid, Ref} + Reason.
struct payload_monitor_p_exit {
  static constexpr operation op = operation::payload_monitor_p_exit;
  pid_or_name from;
  etf::pid to;
  etf::reference ref;
  friend bool
  operator==(const payload_monitor_p_exit&, const payload_monitor_p_exit&)
    = default;
};

/// {29, ReqId, From, GroupLeader, {M, F, A}, OptList} + ArgList.
struct spawn_request {
  static constexpr operation op = operation::spawn_request;
  etf::reference req_id;
  etf::pid from;
  etf::pid group_leader;
  distribution::mfa mfa;
  /// A proper list; its elements are for the spawning side to judge (OTP
  /// replies `badopt` rather than dropping the connection).
  etf::term opts;
  friend bool operator==(const spawn_request&, const spawn_request&) = default;
};

/// {30, ReqId, From, GroupLeader, {M, F, A}, OptList, Token} + ArgList.
struct spawn_request_tt {
  static constexpr operation op = operation::spawn_request_tt;
  etf::reference req_id;
  etf::pid from;
  etf::pid group_leader;
  distribution::mfa mfa;
  etf::term opts;
  etf::term token;
  friend bool operator==(const spawn_request_tt&, const spawn_request_tt&)
    = default;
};

/// {31, ReqId, To, Flags, Result}
struct spawn_reply {
  static constexpr operation op = operation::spawn_reply;
  etf::reference req_id;
  etf::pid to;
  spawn_flags flags;
  pid_or_name result;
  friend bool operator==(const spawn_reply&, const spawn_reply&) = default;
};

/// {32, ReqId, To, Flags, Result, Token}
struct spawn_reply_tt {
  static constexpr operation op = operation::spawn_reply_tt;
  etf::reference req_id;
  etf::pid to;
  spawn_flags flags;
  pid_or_name result;
  etf::term token;
  friend bool operator==(const spawn_reply_tt&, const spawn_reply_tt&)
    = default;
};

/// {33, FromPid, Alias} + Message.
struct alias_send {
  static constexpr operation op = operation::alias_send;
  etf::pid from;
  etf::reference alias;
  friend bool operator==(const alias_send&, const alias_send&) = default;
};

/// {34, FromPid, Alias, Token} + Message.
struct alias_send_tt {
  static constexpr operation op = operation::alias_send_tt;
  etf::pid from;
  etf::reference alias;
  etf::term token;
  friend bool operator==(const alias_send_tt&, const alias_send_tt&) = default;
};

/// {35, Id, FromPid, ToPid}: Id is in 1..2^64-1.
struct unlink_id {
  static constexpr operation op = operation::unlink_id;
  uint64_t id = 0;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const unlink_id&, const unlink_id&) = default;
};

/// {36, Id, FromPid, ToPid}
struct unlink_id_ack {
  static constexpr operation op = operation::unlink_id_ack;
  uint64_t id = 0;
  etf::pid from;
  etf::pid to;
  friend bool operator==(const unlink_id_ack&, const unlink_id_ack&) = default;
};

// -- inspect: the tuple elements after the operation, in order ---------------

template <class F>
decltype(auto) inspect(F& f, link& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, send& x) {
  return f(x.unused, x.to);
}

template <class F>
decltype(auto) inspect(F& f, exit& x) {
  return f(x.from, x.to, x.reason);
}

template <class F>
decltype(auto) inspect(F& f, unlink& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, node_link&) {
  return f();
}

template <class F>
decltype(auto) inspect(F& f, reg_send& x) {
  return f(x.from, x.unused, x.to_name);
}

template <class F>
decltype(auto) inspect(F& f, group_leader& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, exit2& x) {
  return f(x.from, x.to, x.reason);
}

template <class F>
decltype(auto) inspect(F& f, send_tt& x) {
  return f(x.unused, x.to, x.token);
}

template <class F>
decltype(auto) inspect(F& f, exit_tt& x) {
  return f(x.from, x.to, x.token, x.reason);
}

template <class F>
decltype(auto) inspect(F& f, reg_send_tt& x) {
  return f(x.from, x.unused, x.to_name, x.token);
}

template <class F>
decltype(auto) inspect(F& f, exit2_tt& x) {
  return f(x.from, x.to, x.token, x.reason);
}

template <class F>
decltype(auto) inspect(F& f, monitor_p& x) {
  return f(x.from, x.to, x.ref);
}

template <class F>
decltype(auto) inspect(F& f, demonitor_p& x) {
  return f(x.from, x.to, x.ref);
}

template <class F>
decltype(auto) inspect(F& f, monitor_p_exit& x) {
  return f(x.from, x.to, x.ref, x.reason);
}

template <class F>
decltype(auto) inspect(F& f, send_sender& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, send_sender_tt& x) {
  return f(x.from, x.to, x.token);
}

template <class F>
decltype(auto) inspect(F& f, payload_exit& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, payload_exit_tt& x) {
  return f(x.from, x.to, x.token);
}

template <class F>
decltype(auto) inspect(F& f, payload_exit2& x) {
  return f(x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, payload_exit2_tt& x) {
  return f(x.from, x.to, x.token);
}

template <class F>
decltype(auto) inspect(F& f, payload_monitor_p_exit& x) {
  return f(x.from, x.to, x.ref);
}

template <class F>
decltype(auto) inspect(F& f, spawn_request& x) {
  return f(x.req_id, x.from, x.group_leader, x.mfa, x.opts);
}

template <class F>
decltype(auto) inspect(F& f, spawn_request_tt& x) {
  return f(x.req_id, x.from, x.group_leader, x.mfa, x.opts, x.token);
}

template <class F>
decltype(auto) inspect(F& f, spawn_reply& x) {
  return f(x.req_id, x.to, x.flags, x.result);
}

template <class F>
decltype(auto) inspect(F& f, spawn_reply_tt& x) {
  return f(x.req_id, x.to, x.flags, x.result, x.token);
}

template <class F>
decltype(auto) inspect(F& f, alias_send& x) {
  return f(x.from, x.alias);
}

template <class F>
decltype(auto) inspect(F& f, alias_send_tt& x) {
  return f(x.from, x.alias, x.token);
}

template <class F>
decltype(auto) inspect(F& f, unlink_id& x) {
  return f(x.id, x.from, x.to);
}

template <class F>
decltype(auto) inspect(F& f, unlink_id_ack& x) {
  return f(x.id, x.from, x.to);
}

/// Any control message OTP 25-27 can send (plus the obsolete NODE_LINK).
using control_message
  = std::variant<link, send, exit, unlink, node_link, reg_send, group_leader,
                 exit2, send_tt, exit_tt, reg_send_tt, exit2_tt, monitor_p,
                 demonitor_p, monitor_p_exit, send_sender, send_sender_tt,
                 payload_exit, payload_exit_tt, payload_exit2, payload_exit2_tt,
                 payload_monitor_p_exit, spawn_request, spawn_request_tt,
                 spawn_reply, spawn_reply_tt, alias_send, alias_send_tt,
                 unlink_id, unlink_id_ack>;

/// The operation of `x`.
operation op_of(const control_message& x) noexcept;

/// Whether a payload term follows `x` on the wire.
inline bool has_payload(const control_message& x) noexcept {
  return has_payload(op_of(x));
}

/// Operations that OTP versions disagree on. The defaults accept what an
/// OTP 25 node accepts.
struct control_policy {
  /// UNLINK (4): OTP 25 accepts it, OTP 26+ treat it as invalid.
  bool accept_unlink = true;
  /// NODE_LINK (5): no OTP 25-27 accepts it.
  bool accept_node_link = false;
};

/// Validates a decoded control term the way OTP's `erts_net_message` does
/// before it looks at any process: a tuple whose first element is a known
/// operation number, the exact arity, and the field types OTP checks. Checks
/// that need the connection's node names are `check_nodes`'s.
result<control_message> from_term(etf::term ctl,
                                  const control_policy& policy = {});

/// The control tuple for `x`.
etf::term to_term(const control_message& x);

} // namespace cafe::distribution
