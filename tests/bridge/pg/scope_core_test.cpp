// The pg scope protocol without a node: what a scope sends for each local
// change and each message from a peer, compared term by term with what OTP
// 25's pg.erl sends and keeps, and the messages it refuses without changing
// anything.

#include "cafe/etf/print.hpp"
#include "cafe/pg/scope_core.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::pg;
using namespace cafe::etf::literals;

namespace {

const etf::atom self_node{"cafe@127.0.0.1"};
const etf::atom beam_node{"beam@127.0.0.1"};

etf::pid pid_on(etf::atom node, uint32_t id, uint32_t creation = 7) {
  etf::pid p;
  p.node = node;
  p.id = id;
  p.creation = creation;
  return p;
}

etf::pid local(uint32_t id) {
  return pid_on(self_node, id);
}

etf::pid remote(uint32_t id) {
  return pid_on(beam_node, id, 3);
}

etf::list list_of(std::vector<etf::pid> xs) {
  etf::list result;
  for (auto& x : xs)
    result.elements.emplace_back(x);
  return result;
}

std::string show(const effect& fx) {
  return std::visit(
    [](auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, send_to_pid>)
        return "send " + etf::to_string(etf::term{x.to}) + " "
               + etf::to_string(x.msg);
      else if constexpr (std::is_same_v<T, send_to_scope>)
        return "send_scope " + std::string{x.node.text()} + " "
               + etf::to_string(x.msg);
      else if constexpr (std::is_same_v<T, monitor_pid>)
        return "monitor " + etf::to_string(etf::term{x.who});
      else if constexpr (std::is_same_v<T, demonitor_pid>)
        return "demonitor " + etf::to_string(etf::term{x.who});
      else
        return "notify " + std::to_string(x.watch)
               + (x.event.joined ? " join " : " leave ")
               + etf::to_string(x.event.group) + " "
               + etf::to_string(etf::term{list_of(x.event.pids)});
    },
    fx);
}

std::vector<std::string> show(const effects& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(show(x));
  return result;
}

std::string str(const etf::term& x) {
  return etf::to_string(x);
}

std::string str(const etf::pid& x) {
  return etf::to_string(etf::term{x});
}

class pg_core : public ::testing::Test {
protected:
  pg_core() : core("pg"_atom, local(1)) {
    // nop
  }

  /// Makes `remote(peer_id)` a known peer (it discovered us).
  void add_peer(uint32_t peer_id) {
    auto fx = core.receive(etf::make_tuple("discover"_atom, remote(peer_id)));
    ASSERT_TRUE(fx) << fx.error();
  }

  effects receive(const etf::term& msg) {
    auto fx = core.receive(msg);
    EXPECT_TRUE(fx) << str(msg) << ": " << fx.error();
    return fx ? *fx : effects{};
  }

  scope_core core;
};

} // namespace

TEST_F(pg_core, a_local_join_monitors_the_member_once_and_tells_every_peer) {
  add_peer(100);
  EXPECT_EQ(show(core.join("g"_atom, {local(5)}, false)),
            (std::vector<std::string>{
              "monitor " + str(local(5)),
              "send " + str(remote(100)) + " {join," + str(local(1)) + ",g,"
                + str(local(5)) + "}",
            }));
  // A second join of the same process: no second monitor; a list stays a
  // list on the wire.
  EXPECT_EQ(show(core.join("h"_atom, {local(5), local(6)}, true)),
            (std::vector<std::string>{
              "monitor " + str(local(6)),
              "send " + str(remote(100)) + " {join," + str(local(1)) + ",h,["
                + str(local(5)) + "," + str(local(6)) + "]}",
            }));
  core.join("g"_atom, {local(6)}, false);
  core.join("g"_atom, {local(5)}, false);
  // Newest first, repeats kept, as pg:get_members/2.
  EXPECT_EQ(core.members("g"_atom),
            (std::vector<etf::pid>{local(5), local(6), local(5)}));
  EXPECT_EQ(core.local_members("h"_atom),
            (std::vector<etf::pid>{local(5), local(6)}));
  EXPECT_EQ(core.which_local_groups(),
            (std::vector<etf::term>{"g"_atom, "h"_atom}));
}

