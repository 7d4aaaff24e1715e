// The parts of erlang, net_adm, net_kernel and init that every node
// answers, from the cafe node's view.

#include "cafe/rpc/builtins.hpp"

#include "funs.hpp"

#include <chrono>
#include <ctime>
#include <mutex>
#include <sys/resource.h>
#include <thread>

namespace cafe::rpc {

namespace {

using namespace etf::literals;
using std::chrono::steady_clock;

etf::term atoms(const std::vector<etf::atom>& xs) {
  std::vector<etf::term> ys;
  ys.reserve(xs.size());
  for (auto x : xs)
    ys.emplace_back(x);
  return etf::term{etf::list{std::move(ys)}};
}

/// An Erlang string.
etf::term charlist(std::string_view text) {
  std::vector<etf::term> xs;
  for (unsigned char c : text)
    xs.emplace_back(int64_t{c});
  return etf::term{etf::list{std::move(xs)}};
}

std::shared_ptr<node::node> lock(const std::weak_ptr<node::node>& self) {
  auto result = self.lock();
  if (!result)
    raise_exit(etf::term{"shutdown"_atom});
  return result;
}

/// erlang:nodes/1 for one argument: an atom or a list of them.
std::vector<etf::atom> nodes_of(node::node& self, const etf::term& arg) {
  std::vector<etf::atom> kinds;
  if (auto a = arg.get_if<etf::atom>()) {
    kinds.push_back(*a);
  } else if (auto xs = arg.get_if<etf::list>(); xs && xs->proper()) {
    for (auto& x : xs->elements) {
      auto k = x.get_if<etf::atom>();
      if (!k)
        raise_error(etf::term{"badarg"_atom});
      kinds.push_back(*k);
    }
  } else {
    raise_error(etf::term{"badarg"_atom});
  }
  auto visible = self.nodes(false);
  auto connected = self.nodes(true);
  std::vector<etf::atom> result;
  auto add = [&](etf::atom x) {
    if (std::find(result.begin(), result.end(), x) == result.end())
      result.push_back(x);
  };
  for (auto k : kinds) {
    if (k == "visible"_atom) {
      for (auto n : visible)
        add(n);
    } else if (k == "hidden"_atom) {
      for (auto n : connected)
        if (std::find(visible.begin(), visible.end(), n) == visible.end())
          add(n);
    } else if (k == "connected"_atom) {
      for (auto n : connected)
        add(n);
    } else if (k == "this"_atom) {
      add(self.name());
    } else if (k == "known"_atom) {
      add(self.name());
      for (auto n : connected)
        add(n);
    } else {
      raise_error(etf::term{"badarg"_atom});
    }
  }
  return result;
}

/// erlang:statistics/1's `{Total, SinceLastCall}` pairs, in milliseconds.
class counters {
public:
  etf::term wall_clock() {
    auto now = steady_clock::now();
    std::lock_guard guard{mtx_};
    auto total = ms(now - started_);
    auto since = ms(now - last_wall_);
    last_wall_ = now;
    return etf::make_tuple(total, since);
  }

  etf::term runtime() {
    rusage use{};
    getrusage(RUSAGE_SELF, &use);
    auto cpu = [](const timeval& t) {
      return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_usec / 1000;
    };
    auto total = cpu(use.ru_utime) + cpu(use.ru_stime);
    std::lock_guard guard{mtx_};
    auto since = total - last_runtime_;
    last_runtime_ = total;
    return etf::make_tuple(total, since);
  }

private:
  static int64_t ms(steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }

