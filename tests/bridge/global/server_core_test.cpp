// global's server as a state machine: the messages it sends are compared
// with the exact terms global.erl (OTP 25, vsn 8) builds, each message kind
// a peer sends is fed in, and malformed input changes nothing.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/global/server_core.hpp"

#include <gtest/gtest.h>

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::global;

namespace {

etf::pid make_pid(std::string_view node, uint32_t id, uint32_t creation = 7) {
  return etf::pid{etf::atom{node}, id, 0, creation};
}

/// A core for `cafe@h` with deterministic references.
struct global_core : ::testing::Test {
  etf::atom self_node = "cafe@h"_atom;
  etf::atom beam = "beam@h"_atom;
  etf::pid server = make_pid("cafe@h", 1);
  etf::pid locker = make_pid("cafe@h", 2);
  etf::pid registrar = make_pid("cafe@h", 3);
  etf::pid his_locker = make_pid("beam@h", 90, 3);
  uint32_t next_ref = 1;
  std::unique_ptr<server_core> core;

  global_core() {
    core_config cfg;
    cfg.node = self_node;
    cfg.server = server;
    cfg.locker = locker;
    cfg.registrar = registrar;
    cfg.make_ref = [this] {
      etf::reference r;
      r.node = self_node;
      r.creation = 7;
      r.size = 3;
      r.words = {next_ref++, 0, 0, 0, 0};
      return r;
    };
    cfg.seed = 42;
    cfg.creation = 7;
    core = std::make_unique<server_core>(std::move(cfg));
  }

  effects ok(expected<effects, std::string> x) {
    EXPECT_TRUE(x) << x.error();
    return x ? std::move(*x) : effects{};
  }

  static etf::term cast(etf::term x) {
    return etf::make_tuple("$gen_cast"_atom, std::move(x));
  }

  /// The messages sent to `{global_name_server, node}`.
  static std::vector<etf::term> to_server(const effects& fx, etf::atom node,
                                          bool* noconnect = nullptr) {
    std::vector<etf::term> result;
    for (auto& e : fx)
      if (auto s = std::get_if<send_named>(&e);
          s && s->node == node && s->name == "global_name_server"_atom) {
        result.push_back(s->msg);
        if (noconnect)
          *noconnect = s->noconnect;
      }
    return result;
  }

  template <class T>
  static std::vector<T> all_of(const effects& fx) {
    std::vector<T> result;
    for (auto& e : fx)
      if (auto x = std::get_if<T>(&e))
        result.push_back(*x);
    return result;
  }

  /// Runs the timer the locker starts (the wait before it tries to lock).
  effects fire_timers(const effects& fx) {
    effects out;
    for (auto& t : all_of<start_timer>(fx)) {
      auto more = core->timeout(t.id);
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }

  /// The single gen_call in `fx` to `node` as (from, tag, request).
  static std::tuple<etf::pid, etf::reference, etf::term>
  call_in(const effects& fx, etf::atom node) {
    for (auto& e : fx) {
      auto s = std::get_if<send_named>(&e);
      etf::term from_tag, req;
      etf::pid from;
      etf::reference tag;
      if (s && s->node == node
          && etf::match(s->msg, "$gen_call"_atom, &from_tag, &req)
          && etf::match(from_tag, &from, &tag))
        return {from, tag, req};
    }
    ADD_FAILURE() << "no call to " << node.text();
    return {};
  }
};

} // namespace

TEST_F(global_core, nodeup_sends_init_connect_in_globals_shape) {
  auto fx = core->nodeup(beam);
  auto msgs = to_server(fx, beam);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], cast(etf::make_tuple(
                       "init_connect"_atom, etf::make_tuple(8, 1), self_node,
                       etf::make_tuple("locker"_atom, "no_longer_a_pid"_atom,
                                       etf::map{}, locker))))
    << etf::to_string(msgs[0]);
  // A second nodeup for the same node changes nothing.
  EXPECT_TRUE(core->nodeup(beam).empty());
}

