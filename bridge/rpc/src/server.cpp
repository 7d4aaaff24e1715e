// erpc and rex on a cafe node: remote spawns and rex requests become calls
// of the export table, run on the CAF scheduler.

#include "cafe/rpc/server.hpp"

#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/log.hpp"
#include "cafe/node/gen_call.hpp"
#include "cafe/node/local_process.hpp"
#include "cafe/node/node.hpp"
#include "funs.hpp"

#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace cafe::rpc {

namespace {

/// Work for the CAF scheduler, handed over by an io thread.
struct job {
  std::function<void()> run;
};

} // namespace

} // namespace cafe::rpc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cafe::rpc::job)

namespace cafe::rpc {

namespace {

/// Starts an actor for each job it receives. io threads hand jobs to it
/// rather than spawning themselves: CAF ties an actor spawned from a
/// foreign thread to that thread, and ~actor_system then waits for the
/// thread to end, which io threads that outlive the system never do.
caf::behavior job_runner(caf::event_based_actor* self) {
  return {
    [=](const job& j) { self->spawn([run = j.run] { run(); }); },
  };
}

using namespace etf::literals;

etf::term nil() {
  return etf::term{etf::list{}};
}

/// erpc:execute_call/4's exit reason for the caller's monitor.
etf::term erpc_reply(const etf::term& ref, const outcome& x) {
  switch (x.kind) {
    case outcome_class::returned:
      return etf::make_tuple(ref, "return"_atom, x.value);
    case outcome_class::thrown:
      return etf::make_tuple(ref, "throw"_atom, x.value);
    case outcome_class::exited:
      return etf::make_tuple(ref, "exit"_atom, x.value);
    case outcome_class::error:
      return etf::make_tuple(ref, "error"_atom, x.value, x.stack);
  }
  return etf::term{"normal"_atom};
}

/// rpc:execute_call/3's reply, what rex sends back.
etf::term rex_reply(const outcome& x) {
  switch (x.kind) {
    case outcome_class::returned:
    case outcome_class::thrown: return x.value;
    case outcome_class::exited:
      return etf::make_tuple("badrpc"_atom,
                             etf::make_tuple("EXIT"_atom, x.value));
    case outcome_class::error:
      return etf::make_tuple(
        "badrpc"_atom,
        etf::make_tuple("EXIT"_atom, etf::make_tuple(x.value, x.stack)));
  }
  return nil();
}

/// How a spawned process running the function ends, as a BEAM process
/// whose initial call returned or raised.
etf::term process_exit(const outcome& x) {
  switch (x.kind) {
    case outcome_class::returned: return etf::term{"normal"_atom};
    case outcome_class::thrown:
      return etf::make_tuple(etf::make_tuple("nocatch"_atom, x.value),
                             x.stack.is<etf::list>() ? x.stack : nil());
    case outcome_class::exited: return x.value;
    case outcome_class::error: return etf::make_tuple(x.value, x.stack);
  }
  return etf::term{"normal"_atom};
}

/// erpc:execute_cast/3's ending: errors are reported like calls' errors.
etf::term cast_exit(const outcome& x) {
  if (x.kind == outcome_class::error)
    return etf::make_tuple(etf::make_tuple("exception"_atom,
                                           etf::make_tuple(x.value, x.stack)),
                           x.stack);
  return process_exit(x);
}

std::optional<std::tuple<etf::atom, etf::atom, etf::list>>
as_mfa(const etf::term& m, const etf::term& f, const etf::term& a) {
  auto mod = m.get_if<etf::atom>();
  auto fun = f.get_if<etf::atom>();
  auto args = a.get_if<etf::list>();
  if (!mod || !fun || !args || !args->proper())
    return std::nullopt;
  return std::tuple{*mod, *fun, *args};
}

} // namespace

// -- state
// ---------------------------------------------------------------------

struct server::state : std::enable_shared_from_this<server::state> {
  state(caf::actor_system& s, std::shared_ptr<actor::bridge> b,
        std::shared_ptr<const exports> t)
    : sys(s), runner(s.spawn(job_runner)), bridge(std::move(b)),
      table(std::move(t)) {
    // nop
  }

  ~state() {
    caf::anon_send_exit(runner, caf::exit_reason::user_shutdown);
  }

  /// Runs `fn` in an actor of its own, on the CAF scheduler.
  void post(std::function<void()> fn) {
    caf::anon_send(runner, job{std::move(fn)});
  }

