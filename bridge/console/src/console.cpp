#include "cafe/console/console.hpp"

#include "cafe/console/evaluator.hpp"
#include "cafe/console/expand.hpp"
#include "cafe/etf/chardata.hpp"
#include "cafe/etf/print.hpp"
#include "iex_expand_fun.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <variant>

namespace cafe::console {

namespace {

etf::atom atom(std::string_view text) {
  return etf::atom{text};
}

bool is_atom(const etf::term& x, std::string_view text) {
  auto a = x.get_if<etf::atom>();
  return a && a->text() == text;
}

/// Text as the I/O protocol carries it (unicode chardata), in UTF-8.
bool chardata(const etf::term& x, std::string& out) {
  auto text = etf::chardata_to_utf8(x);
  if (!text)
    return false;
  out += *text;
  return true;
}

/// Raised out of an evaluation when its session ends; no std::exception, so
/// the evaluator's catch-all lets it through.
struct session_ended {};

/// What reaches a session's thread.
struct message_event {
  etf::term msg;
};
struct exit_event {
  etf::pid from;
  etf::term reason;
  bool linked;
};
struct down_event {
  etf::reference ref;
  etf::term reason;
};
struct call_event {
  uint64_t id;
  rpc::outcome result;
};
struct stop_event {};

using event
  = std::variant<message_event, exit_event, down_event, call_event, stop_event>;

enum class flavour { erlang, iex };

/// Messages a shell keeps for flush().
constexpr size_t max_mailbox = 1000;

/// Events queued beyond this end the session: nobody types that fast.
constexpr size_t max_queue = 10000;

} // namespace

/// One shell session: a process of the node talking to its group leader.
class session : public node::local_process,
                public host,
                public std::enable_shared_from_this<session> {
public:
  session(std::weak_ptr<node::node> n, const rpc::exports& table, etf::pid self,
          etf::pid group, flavour f, size_t max_form)
    : node_(std::move(n)), table_(table), self_(self), group_(group),
      flavour_(f), max_form_(max_form) {}

  // -- local_process (io threads) ---------------------------------------------

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    push(message_event{std::move(msg)});
  }

  void exit_signal(const etf::pid& from, const etf::term& reason,
                   bool linked) override {
    push(exit_event{from, reason, linked});
  }

  void down(const etf::reference& ref, const etf::term&,
            const etf::term& reason) override {
    push(down_event{ref, reason});
  }

  void stop() {
    push(stop_event{});
  }

  // -- host (the session's thread) --------------------------------------------

  rpc::outcome apply(const rpc::call& c) override {
    auto id = ++call_ids_;
    auto call = c;
    call.group_leader = group_;
    std::weak_ptr<session> weak = shared_from_this();
    table_.apply(call, [weak, id](rpc::outcome x) {
      if (auto s = weak.lock())
        s->push(call_event{id, std::move(x)}, true);
    });
    for (;;) {
      auto ev = pop();
      if (auto r = std::get_if<call_event>(&ev); r && r->id == id)
        return std::move(r->result);
      if (auto e = std::get_if<exit_event>(&ev);
          e && !e->linked && is_atom(e->reason, "interrupt"))
        // Ctrl-G i: the call runs on, its answer is dropped.
        return rpc::outcome::exited(atom("killed"));
      handle_idle(ev);
    }
  }

  bool send(const etf::term& to, const etf::term& msg) override {
    auto n = node_.lock();
    if (!n)
      throw session_ended{};
    if (auto p = to.get_if<etf::pid>()) {
      n->send(self_, *p, msg, true);
      return true;
    }
    if (auto name = to.get_if<etf::atom>()) {
      auto pid = n->whereis(*name);
      if (!pid)
        return false;
      n->send(self_, *pid, msg, true);
      return true;
    }
    auto& t = to.get<etf::tuple>();
    n->send(self_, t[0].get<etf::atom>(), t[1].get<etf::atom>(), msg, true);
    return true;
  }

  etf::term self() override {
    return self_;
  }

  std::vector<etf::term> flush() override {
    return std::exchange(mailbox_, {});
  }

  // -- the session
  // --------------------------------------------------------------

  const etf::pid& pid() const noexcept {
    return self_;
  }

  bool finished() const noexcept {
    return finished_;
  }

  /// IEx's handshake with the iex that started it: `{begin, Ref, Shell}` to
  /// the process waiting in IEx.CLI.remote_start/2.
  void iex_handshake(etf::pid parent, etf::term ref) {
    iex_ref_ = ref;
    iex_parent_ = parent;
  }

