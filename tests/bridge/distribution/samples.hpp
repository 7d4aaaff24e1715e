#pragma once

// Sample control messages of every operation, shared by the suites of
// bridge/distribution.

#include "cafe/distribution/control_message.hpp"
#include "cafe/etf/term.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace cafe::distribution::test {

inline etf::atom peer_node() {
  return etf::atom{"peer@host"};
}

inline etf::atom local_node() {
  return etf::atom{"cafe@host"};
}

inline etf::pid make_pid(etf::atom node, uint32_t id, uint32_t creation = 7) {
  return etf::pid{node, id, 0, creation};
}

inline etf::reference make_ref(etf::atom node, uint32_t w0,
                               uint32_t creation = 7) {
  etf::reference r;
  r.node = node;
  r.creation = creation;
  r.size = 3;
  r.words = {w0, 0x1234, 0x5678, 0, 0};
  return r;
}

struct sample {
  control_message control;
  std::optional<etf::term> payload;
};

/// One message per operation, addressed as the peer would address us: From
/// fields on the peer node, targets on the local node.
inline std::vector<sample> all_samples() {
  using namespace etf::literals;
  auto from = make_pid(peer_node(), 100);
  auto to = make_pid(local_node(), 200);
  auto ref = make_ref(local_node(), 42);
  auto peer_ref = make_ref(peer_node(), 43);
  auto reason = etf::make_tuple("shutdown"_atom, "bye"_bin);
  auto token = etf::make_tuple(1, 2, 3, from, 5);
  auto msg = etf::make_tuple("hello"_atom, "world"_bin, 42,
                             etf::make_list(1, 2.5, "x"_atom));
  auto args = etf::make_list("a"_atom, 1);
  auto opts = etf::make_list("monitor"_atom);
  mfa fn{"erpc"_atom, "execute_call"_atom, 4};
  std::vector<sample> xs;
  xs.push_back({link{from, to}, {}});
  xs.push_back({send{etf::atom{}, to}, msg});
  xs.push_back({exit{from, to, reason}, {}});
  xs.push_back({unlink{from, to}, {}});
  xs.push_back({node_link{}, {}});
  xs.push_back({reg_send{from, etf::atom{}, "rex"_atom}, msg});
  xs.push_back({group_leader{from, to}, {}});
  xs.push_back({exit2{from, to, "kill"_atom}, {}});
  xs.push_back({send_tt{etf::atom{}, to, token}, msg});
  xs.push_back({exit_tt{from, to, token, reason}, {}});
  xs.push_back({reg_send_tt{from, etf::atom{}, "rex"_atom, token}, msg});
  xs.push_back({exit2_tt{from, to, token, reason}, {}});
  xs.push_back({monitor_p{from, to, peer_ref}, {}});
  xs.push_back({monitor_p{from, "rex"_atom, peer_ref}, {}});
  xs.push_back({demonitor_p{from, to, peer_ref}, {}});
  xs.push_back({monitor_p_exit{from, to, ref, "noproc"_atom}, {}});
  xs.push_back({monitor_p_exit{"rex"_atom, to, ref, "noproc"_atom}, {}});
  xs.push_back({send_sender{from, to}, msg});
  xs.push_back({send_sender_tt{from, to, token}, msg});
  xs.push_back({payload_exit{from, to}, reason});
  xs.push_back({payload_exit_tt{from, to, token}, reason});
  xs.push_back({payload_exit2{from, to}, reason});
  xs.push_back({payload_exit2_tt{from, to, token}, reason});
  xs.push_back({payload_monitor_p_exit{from, to, ref}, reason});
  xs.push_back({payload_monitor_p_exit{"rex"_atom, to, ref}, reason});
  xs.push_back({spawn_request{peer_ref, from, from, fn, opts}, args});
  xs.push_back({spawn_request_tt{peer_ref, from, from, fn, opts, token}, args});
  xs.push_back({spawn_reply{ref, to, spawn_flags{3}, from}, {}});
  xs.push_back({spawn_reply{ref, to, spawn_flags{0}, "badopt"_atom}, {}});
  xs.push_back({spawn_reply_tt{ref, to, spawn_flags{2}, from, token}, {}});
  xs.push_back({alias_send{from, ref}, msg});
  xs.push_back({alias_send_tt{from, ref, token}, msg});
  xs.push_back({unlink_id{1, from, to}, {}});
  xs.push_back({unlink_id{0xFFFFFFFFFFFFFFFFull, from, to}, {}});
  xs.push_back({unlink_id_ack{0, from, to}, {}});
  return xs;
}

} // namespace cafe::distribution::test