TEST_F(global_core, full_connect_with_a_beam_peer) {
  auto sync_call = uint64_t{77};
  core->nodeup(beam);
  EXPECT_TRUE(core->sync(sync_call, {beam}).empty()); // waits
  // His init_connect: acknowledged (a plain message, noconnect).
  auto his_tag = etf::term{-576460752303423471};
  auto fx = ok(core->receive(
    server,
    cast(etf::make_tuple("init_connect"_atom, etf::make_tuple(8, his_tag), beam,
                         etf::make_tuple("locker"_atom, "no_longer_a_pid"_atom,
                                         etf::map{}, his_locker)))));
  bool noconnect = false;
  auto msgs = to_server(fx, beam, &noconnect);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0],
            etf::make_tuple("init_connect_ack"_atom, self_node, his_tag, 1));
  EXPECT_TRUE(noconnect);
  // The locker waits, then locks itself and asks beam for the lock.
  auto lock_id = etf::make_tuple("global"_atom,
                                 etf::make_list(locker, his_locker));
  auto fx2 = fire_timers(fx);
  auto [from, tag, req] = call_in(fx2, beam);
  EXPECT_EQ(from, locker);
  EXPECT_EQ(req, etf::make_tuple("set_lock"_atom, lock_id))
    << etf::to_string(req);
  ASSERT_EQ(all_of<monitor_named>(fx2).size(), 1u);
  // beam says yes: the locker tells beam's server (as the proxy).
  auto fx3 = ok(core->receive(locker, etf::make_tuple(tag, true)));
  msgs = to_server(fx3, beam);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], cast(etf::make_tuple("lock_set"_atom, locker, true,
                                          etf::list{}, his_tag)));
  ASSERT_EQ(core->locks().size(), 1u);
  EXPECT_EQ(core->locks()[0].second, lock_id.get<etf::tuple>()[1]);
  // His locker has locked his side: our names go to him.
  auto fx4
    = ok(core->receive(server, cast(etf::make_tuple("lock_set"_atom, his_locker,
                                                    true, etf::list{}, 1))));
  msgs = to_server(fx4, beam);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], cast(etf::make_tuple("exchange"_atom, self_node,
                                          etf::list{}, etf::list{}, his_tag)));
  // His names: no clash, so nothing resolved on our side.
  auto beam_pid = make_pid("beam@h", 200, 3);
  auto method = method_term(resolver_kind::random_exit_name);
  auto fx5 = ok(core->receive(
    server, cast(etf::make_tuple(
              "exchange"_atom, beam,
              etf::make_list(etf::make_tuple("n1"_atom, beam_pid, method)),
              etf::list{}, 1))));
  msgs = to_server(fx5, beam);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], cast(etf::make_tuple(
                       "resolved"_atom, self_node, etf::list{}, etf::list{},
                       "unused"_atom, etf::list{}, his_tag)));
  EXPECT_FALSE(core->whereis("n1"_atom));
  // His resolved: the names go in, the lock goes, sync answers.
  auto fx6 = ok(core->receive(
    server, cast(etf::make_tuple("resolved"_atom, beam, etf::list{},
                                 etf::list{}, "unused"_atom, etf::list{}, 1))));
  EXPECT_EQ(core->whereis("n1"_atom), beam_pid);
  auto mons = all_of<monitor_pid>(fx6);
  ASSERT_EQ(mons.size(), 1u);
  EXPECT_EQ(mons[0].who, beam_pid);
  auto replies = all_of<reply>(fx6);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].call, sync_call);
  EXPECT_TRUE(core->locks().empty());
  auto [dfrom, dtag, dreq] = call_in(fx6, beam);
  EXPECT_EQ(dreq, etf::make_tuple("del_lock"_atom, lock_id));
  EXPECT_EQ(core->known(), std::vector<etf::atom>{beam});
  EXPECT_EQ(core->synced(), std::vector<etf::atom>{beam});
  // The name's process ends: the name goes.
  core->down(mons[0].id, "normal"_atom);
  EXPECT_FALSE(core->whereis("n1"_atom));
}

