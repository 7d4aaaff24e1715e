#include "bridge_interop_fixture.hpp"

#include "cafe/test/env.hpp"
#include "cafe/test/tools.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

namespace cafe::test {

namespace {

/// The compiled interop_peer.beam, shared by the tests of one binary.
std::unique_ptr<temp_dir> peer_dir;

} // namespace

caf::behavior caf_agent(caf::event_based_actor* self, caf::actor observer,
                        bool trap) {
  if (trap)
    self->set_exit_handler([=](caf::exit_msg& x) {
      self->send(observer, exit_atom::value, x.source,
                 actor::to_exit_term(x.reason));
    });
  self->set_down_handler([=](caf::down_msg& x) {
    self->send(observer, down_atom::value, x.source,
               actor::to_exit_term(x.reason));
  });
  return {
    [=](caf::link_atom, const caf::actor& x) {
      self->link_to(x);
      return caf::ok_atom::value;
    },
    [=](caf::unlink_atom, const caf::actor& x) {
      self->unlink_from(x);
      return caf::ok_atom::value;
    },
    [=](caf::monitor_atom, const caf::actor& x) {
      self->monitor(x);
      return caf::ok_atom::value;
    },
    [=](exit_atom, const caf::actor& x, const etf::term& reason) {
      self->send_exit(x, actor::to_error(reason));
      return caf::ok_atom::value;
    },
    [=](stop_atom, const etf::term& reason) {
      self->quit(actor::to_error(reason));
    },
    [=](caf::ping_atom) { return caf::pong_atom::value; },
  };
}

actor_interop::actor_interop() {
  cfg_.set("scheduler.max-threads", 2);
}

actor_interop::~actor_interop() {
  // TearDown does the work; this catches a SetUp that threw half-way.
  if (sys)
    TearDown();
}

void actor_interop::SetUp() {
  interop_fixture::SetUp();
  if (!peer_dir)
    peer_dir = compile_erl("tests/bridge/actor/interop_peer.erl");
  sys = std::make_unique<caf::actor_system>(cfg_);
  cafe = start_cafe();
  br = std::make_unique<actor::bridge>(*sys, cafe);
  probe = cafe->make_mailbox("probe");
}

void actor_interop::TearDown() {
  for (auto& x : kept_)
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  kept_.clear();
  br.reset();
  sys.reset();
}

std::unique_ptr<erl_node>
actor_interop::start_peer(std::string name, std::vector<std::string> extra) {
  return start_erl(std::move(name), [&](erl_options& opts) {
    opts.extra_args = {"-pa", peer_dir->path().string()};
    opts.extra_args.insert(opts.extra_args.end(), extra.begin(), extra.end());
  });
}

caf::actor actor_interop::spawn_agent(const caf::actor& observer, bool trap) {
  return keep(sys->spawn(caf_agent, observer, trap));
}

caf::actor actor_interop::keep(caf::actor x) {
  kept_.push_back(x);
  return x;
}

etf::pid actor_interop::spawn_erl_agent(erl_node& erl,
                                        const etf::pid& report_to, bool trap) {
  auto pid = erl.eval("cafe_peer:spawn_agent(" + erl_literal(report_to) + ", "
                      + (trap ? "true" : "false") + ")");
  if (!pid.is<etf::pid>())
    throw std::runtime_error("spawn_agent: " + etf::to_string(pid));
  return pid.get<etf::pid>();
}

void actor_interop::command(erl_node& erl, const etf::pid& agent,
                            const std::string& cmd) {
  ASSERT_EQ(erl.eval(erl_literal(agent) + " ! " + cmd + ", ok"),
            etf::term{etf::atom{"ok"}});
}

std::optional<caf_report>
actor_interop::next_report(caf::scoped_actor& self,
                           std::chrono::milliseconds timeout) {
  std::optional<caf_report> result;
  self->receive(
    [&](exit_atom, const caf::actor_addr& source, const etf::term& reason) {
      result = caf_report{false, source, reason};
    },
    [&](down_atom, const caf::actor_addr& source, const etf::term& reason) {
      result = caf_report{true, source, reason};
    },
    caf::after(timeout) >>
      [] {
        // nop
      });
  return result;
}

void actor_interop::expect(node::mailbox& mb, const etf::term& what,
                           std::chrono::milliseconds timeout) {
  auto msg = mb.receive(timeout);
  ASSERT_TRUE(msg) << "expected " << etf::to_string(what);
  EXPECT_EQ(*msg, what) << etf::to_string(*msg);
}

bool actor_interop::erl_linked(erl_node& erl, const etf::pid& pid,
                               const etf::pid& other) {
  return erl.eval("case process_info(" + erl_literal(pid)
                  + ", links) of {links, L} -> lists:member("
                  + erl_literal(other) + ", L); _ -> false end")
         == etf::term{true};
}

etf::term actor_interop::report(const etf::pid& agent, etf::term msg) {
  return etf::make_tuple(etf::atom{"agent"}, agent, std::move(msg));
}

} // namespace cafe::test