  caf::actor_system& sys;
  caf::actor runner;
  std::shared_ptr<actor::bridge> bridge;
  std::shared_ptr<const exports> table;
  etf::pid rex_pid;

  node::node& self_node() {
    return bridge->node();
  }

  /// Where the function `c` names runs.
  execution where(const call& c) const {
    return table->where(c.module, c.function, c.args.size());
  }

  /// Runs `fn` on the CAF scheduler, or right here.
  void run_as(execution how, std::function<void()> fn) {
    if (how == execution::caller_thread)
      fn();
    else
      post(std::move(fn));
  }

  /// Runs `c` and hands its outcome to `done`.
  void run(call c, responder done) {
    // Weak: a job still queued when the server goes finds the table gone
    // and does nothing (the table's functions may hold the bridge).
    std::weak_ptr<const exports> weak_table = table;
    auto how = where(c);
    run_as(how, [weak_table, c = std::move(c), done = std::move(done)] {
      if (auto t = weak_table.lock())
        t->apply(c, done);
    });
  }

  void serve(node::incoming_spawn req);
  void start_task(const node::incoming_spawn& req, call c,
                  std::function<etf::term(const outcome&)> exit_reason);
  void end_at_once(const node::incoming_spawn& req, etf::term reason);
};

// -- a process that runs one call ---------------------------------------------

namespace {

/// A spawned process whose whole life is one call: it ends when the call
/// does, with the reason its spawner's protocol expects. Messages to it
/// are dropped (the function cannot receive them); an exit signal other
/// than `normal` ends it at once, and the call's outcome is then ignored.
class task_process : public node::local_process {
public:
  task_process(std::weak_ptr<node::node> owner, etf::pid self)
    : owner_(std::move(owner)), self_(std::move(self)) {
    // nop
  }

  const etf::pid& self() const noexcept {
    return self_;
  }

  /// Ends the process with `reason`, once.
  void end(const etf::term& reason) {
    if (ended_.exchange(true))
      return;
    if (auto nd = owner_.lock())
      nd->remove_process(self_, reason);
  }

  bool ended() const noexcept {
    return ended_.load();
  }

  void deliver(const std::optional<etf::pid>&, etf::term) override {
    // A C++ function has no receive.
  }