TEST_F(global_core, serves_lock_and_register_calls) {
  auto p1 = make_pid("beam@h", 10, 3);
  auto p2 = make_pid("beam@h", 11, 3);
  auto call = [&](const etf::pid& from, etf::term req) {
    auto fx = ok(core->receive(
      server,
      etf::make_tuple("$gen_call"_atom,
                      etf::make_tuple(from, etf::make_list("alias"_atom)),
                      std::move(req))));
    auto rs = all_of<gen_reply>(fx);
    EXPECT_EQ(rs.size(), 1u);
    if (rs.empty())
      return std::pair{etf::term{}, fx};
    EXPECT_EQ(rs[0].to, from);
    EXPECT_EQ(rs[0].tag, etf::make_list("alias"_atom)); // echoed as it came
    return std::pair{rs[0].value, fx};
  };
  auto id1 = etf::make_tuple("res"_atom, "req1"_atom);
  auto id2 = etf::make_tuple("res"_atom, "req2"_atom);
  auto [v1, fx1] = call(p1, etf::make_tuple("set_lock"_atom, id1));
  EXPECT_EQ(v1, etf::term{true});
  auto mon = all_of<monitor_pid>(fx1);
  ASSERT_EQ(mon.size(), 1u);
  EXPECT_EQ(call(p2, etf::make_tuple("set_lock"_atom, id2)).first,
            etf::term{false});
  EXPECT_EQ(call(p2, etf::make_tuple("set_lock"_atom, id1)).first,
            etf::term{true}); // same requester id: shared
  EXPECT_EQ(call(p2, etf::make_tuple("del_lock"_atom, id1)).first,
            etf::term{true});
  ASSERT_EQ(core->locks().size(), 1u);
  core->down(mon[0].id, "noconnection"_atom); // p1 gone: the lock goes
  EXPECT_TRUE(core->locks().empty());
  EXPECT_EQ(call(p2, etf::make_tuple("set_lock"_atom, id2)).first,
            etf::term{true});
  // Names by call, as register_name's multi_call does.
  auto method = method_term(resolver_kind::random_exit_name);
  EXPECT_EQ(
    call(p1, etf::make_tuple("register"_atom, "n"_atom, p1, method)).first,
    etf::term{"yes"_atom});
  EXPECT_EQ(core->whereis("n"_atom), p1);
  EXPECT_EQ(call(p1, etf::make_tuple("unregister"_atom, "n"_atom)).first,
            etf::term{"ok"_atom});
  EXPECT_FALSE(core->whereis("n"_atom));
  EXPECT_EQ(call(p1, "get_protocol_version"_atom).first, etf::term{8});
  EXPECT_EQ(call(p1, "get_names_ext"_atom).first, etf::term{etf::list{}});
}