  std::mutex mtx_;
  steady_clock::time_point started_ = steady_clock::now();
  steady_clock::time_point last_wall_ = started_;
  int64_t last_runtime_ = 0;
};

/// erlang:halt/1's status: an integer, `abort`, or a string (a crash
/// dump slogan on BEAM; a failure here).
int halt_status(const etf::term& x) {
  if (auto i = x.get_if<int64_t>(); i && *i >= 0)
    return static_cast<int>(*i & 0xff);
  if (x == etf::term{"abort"_atom})
    return 134;
  if (x.is<etf::list>() || x.is<etf::binary>())
    return 1;
  raise_error(etf::term{"badarg"_atom});
}

} // namespace

void add_builtins(exports& table, std::weak_ptr<node::node> self,
                  halt_function halt) {
  auto stats = std::make_shared<counters>();
  // erlang:apply/2,3 go back into the table; erpc:call(Node, Fun) arrives
  // as erlang:apply(Fun, []).
  auto* exported = &table;
  table
    .add_async("erlang", "apply", 3,
               [exported](const call& c, responder done) {
                 auto m = c.args[0].get_if<etf::atom>();
                 auto f = c.args[1].get_if<etf::atom>();
                 auto a = c.args[2].get_if<etf::list>();
                 if (!m || !f || !a || !a->proper())
                   detail::raise_badarg();
                 exported->apply(call{*m, *f, *a, c.caller, c.group_leader},
                                 std::move(done));
               })
    .add_async("erlang", "apply", 2, [exported](const call& c, responder done) {
      auto a = c.args[1].get_if<etf::list>();
      if (!a || !a->proper())
        detail::raise_badarg();
      if (auto ef = c.args[0].get_if<etf::export_fun>();
          ef && ef->arity == a->size()) {
        exported->apply(call{ef->module, ef->function, *a, c.caller,
                             c.group_leader},
                        std::move(done));
        return;
      }
      if (auto fn = c.args[0].get_if<etf::fun>()) {
        note_fun_refused(c.caller ? c.caller->node : etf::atom{}, *fn);
        auto stack = fun_undef_stack(c.args[0], c.args[1]).get<etf::list>();
        stack.elements.push_back(etf::make_tuple("erlang"_atom, "apply"_atom,
                                                 int64_t{2}, etf::list{}));
        done(outcome::error(etf::term{"undef"_atom}, etf::term{stack}));
        return;
      }
      detail::raise_badarg();
    });
  table
    .add(
      "erlang", "node", [self] { return lock(self)->name(); },
      execution::caller_thread)
    .add(
      "erlang", "nodes", [self] { return atoms(lock(self)->nodes(false)); },
      execution::caller_thread)
    .add("erlang", "nodes",
         [self](etf::term kind) { return atoms(nodes_of(*lock(self), kind)); })
    .add(
      "erlang", "registered",
      [self] { return atoms(lock(self)->registered()); },
      execution::caller_thread)
    .add("erlang", "whereis",
         [self](etf::atom name) -> etf::term {
           if (auto pid = lock(self)->whereis(name))
             return etf::term{*pid};
           return etf::term{"undefined"_atom};
         })
    .add("erlang", "is_process_alive",
         [self](etf::pid pid) {
           auto nd = lock(self);
           // Like the BIF: only for pids of this node.
           if (pid.node != nd->name())
             detail::raise_badarg();
           return nd->alive(pid);
         })
    .add("erlang", "processes",
         [self] {
           std::vector<etf::term> xs;
           for (auto& p : lock(self)->processes())
             xs.emplace_back(p);
           return etf::term{etf::list{std::move(xs)}};
         })
    .add("erlang", "system_info",
         [self](etf::atom item) -> etf::term {
           if (item == "otp_release"_atom)
             return charlist("25");
           if (item == "version"_atom)
             return charlist(CAFE_VERSION);
           if (item == "process_count"_atom)
             return etf::term{
               static_cast<int64_t>(lock(self)->process_count())};
           if (item == "schedulers"_atom || item == "logical_processors"_atom
               || item == "schedulers_online"_atom)
             return etf::term{static_cast<int64_t>(
               std::max(1u, std::thread::hardware_concurrency()))};
           if (item == "machine"_atom)
             return charlist("CAFE");
           detail::raise_badarg();
         })
    .add("erlang", "statistics",
         [stats](etf::atom item) {
           if (item == "wall_clock"_atom)
             return stats->wall_clock();
           if (item == "runtime"_atom)
             return stats->runtime();
           detail::raise_badarg();
         })
    // halt never returns on BEAM: the caller sees the node go away.
    .add_async("erlang", "halt", 0, [halt](const call&, responder) { halt(0); })
    .add_async(
      "erlang", "halt", 1,
      [halt](const call& c, responder done) {
        int status = 0;
        try {
          status = halt_status(c.args[0]);
        } catch (const exception&) {
          done(outcome::error(etf::term{"badarg"_atom},
                              etf::term{etf::list{{etf::make_tuple(
                                "erlang"_atom, "halt"_atom, etf::term{c.args},
                                etf::term{etf::list{}})}}}));
          return;
        }
        halt(status);
      })
    // init:stop/0,1 answer ok and stop the node afterwards.
    .add_async("init", "stop", 0,
               [halt](const call&, responder done) {
                 done(outcome::returned(etf::term{"ok"_atom}));
                 halt(0);
               })
    .add_async("init", "stop", 1,
               [halt](const call& c, responder done) {
                 int status = 0;
                 try {
                   status = halt_status(c.args[0]);
                 } catch (const exception&) {
                   done(outcome::error(etf::term{"badarg"_atom},
                                       etf::term{etf::list{}}));
                   return;
                 }
                 done(outcome::returned(etf::term{"ok"_atom}));
                 halt(status);
               })
    .add_async(
      "net_adm", "ping", 1,
      [self](const call& c, responder done) {
        auto peer = c.args[0].get_if<etf::atom>();
        auto nd = self.lock();
        if (!peer || !nd) {
          done(outcome::returned(etf::term{"pang"_atom}));
          return;
        }
        if (*peer == nd->name()) {
          done(outcome::returned(etf::term{"pong"_atom}));
          return;
        }
        nd->connect(*peer, [done](bool up) {
          done(outcome::returned(etf::term{up ? "pong"_atom : "pang"_atom}));
        });
      })
    .add_async("net_kernel", "connect_node", 1,
               [self](const call& c, responder done) {
                 auto peer = c.args[0].get_if<etf::atom>();
                 auto nd = self.lock();
                 if (!peer || !nd) {
                   done(outcome::returned(etf::term{"ignored"_atom}));
                   return;
                 }
                 if (*peer == nd->name()) {
                   done(outcome::returned(etf::term{true}));
                   return;
                 }
                 nd->connect(*peer, [done](bool up) {
                   done(outcome::returned(etf::term{up}));
                 });
               });
}

} // namespace cafe::rpc