TEST_F(pg_core, leave_tells_peers_only_of_processes_that_were_members) {
  core.join("g"_atom, {local(5)}, false);
  core.join("g"_atom, {local(5)}, false);
  add_peer(100);
  EXPECT_FALSE(core.leave("g"_atom, {local(9)}, false)); // not_joined
  EXPECT_FALSE(core.leave("other"_atom, {local(5)}, false));
  auto fx = core.leave("g"_atom, {local(5), local(9)}, true);
  ASSERT_TRUE(fx);
  // Still in g once: no demonitor yet.
  EXPECT_EQ(show(*fx), (std::vector<std::string>{
                         "send " + str(remote(100)) + " {leave," + str(local(1))
                           + ",[" + str(local(5)) + "],[g]}",
                       }));
  fx = core.leave("g"_atom, {local(5)}, false);
  ASSERT_TRUE(fx);
  EXPECT_EQ(show(*fx), (std::vector<std::string>{
                         "demonitor " + str(local(5)),
                         "send " + str(remote(100)) + " {leave," + str(local(1))
                           + "," + str(local(5)) + ",[g]}",
                       }));
  EXPECT_TRUE(core.which_groups().empty());
}

TEST_F(pg_core, a_member_that_ends_leaves_every_group_in_one_message) {
  core.join("g"_atom, {local(5)}, false);
  core.join("h"_atom, {local(5)}, false);
  core.join("g"_atom, {local(5)}, false);
  core.join("g"_atom, {local(6)}, false);
  add_peer(100);
  EXPECT_EQ(show(core.member_down(local(5))),
            (std::vector<std::string>{
              "send " + str(remote(100)) + " {leave," + str(local(1)) + ","
                + str(local(5)) + ",[g,h,g]}",
            }));
  EXPECT_EQ(core.members("g"_atom), (std::vector<etf::pid>{local(6)}));
  EXPECT_TRUE(core.members("h"_atom).empty());
  EXPECT_TRUE(core.member_down(local(5)).empty()); // already gone
}

TEST_F(pg_core, discover_is_answered_with_a_sync_and_a_new_peer_is_discovered) {
  core.join("g"_atom, {local(5)}, false);
  auto sync = "send " + str(remote(100)) + " {'$gen_cast',{sync,"
              + str(local(1)) + ",[{g,[" + str(local(5)) + "]}]}}";
  EXPECT_EQ(show(receive(etf::make_tuple("discover"_atom, remote(100)))),
            (std::vector<std::string>{
              sync,
              "monitor " + str(remote(100)),
              "send " + str(remote(100)) + " {discover," + str(local(1)) + "}",
            }));
  // Known now: only the sync. OTP 26+'s 3-tuple is the same message.
  EXPECT_EQ(show(receive(etf::make_tuple("discover"_atom, remote(100), 1))),
            (std::vector<std::string>{sync}));
  EXPECT_EQ(core.peers(), (std::vector<etf::pid>{remote(100)}));
  EXPECT_EQ(show(core.discover(beam_node)),
            (std::vector<std::string>{"send_scope beam@127.0.0.1 {discover,"
                                      + str(local(1)) + "}"}));
}

TEST_F(pg_core, sync_replaces_what_a_peer_had_told) {
  auto peer = remote(100);
  auto sync = [&](etf::list groups) {
    return etf::make_tuple("$gen_cast"_atom,
                           etf::make_tuple("sync"_atom, peer, groups));
  };
  // A sync from an unknown peer makes it known (and monitored).
  EXPECT_EQ(show(receive(sync(etf::list{{
              etf::make_tuple("a"_atom, list_of({remote(7), remote(8)})),
              etf::make_tuple("b"_atom, list_of({remote(7)})),
            }}))),
            (std::vector<std::string>{"monitor " + str(peer)}));
  core.join("a"_atom, {local(5)}, false);
  EXPECT_EQ(core.members("a"_atom),
            (std::vector<etf::pid>{local(5), remote(7), remote(8)}));
  receive(sync(etf::list{{
    etf::make_tuple("a"_atom, list_of({remote(8)})),
    etf::make_tuple("c"_atom, list_of({remote(9)})),
  }}));
  EXPECT_EQ(core.members("a"_atom),
            (std::vector<etf::pid>{remote(8), local(5)}));
  EXPECT_TRUE(core.members("b"_atom).empty());
  EXPECT_EQ(core.members("c"_atom), (std::vector<etf::pid>{remote(9)}));
  EXPECT_EQ(core.which_groups(), (std::vector<etf::term>{"a"_atom, "c"_atom}));
}