TEST_F(global_core, malformed_and_unknown_input_is_refused) {
  auto p = make_pid("beam@h", 10, 3);
  std::vector<std::pair<etf::pid, etf::term>> bad{
    {server, "hello"_atom},
    {server, etf::make_tuple("$gen_cast"_atom, "nonsense"_atom)},
    {server, cast(etf::make_tuple("exchange"_atom, 42))},
    {server, cast(etf::make_tuple("init_connect"_atom, etf::make_tuple(8, 1),
                                  beam, "not_a_locker"_atom))},
    {server, cast(etf::make_tuple("resolved"_atom, beam, "x"_atom, etf::list{},
                                  "unused"_atom, etf::list{}, 1))},
    {server, cast(etf::make_tuple("new_nodes"_atom, beam, etf::list{},
                                  etf::list{}, 42, etf::list{}))},
    {server,
     etf::make_tuple("$gen_call"_atom, etf::make_tuple(p, 1), "info"_atom)},
    {server,
     etf::make_tuple("$gen_call"_atom, etf::make_tuple(p, 1),
                     etf::make_tuple("set_lock"_atom, "notatuple"_atom))},
    {server,
     etf::make_tuple("$gen_call"_atom, "nofrom"_atom, "get_known"_atom)},
    {server, etf::make_tuple("lost_connection"_atom, beam)},
    {server, etf::make_tuple("init_connect_ack"_atom, beam)},
    {locker,
     etf::make_tuple("lock_set"_atom, "notapid"_atom, true, etf::list{})},
    {registrar, etf::make_tuple(make_pid("x@h", 1), "stray"_atom)},
  };
  for (auto& [to, msg] : bad) {
    auto res = core->receive(to, msg);
    EXPECT_FALSE(res) << etf::to_string(msg);
  }
  EXPECT_TRUE(core->registered_names().empty());
  EXPECT_TRUE(core->locks().empty());
  EXPECT_TRUE(core->known().empty());
}

TEST_F(global_core, a_refused_lock_is_retried_after_a_random_sleep) {
  core->nodeup(beam);
  auto id = etf::make_tuple("res"_atom, "me"_atom);
  auto fx = core->set_lock(5, id, server, {self_node, beam}, 1);
  auto [from, tag, req] = call_in(fx, beam);
  EXPECT_EQ(req, etf::make_tuple("set_lock"_atom, id));
  ASSERT_EQ(core->locks().size(), 1u); // ours, locally
  // beam refuses: ours is released, then a retry after 1..250 ms.
  auto fx2 = ok(core->receive(server, etf::make_tuple(tag, false)));
  EXPECT_TRUE(core->locks().empty());
  EXPECT_TRUE(all_of<reply>(fx2).empty());
  auto timers = all_of<start_timer>(fx2);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_GE(timers[0].after.count(), 1);
  EXPECT_LE(timers[0].after.count(), 250);
  auto fx3 = core->timeout(timers[0].id);
  auto [from2, tag2, req2] = call_in(fx3, beam);
  EXPECT_EQ(req2, req);
  EXPECT_FALSE(tag2 == tag);
  auto fx4 = ok(core->receive(server, etf::make_tuple(tag2, true)));
  auto replies = all_of<reply>(fx4);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].value, etf::term{true});
  // Out of retries: false.
  auto fx5 = core->set_lock(6, etf::make_tuple("res"_atom, "other"_atom),
                            server, {self_node, beam}, 0);
  replies = all_of<reply>(fx5);
  ASSERT_EQ(replies.size(), 1u); // refused locally, no call made
  EXPECT_EQ(replies[0].value, etf::term{false});
}

TEST_F(global_core, local_registration_takes_the_global_lock) {
  auto pid = make_pid("cafe@h", 50);
  auto method = method_term(resolver_kind::random_exit_name);
  auto fx = core->register_name(1, "n"_atom, pid, method, false);
  auto replies = all_of<reply>(fx);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].value, etf::term{"yes"_atom});
  EXPECT_EQ(core->whereis("n"_atom), pid);
  EXPECT_TRUE(core->locks().empty()); // taken and released
  // Taken name, second name for the same pid: no.
  EXPECT_EQ(all_of<reply>(core->register_name(
              2, "n"_atom, make_pid("cafe@h", 51), method, false))[0]
              .value,
            etf::term{"no"_atom});
  EXPECT_EQ(
    all_of<reply>(core->register_name(3, "m"_atom, pid, method, false))[0]
      .value,
    etf::term{"no"_atom});
  // re_register moves it.
  auto other = make_pid("cafe@h", 52);
  core->register_name(4, "n"_atom, other, method, true);
  EXPECT_EQ(core->whereis("n"_atom), other);
  // With a peer known, the registration waits for its lock answer.
  core->nodeup(beam);
}