  /// The thread's body: prompt, read, evaluate, print, until the group
  /// leader goes or `q()`.
  void run() {
    etf::term reason = atom("normal");
    try {
      start();
      repl();
    } catch (session_ended&) {
      reason = end_reason_;
    } catch (const std::exception&) {
      reason = atom("killed");
    }
    if (auto n = node_.lock())
      n->remove_process(self_, reason);
    finished_ = true;
  }

private:
  void push(event ev, bool force = false) {
    {
      std::lock_guard guard{mtx_};
      if (!force && queue_.size() >= max_queue)
        queue_.clear(), queue_.push_back(stop_event{});
      else
        queue_.push_back(std::move(ev));
    }
    cv_.notify_one();
  }

  event pop() {
    std::unique_lock guard{mtx_};
    cv_.wait(guard, [this] { return !queue_.empty(); });
    auto ev = std::move(queue_.front());
    queue_.pop_front();
    return ev;
  }

  /// Events outside a request: signals end the session, stray messages go
  /// to the mailbox.
  void handle_idle(event& ev) {
    if (auto m = std::get_if<message_event>(&ev)) {
      if (is_reply(m->msg) || is_iex_done(m->msg))
        return;
      if (mailbox_.size() < max_mailbox)
        mailbox_.push_back(std::move(m->msg));
      return;
    }
    if (auto e = std::get_if<exit_event>(&ev)) {
      if (e->linked || is_atom(e->reason, "kill")
          || !is_atom(e->reason, "normal")) {
        if (!e->linked && is_atom(e->reason, "interrupt"))
          return;
        end_reason_ = is_atom(e->reason, "kill") ? etf::term{atom("killed")}
                                                 : e->reason;
        throw session_ended{};
      }
      return;
    }
    if (auto d = std::get_if<down_event>(&ev)) {
      if (d->ref == group_monitor_) {
        end_reason_ = d->reason;
        throw session_ended{};
      }
      return;
    }
    if (std::holds_alternative<stop_event>(ev)) {
      end_reason_ = atom("killed");
      throw session_ended{};
    }
    // A late call_event of an interrupted call: dropped.
  }

  bool is_reply(const etf::term& msg) const {
    auto t = msg.get_if<etf::tuple>();
    return t && t->size() == 3 && is_atom((*t)[0], "io_reply");
  }

  bool is_iex_done(const etf::term& msg) const {
    auto t = msg.get_if<etf::tuple>();
    return iex_ref_ && t && t->size() == 2 && is_atom((*t)[0], "done")
           && (*t)[1] == *iex_ref_;
  }

  std::shared_ptr<node::node> lock_node() {
    auto n = node_.lock();
    if (!n) {
      end_reason_ = atom("shutdown");
      throw session_ended{};
    }
    return n;
  }

  void start() {
    auto n = lock_node();
    group_monitor_ = n->monitor(self_, group_, group_.node);
    // Tab completion for `iex --remsh`, set as IEx.start/2 sets it on the
    // node it runs on (see iex_expand_fun.hpp); without it, the group's own.
    if (flavour_ == flavour::iex)
      if (auto fun = detail::iex_expand_fun(*n, group_.node))
        request(etf::make_tuple(
          atom("setopts"),
          etf::term{etf::list{{etf::make_tuple(atom("expand_fun"), *fun)}}}));
    if (iex_parent_)
      n->send(self_, *iex_parent_,
              etf::make_tuple(atom("begin"), *iex_ref_, self_), true);
    put_chars("cafe console on " + std::string{n->name().text()}
              + " (Erlang expressions; help(). lists them, q(). leaves)\n");
  }

  /// `{io_request, Self, Ref, Request}` to the group leader.
  etf::term request(etf::term req) {
    auto n = lock_node();
    auto ref = n->make_ref();
    n->send(self_, group_,
            etf::make_tuple(atom("io_request"), self_, ref, std::move(req)),
            true);
    return ref;
  }

  void put_chars(const std::string& text) {
    request(
      etf::make_tuple(atom("put_chars"), atom("unicode"), etf::binary{text}));
  }

  /// A line from the group leader, or none at end of input.
  std::optional<std::string> get_line(const std::string& prompt) {
    auto ref = request(
      etf::make_tuple(atom("get_line"), atom("unicode"), etf::binary{prompt}));
    for (;;) {
      auto ev = pop();
      if (auto m = std::get_if<message_event>(&ev)) {
        auto t = m->msg.get_if<etf::tuple>();
        if (t && t->size() == 3 && is_atom((*t)[0], "io_reply")
            && (*t)[1] == ref) {
          std::string line;
          if (chardata((*t)[2], line))
            return line;
          if (auto e = (*t)[2].get_if<etf::tuple>();
              e && e->size() == 2 && is_atom((*e)[1], "interrupted"))
            return std::string{};
          return std::nullopt; // eof, {error, _}
        }
      }
      handle_idle(ev);
    }
  }