TEST_F(pg_core, a_peers_joins_and_leaves_count_only_once_it_is_known) {
  auto peer = remote(100);
  // Unknown peer: ignored, as pg ignores it.
  EXPECT_TRUE(
    receive(etf::make_tuple("join"_atom, peer, "g"_atom, remote(7))).empty());
  EXPECT_TRUE(core.members("g"_atom).empty());
  add_peer(100);
  receive(etf::make_tuple("join"_atom, peer, "g"_atom, remote(7)));
  receive(etf::make_tuple("join"_atom, peer, "g"_atom,
                          list_of({remote(8), remote(7)})));
  EXPECT_EQ(core.members("g"_atom),
            (std::vector<etf::pid>{remote(8), remote(7), remote(7)}));
  // A leave naming a group the peer never joined is skipped, the rest kept.
  receive(etf::make_tuple("leave"_atom, peer, remote(7),
                          etf::list{{"nope"_atom, "g"_atom}}));
  EXPECT_EQ(core.members("g"_atom),
            (std::vector<etf::pid>{remote(8), remote(7)}));
  EXPECT_TRUE(core.local_members("g"_atom).empty());
  // The peer scope goes down: all it told is gone.
  core.peer_down(peer);
  EXPECT_TRUE(core.which_groups().empty());
  EXPECT_TRUE(core.peers().empty());
  EXPECT_TRUE(
    receive(etf::make_tuple("join"_atom, peer, "g"_atom, remote(7))).empty());
  EXPECT_TRUE(core.members("g"_atom).empty());
}

TEST_F(pg_core, malformed_and_foreign_messages_change_nothing) {
  core.join("g"_atom, {local(5)}, false);
  add_peer(100);
  auto before = core.all_groups();
  auto peer = remote(100);
  std::vector<etf::term> bad{
    "hello"_atom,
    etf::make_tuple("discover"_atom),
    etf::make_tuple("discover"_atom, "x"_atom),
    etf::make_tuple("discover"_atom, local(3)), // a local "peer"
    etf::make_tuple("$gen_call"_atom, etf::make_tuple(peer, "tag"_atom),
                    "monitor"_atom),
    etf::make_tuple("$gen_cast"_atom, "sync"_atom),
    etf::make_tuple("$gen_cast"_atom,
                    etf::make_tuple("sync"_atom, peer, "notalist"_atom)),
    etf::make_tuple(
      "$gen_cast"_atom,
      etf::make_tuple(
        "sync"_atom, peer,
        etf::list{{etf::make_tuple("g"_atom, etf::list{{"notapid"_atom}})}})),
    etf::make_tuple("join"_atom, peer, "g"_atom, "notapid"_atom),
    etf::make_tuple("join"_atom, peer, "g"_atom, etf::list{{1}}),
    etf::make_tuple("leave"_atom, peer, remote(7), "g"_atom),
    etf::make_tuple("leave"_atom, "x"_atom, remote(7), etf::list{}),
  };
  for (auto& msg : bad) {
    auto fx = core.receive(msg);
    EXPECT_FALSE(fx) << str(msg) << " was taken";
  }
  EXPECT_EQ(core.all_groups(), before);
  EXPECT_EQ(core.peers(), (std::vector<etf::pid>{peer}));
}

TEST_F(pg_core, watches_see_joins_and_leaves_of_their_groups) {
  auto all = core.watch(std::nullopt);
  auto only_g = core.watch(etf::term{"g"_atom});
  auto fx = core.join("g"_atom, {local(5)}, false);
  EXPECT_EQ(
    show(fx),
    (std::vector<std::string>{
      "monitor " + str(local(5)),
      "notify " + std::to_string(all) + " join g [" + str(local(5)) + "]",
      "notify " + std::to_string(only_g) + " join g [" + str(local(5)) + "]",
    }));
  fx = core.join("h"_atom, {local(5)}, false);
  EXPECT_EQ(show(fx), (std::vector<std::string>{
                        "notify " + std::to_string(all) + " join h ["
                          + str(local(5)) + "]",
                      }));
  EXPECT_TRUE(core.unwatch(all));
  EXPECT_FALSE(core.unwatch(all));
  fx = core.member_down(local(5));
  EXPECT_EQ(show(fx), (std::vector<std::string>{
                        "notify " + std::to_string(only_g) + " leave g ["
                          + str(local(5)) + "]",
                      }));
}