TEST_F(global_core, resolve_functions_run_as_globals_own) {
  auto small = make_pid("a@h", 5, 3);
  auto big = make_pid("z@h", 6, 3);
  effects out;
  auto r = core->resolve_it(method_term(resolver_kind::random_exit_name),
                            "n"_atom, big, small, out);
  EXPECT_EQ(r, etf::term{small});
  auto exits = all_of<exit_pid>(out);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].who, big);
  EXPECT_EQ(exits[0].reason, etf::term{"kill"_atom});
  out.clear();
  r = core->resolve_it(method_term(resolver_kind::random_notify_name), "n"_atom,
                       small, big, out);
  EXPECT_EQ(r, etf::term{small});
  auto sends = all_of<send_pid>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].to, big);
  EXPECT_EQ(sends[0].msg,
            etf::make_tuple("global_name_conflict"_atom, "n"_atom));
  out.clear();
  r = core->resolve_it(method_term(resolver_kind::notify_all_name), "n"_atom,
                       small, big, out);
  EXPECT_EQ(r, etf::term{"none"_atom});
  EXPECT_EQ(all_of<send_pid>(out).size(), 2u);
  out.clear();
  // A fun cafe cannot run fails like an undefined one.
  r = core->resolve_it(etf::export_fun{"my_app"_atom, "pick"_atom, 3}, "n"_atom,
                       small, big, out);
  EXPECT_TRUE(etf::match(r, "EXIT"_atom, etf::_)) << etf::to_string(r);
  EXPECT_TRUE(out.empty());
  // The legacy {M, F} form.
  r = core->resolve_it(etf::make_tuple("global"_atom, "random_exit_name"_atom),
                       "n"_atom, small, big, out);
  EXPECT_EQ(r, etf::term{small});
}

TEST_F(global_core, out_of_sync_ack_cancels_and_restarts) {
  core->nodeup(beam);
  auto his_tag = etf::term{5};
  ok(core->receive(
    server,
    cast(etf::make_tuple("init_connect"_atom, etf::make_tuple(8, his_tag), beam,
                         etf::make_tuple("locker"_atom, "no_longer_a_pid"_atom,
                                         etf::map{}, his_locker)))));
  // His ack names another of our sessions.
  auto fx = ok(core->receive(server, etf::make_tuple("init_connect_ack"_atom,
                                                     beam, 999, his_tag)));
  auto msgs = to_server(fx, beam);
  ASSERT_GE(msgs.size(), 2u);
  EXPECT_EQ(msgs[0],
            etf::make_tuple("cancel_connect"_atom, self_node, his_tag));
  // ...and a fresh init_connect with a new tag.
  EXPECT_TRUE(etf::match(msgs.back(), "$gen_cast"_atom, etf::_));
  etf::term inner = msgs.back().get<etf::tuple>()[1];
  EXPECT_TRUE(etf::match(inner, "init_connect"_atom, etf::make_tuple(8, 2),
                         self_node, etf::_))
    << etf::to_string(inner);
}

TEST_F(global_core, lost_connection_prevents_overlapping_partitions) {
  auto other = "other@h"_atom;
  // Make beam and other known through a new_nodes from beam.
  core->nodeup(beam);
  core->nodeup(other);
  auto fx = ok(core->receive(
    server,
    cast(etf::make_tuple("new_nodes"_atom, beam, etf::list{}, etf::list{},
                         etf::make_list(etf::make_tuple(beam, 8),
                                        etf::make_tuple(other, 8)),
                         etf::list{}))));
  EXPECT_EQ(all_of<connect_node>(fx).size(), 2u); // sync_others
  auto lost = etf::make_tuple("lost_connection"_atom, beam, 12345, 1, other);
  auto fx2 = ok(core->receive(server, lost));
  bool noconnect = false;
  auto msgs = to_server(fx2, other, &noconnect);
  // Passed on to every known node but the reporter (noconnect), and the
  // lost node is asked to go.
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0], lost);
  EXPECT_EQ(msgs[1], etf::make_tuple("remove_connection"_atom, self_node));
  EXPECT_TRUE(noconnect);
  EXPECT_EQ(core->known(), std::vector<etf::atom>{beam});
  // Seen already: nothing.
  EXPECT_TRUE(ok(core->receive(server, lost)).empty());
  // remove_connection from beam: disconnect it.
  auto fx3 = ok(
    core->receive(server, etf::make_tuple("remove_connection"_atom, beam)));
  auto dis = all_of<disconnect_node>(fx3);
  ASSERT_EQ(dis.size(), 1u);
  EXPECT_EQ(dis[0].node, beam);
  EXPECT_TRUE(core->known().empty());
}

