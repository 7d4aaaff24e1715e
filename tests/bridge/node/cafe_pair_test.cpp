// cafe <-> cafe: two cafe nodes in one process, each playing one side of
// the handshake, exchange messages, links, monitors and exit signals; every
// other suite pairs cafe with a real erl.

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

using namespace cafe;
using namespace cafe::test;
using namespace cafe::etf::literals;

namespace {

constexpr int64_t message_count = 10000;

class cafe_pair : public interop_fixture {
protected:
  void start_pair() {
    a = start_cafe();
    // The second node registers with the first one's embedded EPMD.
    b = start_cafe([](node::config& cfg) {
      cfg.name = std::string{node_name("cafe_b").text()};
    });
  }

  /// The next message of `mb`, which must be `expected`.
  static void expect(node::mailbox& mb, const etf::term& expected) {
    auto got = mb.receive(10s);
    ASSERT_TRUE(got) << "nothing instead of " << etf::to_string(expected);
    EXPECT_EQ(*got, expected) << etf::to_string(*got);
  }

  std::shared_ptr<node::node> a;
  std::shared_ptr<node::node> b;
};

} // namespace

TEST_F(cafe_pair, ping_both_roles) {
  start_pair();
  EXPECT_TRUE(a->runs_embedded_epmd());
  EXPECT_FALSE(b->runs_embedded_epmd());
  // a dials (initiator), b accepts (acceptor).
  ASSERT_TRUE(a->ping(b->name(), 10s));
  auto ab = a->connection_to(b->name());
  auto ba = b->connection_to(a->name());
  ASSERT_TRUE(ab && ba);
  EXPECT_TRUE(ab->initiated());
  EXPECT_FALSE(ba->initiated());
  EXPECT_EQ(ab->flags(), ba->flags());
  EXPECT_TRUE(contains(a->nodes(), b->name()));
  EXPECT_TRUE(contains(b->nodes(), a->name()));
  // The other way over the same connection.
  ASSERT_TRUE(b->ping(a->name(), 10s));
  EXPECT_EQ(b->connection_to(a->name()), ba);
}

TEST_F(cafe_pair, messages_arrive_in_order_by_name_and_pid) {
  start_pair();
  auto inbox = b->make_mailbox("inbox");
  auto mb = a->make_mailbox();
  // The first send dials; what is sent meanwhile keeps its place.
  for (int64_t i = 1; i <= message_count; ++i)
    ASSERT_TRUE(
      mb->send("inbox"_atom, b->name(), etf::make_tuple("seq"_atom, i)));
  for (int64_t i = 1; i <= message_count; ++i) {
    auto got = inbox->receive(10s);
    ASSERT_TRUE(got) << "message " << i << " missing";
    ASSERT_EQ(*got, etf::make_tuple("seq"_atom, i));
  }
  // And back to the sender's pid, with a term of every kind cafe sends.
  auto reply = etf::make_tuple("reply"_atom, inbox->self(), b->make_ref(),
                               etf::binary{std::string(200000, 'z')},
                               etf::make_list(1.5, "x"_atom));
  ASSERT_TRUE(inbox->send(mb->self(), reply));
  expect(*mb, reply);
}

TEST_F(cafe_pair, links_and_exit_signals_cross) {
  start_pair();
  auto x = a->make_mailbox();
  auto y = b->make_mailbox();
  ASSERT_TRUE(a->connect(b->name(), 10s));
  a->link(x->self(), y->self());
  // y ends: x, linked, gets the exit signal with the reason.
  auto reason = etf::make_tuple("shutdown"_atom, "pair"_atom);
  // The link must be in place on b before y ends: a message from x after
  // the LINK arrives after it.
  ASSERT_TRUE(x->send(y->self(), "after_link"_atom));
  expect(*y, "after_link"_atom);
  y->close(reason);
  expect(*x, etf::make_tuple("EXIT"_atom, y->self(), reason));
  // exit/2 from b to a process on a.
  auto z = b->make_mailbox();
  b->exit(z->self(), x->self(), "kindly"_atom);
  expect(*x, etf::make_tuple("EXIT"_atom, z->self(), "kindly"_atom));
}

TEST_F(cafe_pair, monitors_by_pid_and_name_report_the_reason) {
  start_pair();
  auto watcher = a->make_mailbox();
  auto target = b->make_mailbox("target");
  ASSERT_TRUE(a->connect(b->name(), 10s));
  auto by_pid = a->monitor(watcher->self(), target->self(), b->name());
  auto by_name = a->monitor(watcher->self(), "target"_atom, b->name());
  // Both monitors are set up on b before the target ends.
  ASSERT_TRUE(watcher->send(target->self(), "sync"_atom));
  expect(*target, "sync"_atom);
  target->close("done"_atom);
  std::vector<etf::term> downs;
  for (int i = 0; i < 2; ++i) {
    auto got = watcher->receive(10s);
    ASSERT_TRUE(got);
    downs.push_back(*got);
  }
  auto pid_down = etf::make_tuple("DOWN"_atom, by_pid, "process"_atom,
                                  target->self(), "done"_atom);
  auto name_down = etf::make_tuple("DOWN"_atom, by_name, "process"_atom,
                                   etf::make_tuple("target"_atom, b->name()),
                                   "done"_atom);
  EXPECT_TRUE((downs[0] == pid_down && downs[1] == name_down)
              || (downs[0] == name_down && downs[1] == pid_down))
    << etf::to_string(downs[0]) << " " << etf::to_string(downs[1]);
  // A monitor on a name nobody holds: noproc at once.
  auto missing = a->monitor(watcher->self(), "nobody"_atom, b->name());
  expect(*watcher, etf::make_tuple("DOWN"_atom, missing, "process"_atom,
                                   etf::make_tuple("nobody"_atom, b->name()),
                                   "noproc"_atom));
}

TEST_F(cafe_pair, a_stopped_node_is_noconnection_to_links_and_monitors) {
  start_pair();
  auto x = a->make_mailbox();
  auto y = b->make_mailbox();
  ASSERT_TRUE(a->connect(b->name(), 10s));
  a->link(x->self(), y->self());
  auto ref = a->monitor(x->self(), y->self(), b->name());
  ASSERT_TRUE(x->send(y->self(), "sync"_atom));
  expect(*y, "sync"_atom);
  b->stop();
  std::vector<etf::term> got;
  for (int i = 0; i < 2; ++i) {
    auto msg = x->receive(10s);
    ASSERT_TRUE(msg);
    got.push_back(*msg);
  }
  auto exit = etf::make_tuple("EXIT"_atom, y->self(), "noconnection"_atom);
  auto down = etf::make_tuple("DOWN"_atom, ref, "process"_atom, y->self(),
                              "noconnection"_atom);
  EXPECT_TRUE((got[0] == exit && got[1] == down)
              || (got[0] == down && got[1] == exit))
    << etf::to_string(got[0]) << " " << etf::to_string(got[1]);
  EXPECT_FALSE(contains(a->nodes(true), b->name()));
}