  void exit_signal(const etf::pid&, const etf::term& reason, bool) override {
    if (reason == etf::term{"normal"_atom})
      return;
    end(reason == etf::term{"kill"_atom} ? etf::term{"killed"_atom} : reason);
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {
    // It monitors nothing.
  }

private:
  std::weak_ptr<node::node> owner_;
  etf::pid self_;
  std::atomic<bool> ended_{false};
};

} // namespace

void server::state::start_task(
  const node::incoming_spawn& req, call c,
  std::function<etf::term(const outcome&)> exit_reason) {
  auto& nd = self_node();
  auto proc = std::make_shared<task_process>(nd.weak_from_this(),
                                             nd.make_pid());
  nd.add_process(proc->self(), proc);
  nd.spawned(req, proc->self());
  auto waits = req.monitor;
  auto req_id = req.req_id;
  auto weak_node = nd.weak_from_this();
  std::weak_ptr<const exports> weak_table = table;
  auto how = where(c);
  run_as(how, [weak_table, proc, waits, req_id, weak_node, c = std::move(c),
               exit_reason = std::move(exit_reason)] {
    auto nd = weak_node.lock();
    auto table_ref = weak_table.lock();
    // A caller that stopped waiting (timeout, noconnection) before the
    // call started gets nothing from it: it is dropped.
    if (!nd || !table_ref || proc->ended()
        || (waits && !nd->monitored(req_id))) {
      proc->end(etf::term{"normal"_atom});
      return;
    }
    table_ref->apply(c, [proc, exit_reason](outcome x) {
      proc->end(exit_reason(x));
    });
  });
}

void server::state::end_at_once(const node::incoming_spawn& req,
                                etf::term reason) {
  auto& nd = self_node();
  auto proc = std::make_shared<task_process>(nd.weak_from_this(),
                                             nd.make_pid());
  nd.add_process(proc->self(), proc);
  nd.spawned(req, proc->self());
  proc->end(reason);
}

void server::state::serve(node::incoming_spawn req) {
  auto& args = req.args.elements;
  auto make_call = [&](etf::atom m, etf::atom f, etf::list a) {
    return call{m, f, std::move(a), req.from, etf::term{req.group_leader}};
  };
  // erpc:call and rpc:call (OTP 23+).
  if (req.module == "erpc"_atom && req.function == "execute_call"_atom
      && args.size() == 4) {
    auto ref = args[0];
    auto mfa = as_mfa(args[1], args[2], args[3]);
    if (!mfa) {
      end_at_once(
        req, etf::make_tuple(
               ref, "error"_atom, "badarg"_atom,
               etf::term{etf::list{{etf::make_tuple(
                 "erlang"_atom, "apply"_atom,
                 etf::term{etf::list{{args[1], args[2], args[3]}}}, nil())}}}));
      return;
    }
    auto& [m, f, a] = *mfa;
    start_task(req, make_call(m, f, a),
               [ref](const outcome& x) { return erpc_reply(ref, x); });
    return;
  }
  // erpc:cast and rpc:cast.
  if (req.module == "erpc"_atom && req.function == "execute_cast"_atom
      && args.size() == 3) {
    auto mfa = as_mfa(args[0], args[1], args[2]);
    if (!mfa) {
      end_at_once(req, etf::term{"badarg"_atom});
      return;
    }
    auto& [m, f, a] = *mfa;
    start_task(req, make_call(m, f, a), [m = m, f = f](const outcome& x) {
      if (x.kind == outcome_class::error)
        cafe::logger().warn("rpc: cast of {}:{} failed: {}", m.text(), f.text(),
                            etf::to_string(x.value));
      return cast_exit(x);
    });
    return;
  }
  // spawn(Node, Fun) and Node.spawn(node, fn -> ... end) arrive as
  // erlang:apply(Fun, []).
  if (req.module == "erlang"_atom && req.function == "apply"_atom
      && args.size() == 2) {
    auto a = args[1].get_if<etf::list>();
    if (auto ef = args[0].get_if<etf::export_fun>();
        ef && a && a->proper() && a->size() == ef->arity) {
      start_task(req, make_call(ef->module, ef->function, *a), process_exit);
      return;
    }
    if (auto fn = args[0].get_if<etf::fun>()) {
      note_fun_refused(req.from.node, *fn);
      end_at_once(req, etf::make_tuple("undef"_atom,
                                       fun_undef_stack(args[0], args[1])));
      return;
    }
  }
  if (req.module == "erlang"_atom && req.function == "apply"_atom
      && args.size() == 3) {
    if (auto mfa = as_mfa(args[0], args[1], args[2])) {
      auto& [m, f, a] = *mfa;
      start_task(req, make_call(m, f, a), process_exit);
      return;
    }
  }
  // A spawnable actor, else a function as a process's initial call (undef
  // when there is none). Actors start on the CAF scheduler (see
  // job_runner), and the reply goes out once the actor has its pid.
  std::weak_ptr<state> weak = weak_from_this();
  post([weak, req = std::move(req)] {
    auto st = weak.lock();
    if (!st)
      return;
    auto spawned = st->table->spawn(st->sys, req.module, req.function,
                                    req.args);
    if (!spawned) {
      st->start_task(req,
                     call{req.module, req.function, req.args, req.from,
                          etf::term{req.group_leader}},
                     process_exit);
      return;
    }
    auto& [handle, how] = *spawned;
    if (!handle) {
      st->end_at_once(req, etf::make_tuple("badarg"_atom,
                                           etf::term{etf::list{{etf::make_tuple(
                                             req.module, req.function,
                                             etf::term{req.args}, nil())}}}));
      return;
    }
    st->self_node().spawned(req, st->bridge->bind(handle, how));
  });
}

// -- rex ----------------------------------------------------------------------

namespace {

/// The process `rex`: rpc's server, as OTP's rpc.erl answers it.
class rex_process : public node::local_process {
public:
  explicit rex_process(std::weak_ptr<server::state> st, etf::pid self)
    : state_(std::move(st)), self_(std::move(self)) {
    // nop
  }