TEST_F(global_core, a_clash_on_another_node_is_resolved_there_through_rex) {
  // cafe@h < z@h, so cafe resolves the clash of `n` between z's process and
  // the one its own partition knows, which lives on a@h: global's
  // rpc:call(a@h, global, resolve_it, [Method, n, Pz, Pa]), made here as a
  // gen_server call to a@h's rex.
  auto a = "a@h"_atom;
  auto z = "z@h"_atom;
  auto pa = make_pid("a@h", 20, 3);
  auto pz = make_pid("z@h", 30, 3);
  auto z_locker = make_pid("z@h", 31, 3);
  auto method = method_term(resolver_kind::random_exit_name);
  ok(core->receive(
    server,
    etf::make_tuple("$gen_call"_atom, etf::make_tuple(pa, 1),
                    etf::make_tuple("register"_atom, "n"_atom, pa, method))));
  ASSERT_EQ(core->whereis("n"_atom), pa);
  core->nodeup(a);
  core->nodeup(z);
  auto fx = ok(core->receive(
    server,
    cast(etf::make_tuple("init_connect"_atom, etf::make_tuple(8, 9), z,
                         etf::make_tuple("locker"_atom, "no_longer_a_pid"_atom,
                                         etf::map{}, z_locker)))));
  auto fx2 = fire_timers(fx);
  auto [from, tag, req] = call_in(fx2, z);
  ok(core->receive(locker, etf::make_tuple(tag, true)));
  // My tag with z: the second session started (a@h's was the first).
  ok(core->receive(server, cast(etf::make_tuple("lock_set"_atom, z_locker, true,
                                                etf::list{}, 2))));
  auto fx3 = ok(core->receive(
    server,
    cast(etf::make_tuple("exchange"_atom, z,
                         etf::make_list(etf::make_tuple("n"_atom, pz, method)),
                         etf::list{}, 2))));
  auto [rfrom, rtag, rreq] = call_in(fx3, a);
  EXPECT_EQ(rfrom, server);
  EXPECT_EQ(rreq, etf::make_tuple("call"_atom, "global"_atom, "resolve_it"_atom,
                                  etf::make_list(method, "n"_atom, pz, pa),
                                  "user"_atom))
    << etf::to_string(rreq);
  auto rex = all_of<monitor_named>(fx3);
  ASSERT_EQ(rex.size(), 1u);
  EXPECT_EQ(rex[0].name, "rex"_atom);
  EXPECT_TRUE(to_server(fx3, z).empty()); // nothing resolved yet
  // a@h keeps its process (random_exit_name killed z's): that is ours, so
  // it goes to z as resolved.
  auto fx4 = ok(core->receive(server, etf::make_tuple(rtag, pa)));
  auto msgs = to_server(fx4, z);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], cast(etf::make_tuple(
                       "resolved"_atom, self_node,
                       etf::make_list(etf::make_tuple(
                         "insert"_atom, etf::make_tuple("n"_atom, pa, method))),
                       etf::list{}, "unused"_atom, etf::list{}, etf::term{9})))
    << etf::to_string(msgs[0]);
}