  std::string prompt(size_t n) const {
    auto node = node_.lock();
    auto name = node ? std::string{node->name().text()} : std::string{};
    auto text = "(" + name + ")" + std::to_string(n) + "> ";
    return flavour_ == flavour::iex ? "iex" + text : text;
  }

  void repl() {
    evaluator eval{*this};
    size_t count = 1;
    std::string buffer;
    for (;;) {
      auto line = get_line(prompt(count));
      if (!line) {
        end_reason_ = atom("normal");
        throw session_ended{};
      }
      buffer += *line;
      while (auto n = evaluator::form_length(buffer)) {
        auto form = buffer.substr(0, *n);
        buffer.erase(0, *n);
        auto res = eval.eval(form);
        if (res.what == evaluation::status::quit) {
          end_reason_ = atom("normal");
          throw session_ended{};
        }
        put_chars(format_shell(res));
        if (res.what != evaluation::status::syntax_error)
          ++count;
      }
      if (buffer.find_first_not_of(" \t\r\n") == std::string::npos) {
        buffer.clear();
      } else if (buffer.size() > max_form_) {
        buffer.clear();
        put_chars("* input discarded: no form end ('.' and a new line) in "
                  + std::to_string(max_form_) + " bytes\n");
      }
    }
  }

  std::weak_ptr<node::node> node_;
  const rpc::exports& table_;
  etf::pid self_;
  etf::pid group_;
  flavour flavour_;
  size_t max_form_;
  etf::reference group_monitor_;
  std::optional<etf::pid> iex_parent_;
  std::optional<etf::term> iex_ref_;
  etf::term end_reason_ = atom("normal");
  std::vector<etf::term> mailbox_;
  uint64_t call_ids_ = 0;
  std::atomic<bool> finished_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<event> queue_;
};

/// An `erl_eval:eval_str/1` call: blocking calls on a thread of its own.
class eval_host : public host {
public:
  eval_host(std::shared_ptr<node::node> n, const rpc::exports& table,
            const rpc::call& c)
    : node_(std::move(n)), table_(table), call_(c), from_(node_->make_pid()) {}

  rpc::outcome apply(const rpc::call& c) override {
    auto call = c;
    call.caller = call_.caller;
    call.group_leader = call_.group_leader;
    auto done = std::make_shared<std::promise<rpc::outcome>>();
    auto result = done->get_future();
    table_.apply(call, [done](rpc::outcome x) { done->set_value(x); });
    return result.get();
  }

  bool send(const etf::term& to, const etf::term& msg) override {
    if (auto p = to.get_if<etf::pid>()) {
      node_->send(from_, *p, msg, true);
      return true;
    }
    if (auto name = to.get_if<etf::atom>()) {
      auto pid = node_->whereis(*name);
      if (!pid)
        return false;
      node_->send(from_, *pid, msg, true);
      return true;
    }
    auto& t = to.get<etf::tuple>();
    node_->send(from_, t[0].get<etf::atom>(), t[1].get<etf::atom>(), msg, true);
    return true;
  }

  etf::term self() override {
    if (call_.caller)
      return *call_.caller;
    return etf::list{};
  }

private:
  std::shared_ptr<node::node> node_;
  const rpc::exports& table_;
  rpc::call call_;
  etf::pid from_;
};

struct console::state {
  std::weak_ptr<node::node> node;
  const rpc::exports* table = nullptr;
  options opts;
  std::mutex mtx;
  bool closed = false;
  std::list<std::pair<std::shared_ptr<session>, std::thread>> sessions;
  std::list<std::pair<std::shared_ptr<std::atomic<bool>>, std::thread>> evals;

  /// Joins the threads that ended. Called with `mtx` held.
  void reap() {
    for (auto i = sessions.begin(); i != sessions.end();) {
      if (i->first->finished()) {
        i->second.join();
        i = sessions.erase(i);
      } else {
        ++i;
      }
    }
    for (auto i = evals.begin(); i != evals.end();) {
      if (*i->first) {
        i->second.join();
        i = evals.erase(i);
      } else {
        ++i;
      }
    }
  }

  /// A new shell talking to `group_leader`; its pid.
  etf::term start_shell(const rpc::call& c, flavour f,
                        std::optional<std::pair<etf::pid, etf::term>> iex) {
    auto group = c.group_leader.get_if<etf::pid>();
    if (!group)
      rpc::raise_error(atom("badarg")); // a group leader we can talk to
    auto n = node.lock();
    if (!n)
      rpc::raise_error(atom("noproc"));
    std::lock_guard guard{mtx};
    reap();
    if (closed || sessions.size() >= opts.max_sessions)
      rpc::raise_error(atom("system_limit"));
    auto s = std::make_shared<session>(node, *table, n->make_pid(), *group, f,
                                       opts.max_form_bytes);
    if (iex)
      s->iex_handshake(iex->first, iex->second);
    n->add_process(s->pid(), s);
    sessions.emplace_back(s, std::thread{[s] { s->run(); }});
    return s->pid();
  }