  const etf::pid& self() const noexcept {
    return self_;
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    auto st = state_.lock();
    if (!st)
      return;
    auto& nd = st->self_node();
    auto self = self_;
    etf::pid from;
    etf::term inner, m, f, a, gl, name, payload;
    // {From, {call, M, F, A, GL}}: erl_call, ei_rpc and hidden C nodes.
    if (etf::match(msg, &from, &inner)
        && etf::match(inner, "call"_atom, &m, &f, &a, &gl)) {
      if (auto mfa = as_mfa(m, f, a)) {
        auto& [mod, fun, args] = *mfa;
        auto weak_node = nd.weak_from_this();
        st->run(call{mod, fun, args, from, gl},
                [weak_node, self, from](outcome x) {
                  if (auto n = weak_node.lock())
                    n->send(self, from,
                            etf::make_tuple("rex"_atom, rex_reply(x)), true);
                });
      }
      return;
    }
    if (etf::match(msg, &from, "features_request"_atom)) {
      nd.send(self, from,
              etf::make_tuple("features_reply"_atom, nd.name(),
                              etf::term{etf::list{{etf::term{"erpc"_atom}}}}),
              true);
      return;
    }
    if (etf::match(msg, &from, &inner)) {
      if (etf::match(inner, "sbcast"_atom, &name, &payload)
          || etf::match(inner, "send"_atom, &name, &payload)) {
        auto target = name.get_if<etf::atom>();
        auto sbcast = etf::match(inner, "sbcast"_atom, etf::_, etf::_);
        if (target && nd.whereis(*target)) {
          nd.send(self, *target, nd.name(),
                  sbcast ? payload : etf::make_tuple(from, payload), true);
          if (sbcast)
            nd.send(self, from,
                    etf::make_tuple("rex"_atom, nd.name(), nd.name()), true);
        } else {
          nd.send(
            self, from,
            etf::make_tuple("rex"_atom, nd.name(),
                            etf::make_tuple("nonexisting_name"_atom, name)),
            true);
        }
        return;
      }
    }
    // gen_server:call(rex, {call | block_call, M, F, A, GL}): rpc of OTP
    // 23/24 and rpc:block_call.
    if (auto c = node::parse_gen_call(msg)) {
      if (etf::match(c->request, "call"_atom, &m, &f, &a, &gl)
          || etf::match(c->request, "block_call"_atom, &m, &f, &a, &gl)) {
        if (auto mfa = as_mfa(m, f, a)) {
          auto& [mod, fun, args] = *mfa;
          auto weak_node = nd.weak_from_this();
          st->run(call{mod, fun, args, c->from, gl},
                  [weak_node, self, req = *c](outcome x) {
                    if (auto n = weak_node.lock())
                      node::send_gen_reply(*n, self, req, rex_reply(x), true);
                  });
        }
      }
      // Other requests are ignored, as rex does.
      return;
    }
    if (etf::match(msg, "$gen_cast"_atom, &inner)) {
      if (etf::match(inner, "cast"_atom, &m, &f, &a, &gl))
        if (auto mfa = as_mfa(m, f, a)) {
          auto& [mod, fun, args] = *mfa;
          st->run(call{mod, fun, args, std::nullopt, gl}, [](outcome) {});
        }
      return;
    }
  }

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // rex outlives its links, as net_kernel does.
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {
    // It monitors nothing.
  }

private:
  std::weak_ptr<server::state> state_;
  etf::pid self_;
};

} // namespace

// -- server -------------------------------------------------------------------

server::server(caf::actor_system& sys, std::shared_ptr<actor::bridge> bridge,
               std::shared_ptr<const exports> table)
  : state_(std::make_shared<state>(sys, std::move(bridge), std::move(table))) {
  auto& nd = state_->self_node();
  auto rex = std::make_shared<rex_process>(state_, nd.make_pid());
  state_->rex_pid = rex->self();
  nd.add_process(rex->self(), rex);
  if (!nd.register_name("rex"_atom, rex->self()))
    cafe::logger().warn("rpc: the name rex is taken; rex requests go there");
  std::weak_ptr<state> weak = state_;
  auto weak_node = nd.weak_from_this();
  nd.serve_spawns([weak, weak_node](node::incoming_spawn req) {
    if (auto st = weak.lock())
      st->serve(std::move(req));
    else if (auto n = weak_node.lock())
      n->refuse_spawn(req, "notsup"_atom);
  });
}

server::~server() {
  auto& nd = state_->self_node();
  nd.serve_spawns(nullptr);
  nd.remove_process(state_->rex_pid, etf::term{"shutdown"_atom});
}

} // namespace cafe::rpc