  void start_eval(const rpc::call& c, rpc::responder done) {
    auto n = node.lock();
    std::string text;
    if (c.args.size() != 1 || !chardata(c.args[0], text)) {
      done(rpc::outcome::error(atom("badarg"), {}));
      return;
    }
    std::lock_guard guard{mtx};
    reap();
    if (!n || closed || evals.size() >= opts.max_evals) {
      done(rpc::outcome::error(atom("system_limit"), {}));
      return;
    }
    auto finished = std::make_shared<std::atomic<bool>>(false);
    auto t = table;
    evals.emplace_back(finished, std::thread{[n, t, c, text, done, finished] {
                         eval_host h{n, *t, c};
                         done(rpc::outcome::returned(eval_str(h, text)));
                         *finished = true;
                       }});
  }

  void close() {
    std::list<std::pair<std::shared_ptr<session>, std::thread>> ss;
    std::list<std::pair<std::shared_ptr<std::atomic<bool>>, std::thread>> es;
    {
      std::lock_guard guard{mtx};
      closed = true;
      ss.swap(sessions);
      es.swap(evals);
    }
    for (auto& [s, t] : ss)
      s->stop();
    for (auto& [s, t] : ss)
      t.join();
    for (auto& [f, t] : es)
      t.join();
  }
};

console::console(std::shared_ptr<state> st) : state_(std::move(st)) {
  // nop
}

console::~console() {
  state_->close();
}

size_t console::sessions() const {
  std::lock_guard guard{state_->mtx};
  size_t n = 0;
  for (auto& [s, t] : state_->sessions)
    n += s->finished() ? 0 : 1;
  return n;
}

std::unique_ptr<console>
add_console(rpc::exports& table, std::weak_ptr<node::node> self, options opts) {
  auto st = std::make_shared<console::state>();
  st->node = std::move(self);
  st->table = &table;
  st->opts = opts;
  std::weak_ptr<console::state> weak = st;
  auto locked = [weak] {
    auto s = weak.lock();
    if (!s)
      rpc::raise_error(atom("noproc"));
    return s;
  };
  table.add_raw("shell", "start", 0, [locked](const rpc::call& c) {
    return locked()->start_shell(c, flavour::erlang, std::nullopt);
  });
  table.add_raw("Elixir.IEx", "start", 2, [locked](const rpc::call& c) {
    // IEx.CLI's {'Elixir.IEx.CLI', remote_start, [Parent, Ref]}: the shell
    // tells Parent it runs.
    std::optional<std::pair<etf::pid, etf::term>> iex;
    if (auto mfa = c.args[1].get_if<etf::tuple>(); mfa && mfa->size() == 3) {
      auto xs = (*mfa)[2].get_if<etf::list>();
      if (is_atom((*mfa)[0], "Elixir.IEx.CLI")
          && is_atom((*mfa)[1], "remote_start") && xs && xs->size() == 2
          && (*xs)[0].is<etf::pid>())
        iex.emplace((*xs)[0].get<etf::pid>(), (*xs)[1]);
    }
    return locked()->start_shell(c, flavour::iex, iex);
  });
  table.add_raw(
    "code", "ensure_loaded", 1, [&table](const rpc::call& c) -> etf::term {
      auto m = c.args[0].get_if<etf::atom>();
      if (!m)
        rpc::raise_error(etf::make_tuple(atom("function_clause"), c.args[0]));
      if (m->text() == "Elixir.IEx" || table.has_module(*m))
        return etf::make_tuple(atom("module"), *m);
      return etf::make_tuple(atom("error"), atom("nofile"));
    });
  auto expand_fn = [&table](const rpc::call& c) {
    return expand(table, c.args[0]);
  };
  table.add_raw("edlin_expand", "expand", 1, expand_fn);
  table.add_raw("edlin_expand", "expand", 2, expand_fn);
  auto iex_expand_fn = [&table](const rpc::call& c) {
    return iex_expand(table, c.args[0]);
  };
  table.add_raw("Elixir.IEx.Autocomplete", "expand", 1, iex_expand_fn);
  table.add_raw("Elixir.IEx.Autocomplete", "expand", 2, iex_expand_fn);
  table.add_async("erl_eval", "eval_str", 1,
                  [weak](const rpc::call& c, rpc::responder done) {
                    auto s = weak.lock();
                    if (!s) {
                      done(rpc::outcome::error(atom("noproc"), {}));
                      return;
                    }
                    s->start_eval(c, std::move(done));
                  });
  return std::make_unique<console>(st);
}

} // namespace cafe::console
