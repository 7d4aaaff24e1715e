// bench_pubsub_node: the cafe side of bench/run_pubsub.sh (issue #10's
// broadcast fan-out). One process is one cafe node running a Phoenix.PubSub
// (bridge/pubsub) with N CAF actors subscribed to a topic through
// groups::topics, each recording the latency of every message it gets; with
// --publish it is also the publisher, like PhxPeer.FanoutBench.run in
// tests/support/phoenix_pubsub/bench_fanout.exs:
//
//   bench_pubsub_node --name a@127.0.0.1 --cookie C --epmd-port P
//     --listen 127.0.0.1 [--subscribers 500] [--pubsub MyApp.PubSub]
//     [--pool-size 1] [--topic fanout] [--capacity 20000]
//     [--publish B@127.0.0.1 --messages 2000 --warmup 200 --rate 0
//      --label cafe_cafe]
//
// Messages are `{fanout, Seq, SentNs}` (SentNs: CLOCK_REALTIME in ns, the
// clock of :os.system_time(:nanosecond), so cafe and BEAM latencies are
// comparable; see bench_fanout.exs), broadcast with `topics::broadcast` from
// the main thread. A subscriber converts it as any typed delivery
// (`(fanout_atom, int64, int64)`), reads the clock and stores the
// difference in microseconds.
//
// Every node also exports, to rpc/erpc, what the Elixir bench module does:
// 'Elixir.PhxPeer.FanoutBench':collect(Want, TimeoutMs) -> {Delivered,
// LatenciesUs, LastArrivalNs} (waits until each local subscriber has Want
// messages since the last collect, or the timeout) and subscriber_count(),
// so a publisher treats a cafe node and an Elixir node alike (an Elixir
// publisher can use a cafe node as its remote, and the other way round).
//
// Without --publish the node serves until SIGTERM; with it, it prints one
// line on stdout and exits:
//
//   cafe_cafe delivered_per_s=... p99_us=... messages=2000 subscribers=1000 ...
//
// Every process ends by itself after --deadline-s (default 300).

#include "cafe/actor/bridge.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/groups/topics.hpp"
#include "cafe/node/local_process.hpp"
#include "cafe/node/node.hpp"
#include "cafe/pg/scopes.hpp"
#include "cafe/pubsub/pubsub.hpp"
// exports.hpp first: client.hpp's functions named `call` hide the struct
// `rpc::call` from the declarations after them.
// clang-format off
#include "cafe/rpc/exports.hpp"
#include "cafe/rpc/client.hpp"
// clang-format on
#include "cafe/rpc/server.hpp"
#include "cafe/runtime/node_config.hpp"
#include "cafe/runtime/node_options.hpp"
#include "cafe/runtime/system.hpp"
#include "cafe/services/start_node.hpp"

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace cafe;
using namespace etf::literals;
using namespace std::chrono_literals;
using fanout_atom = caf::atom_constant<caf::atom("fanout")>;

/// CLOCK_REALTIME in ns, as :os.system_time(:nanosecond).
int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_pubsub_node: %s\n", what.c_str());
  std::fflush(stdout);
  std::_Exit(1);
}

// -- subscribers --------------------------------------------------------------

/// What one subscriber recorded. Written only by its actor; read by
/// collectors, which see the first `count` latencies (release/acquire).
struct slot {
  explicit slot(size_t capacity) : lats(capacity) {
    // nop
  }

  std::vector<int64_t> lats;
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> last_ns{0};
  /// How many the collectors took already (collectors only).
  int64_t taken = 0;
};

class table;

/// A subscriber without CAF: a plain node process that records on delivery,
/// on the delivering thread (the publisher's, or the io thread). What the
/// node and pubsub cost without the bridge and CAF (--kind process).
class process_subscriber : public node::local_process {
public:
  explicit process_subscriber(std::shared_ptr<table> subs, size_t i);

  void deliver(const std::optional<etf::pid>&, etf::term msg) override;

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // nop
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {
    // nop
  }

private:
  std::shared_ptr<table> subs_;
  slot* slot_;
};

struct collected {
  int64_t delivered = 0;
  std::vector<int64_t> lats;
  int64_t last_ns = 0;
};

/// The local subscribers' records.
class table {
public:
  table(size_t n, size_t capacity) {
    for (size_t i = 0; i < n; ++i)
      slots_.push_back(std::make_unique<slot>(capacity));
  }

  size_t size() const {
    return slots_.size();
  }

  slot* at(size_t i) {
    return slots_[i].get();
  }

  /// Waits (polling every ms, until `timeout`) for every subscriber to have
  /// `want` messages since the last collect, then takes what they have: as
  /// FanoutBench.collect, late messages are reported missing, not waited
  /// for.
  collected collect(int64_t want, std::chrono::milliseconds timeout) {
    std::lock_guard guard{mtx_};
    auto until = std::chrono::steady_clock::now() + timeout;
    auto all_there = [&] {
      for (auto& s : slots_)
        if (s->count.load(std::memory_order_acquire) - s->taken < want)
          return false;
      return true;
    };
    while (!all_there() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    collected result;
    for (auto& s : slots_) {
      auto n = s->count.load(std::memory_order_acquire);
      auto from = std::min<int64_t>(s->taken, std::ssize(s->lats));
      auto to = std::min<int64_t>(n, std::ssize(s->lats));
      result.lats.insert(result.lats.end(), s->lats.begin() + from,
                         s->lats.begin() + to);
      result.delivered += n - s->taken;
      result.last_ns = std::max(result.last_ns,
                                s->last_ns.load(std::memory_order_relaxed));
      s->taken = n;
    }
    return result;
  }

private:
  std::mutex mtx_;
  std::vector<std::unique_ptr<slot>> slots_;
};

caf::behavior subscriber(caf::event_based_actor*, std::shared_ptr<table> subs,
                         size_t i) {
  // The table lives as long as the behavior.
  auto s = subs->at(i);
  return {
    [s, subs](fanout_atom, int64_t, int64_t sent_ns) {
      auto now = realtime_ns();
      auto n = s->count.load(std::memory_order_relaxed);
      if (static_cast<size_t>(n) < s->lats.size())
        s->lats[static_cast<size_t>(n)] = (now - sent_ns) / 1000;
      s->last_ns.store(now, std::memory_order_relaxed);
      s->count.store(n + 1, std::memory_order_release);
    },
  };
}

process_subscriber::process_subscriber(std::shared_ptr<table> subs, size_t i)
  : subs_(std::move(subs)), slot_(subs_->at(i)) {
  // nop
}

void process_subscriber::deliver(const std::optional<etf::pid>&,
                                 etf::term msg) {
  int64_t sent_ns = 0;
  if (!etf::match(msg, "fanout"_atom, etf::_, &sent_ns))
    return;
  auto now = realtime_ns();
  auto s = slot_;
  auto n = s->count.load(std::memory_order_relaxed);
  if (static_cast<size_t>(n) < s->lats.size())
    s->lats[static_cast<size_t>(n)] = (now - sent_ns) / 1000;
  s->last_ns.store(now, std::memory_order_relaxed);
  s->count.store(n + 1, std::memory_order_release);
}

etf::term to_term(const collected& x) {
  etf::list lats;
  lats.elements.reserve(x.lats.size());
  for (auto l : x.lats)
    lats.elements.emplace_back(l);
  return etf::make_tuple(x.delivered, std::move(lats), x.last_ns);
}

/// Runs each collect of an rpc caller on a thread of its own (it waits),
/// joined at the end.
class collectors {
public:
  explicit collectors(std::shared_ptr<table> subs) : subs_(std::move(subs)) {
    // nop
  }

  ~collectors() {
    std::lock_guard guard{mtx_};
    for (auto& t : threads_)
      t.join();
  }

  void start(int64_t want, std::chrono::milliseconds timeout,
             rpc::responder done) {
    std::lock_guard guard{mtx_};
    threads_.emplace_back([subs = subs_, want, timeout, done] {
      done(rpc::outcome::returned(to_term(subs->collect(want, timeout))));
    });
  }

private:
  std::shared_ptr<table> subs_;
  std::mutex mtx_;
  std::vector<std::thread> threads_;
};

// -- publisher ----------------------------------------------------------------

/// Sleeps until 2 ms before `at_ns`, then spins (FanoutBench.wait_until).
void wait_until(int64_t at_ns) {
  auto left = at_ns - realtime_ns();
  if (left > 2'000'000)
    std::this_thread::sleep_for(std::chrono::nanoseconds{left - 2'000'000});
  while (realtime_ns() < at_ns) {
    // spin
  }
}

/// Nearest-rank percentile of a sorted vector.
int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = std::max<size_t>(
    1, static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

collected from_term(const etf::term& x) {
  collected result;
  if (!etf::match(x, &result.delivered, &result.lats, &result.last_ns))
    fail("unexpected collect result");
  return result;
}

struct publish_options {
  etf::atom remote;
  int64_t messages = 2000;
  int64_t warmup = 200;
  int64_t rate = 0;
  std::string label = "cafe_cafe";
  std::chrono::milliseconds timeout = 60s;
};

void run_publisher(node::node& nd, groups::topics& topics, table& subs,
                   const std::shared_ptr<pg::scope>& scope,
                   const std::string& topic, const publish_options& o) {
  if (!nd.connect(o.remote, 30s))
    fail("cannot connect to " + std::string{o.remote.text()});
  // Until the remote worker is a member of our broadcast group (pg's
  // discover/sync after the connection).
  auto group = topics.pubsub().groups().front();
  auto until = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    auto members = scope->members(group);
    if (std::any_of(members.begin(), members.end(),
                    [&](auto& p) { return p.node == o.remote; }))
      break;
    if (std::chrono::steady_clock::now() > until)
      fail("the remote pubsub worker never joined its group");
    std::this_thread::sleep_for(5ms);
  }
  auto mod = "Elixir.PhxPeer.FanoutBench"_atom;
  auto count = rpc::call(nd, o.remote, mod, "subscriber_count"_atom, {}, 30s);
  if (!count || !count->is<int64_t>())
    fail("subscriber_count on the remote: " + rpc::to_string(count));
  auto remote_subs = count->get<int64_t>();

  struct measurement {
    int64_t t0;
    int64_t t_sent;
    collected all;
  };
  auto measure = [&](int64_t n) {
    auto remote = std::async(std::launch::async, [&] {
      return rpc::call(nd, o.remote, mod, "collect"_atom,
                       etf::list{std::vector<etf::term>{
                         etf::term{n}, etf::term{o.timeout.count()}}},
                       o.timeout + 10s);
    });
    auto local = std::async(std::launch::async,
                            [&] { return subs.collect(n, o.timeout); });
    measurement m;
    m.t0 = realtime_ns();
    for (int64_t i = 1; i <= n; ++i) {
      if (o.rate > 0)
        wait_until(m.t0 + (i - 1) * 1'000'000'000 / o.rate);
      topics.broadcast(topic, etf::make_tuple("fanout"_atom, i, realtime_ns()));
    }
    m.t_sent = realtime_ns();
    m.all = local.get();
    auto r = remote.get();
    if (!r)
      fail("collect on the remote: " + rpc::to_string(r));
    auto rc = from_term(*r);
    m.all.delivered += rc.delivered;
    m.all.lats.insert(m.all.lats.end(), rc.lats.begin(), rc.lats.end());
    m.all.last_ns = std::max(m.all.last_ns, rc.last_ns);
    return m;
  };
  if (o.warmup > 0)
    measure(o.warmup);
  auto m = measure(o.messages);
  auto subscribers = static_cast<int64_t>(subs.size()) + remote_subs;
  auto elapsed = std::max<int64_t>(m.all.last_ns - m.t0, 1);
  auto& lats = m.all.lats;
  std::sort(lats.begin(), lats.end());
  std::printf(
    "%s delivered_per_s=%lld p99_us=%lld messages=%lld subscribers=%lld "
    "p50_us=%lld max_us=%lld delivered=%lld expected=%lld rate=%lld "
    "publish_ms=%lld elapsed_ms=%lld\n",
    o.label.c_str(),
    static_cast<long long>(std::llround(static_cast<double>(m.all.delivered)
                                        * 1e9 / static_cast<double>(elapsed))),
    static_cast<long long>(percentile(lats, 0.99)),
    static_cast<long long>(o.messages), static_cast<long long>(subscribers),
    static_cast<long long>(percentile(lats, 0.50)),
    static_cast<long long>(lats.empty() ? 0 : lats.back()),
    static_cast<long long>(m.all.delivered),
    static_cast<long long>(o.messages * subscribers),
    static_cast<long long>(o.rate),
    static_cast<long long>((m.t_sent - m.t0) / 1'000'000),
    static_cast<long long>(elapsed / 1'000'000));
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  pubsub::config ps_cfg;
  ps_cfg.name = "MyApp.PubSub"; // PhxPeer's default
  size_t n_subs = 500;
  size_t capacity = 20000;
  std::string topic = "fanout";
  std::string remote;
  publish_options pub;
  int deadline_s = 300;
  std::string kind = "actor";
  po::options_description extra{"bench_pubsub_node"};
  extra.add_options()("pubsub", po::value(&ps_cfg.name), "pubsub name")(
    "pool-size", po::value(&ps_cfg.pool_size),
    "its pool_size")("subscribers", po::value(&n_subs), "local subscribers")(
    "kind", po::value(&kind),
    "actor: CAF actors through groups::topics; process: plain node "
    "processes (no CAF)")("capacity", po::value(&capacity),
                          "latencies kept per subscriber (all runs together)")(
    "topic", po::value(&topic), "the topic")("publish", po::value(&remote),
                                             "publish; the other node")(
    "messages", po::value(&pub.messages),
    "measured broadcasts")("warmup", po::value(&pub.warmup),
                           "broadcasts before")("rate", po::value(&pub.rate),
                                                "broadcasts/s, 0: unpaced")(
    "label", po::value(&pub.label), "first word of the result line")(
    "deadline-s", po::value(&deadline_s), "the process's longest life");
  po::variables_map values;
  auto opts = runtime::parse_node_options(argc, argv, extra, values);
  if (!opts)
    return runtime::report(opts.error(), argv[0]);
  if (opts->name.empty())
    fail("--name or --sname is required");
  // A lost peer or script never leaves this process behind.
  std::thread{[deadline_s] {
    std::this_thread::sleep_for(std::chrono::seconds{deadline_s});
    fail("deadline reached");
  }}.detach();

  runtime::system sys{*opts};
  auto started = services::start_node(sys.io_context(),
                                      runtime::node_config(*opts));
  if (!started)
    fail(started.error());
  auto nd = *started;
  auto br = std::make_shared<actor::bridge>(sys.actors(), nd);
  auto scopes = std::make_shared<pg::scopes>(nd);
  auto scope = scopes->start(pubsub::scope_name());
  if (!scope)
    fail(scope.error());
  auto ps = pubsub::pubsub::start(nd, *scope, ps_cfg);
  if (!ps)
    fail(ps.error());
  groups::topics topics{br, *ps};
  auto subs = std::make_shared<table>(n_subs, capacity);
  if (kind != "actor" && kind != "process")
    fail("--kind: actor or process");
  for (size_t i = 0; i < n_subs; ++i) {
    if (kind == "actor") {
      auto x = sys.actors().spawn(subscriber, subs, i);
      topics.subscribe(x, topic);
      sys.keep_alive_until_shutdown(x);
    } else {
      auto pid = nd->make_pid();
      nd->add_process(pid, std::make_shared<process_subscriber>(subs, i));
      (*ps)->subscribe(pid, topic);
    }
  }
  auto table_ = std::make_shared<rpc::exports>();
  auto running = std::make_shared<collectors>(subs);
  table_->add_async(
    "Elixir.PhxPeer.FanoutBench", "collect", 2,
    [running](const struct rpc::call& c, rpc::responder done) {
      int64_t want = 0;
      int64_t timeout_ms = 0;
      if (!etf::get_as(c.args.elements[0], want)
          || !etf::get_as(c.args.elements[1], timeout_ms))
        done(rpc::outcome::error(etf::term{"badarg"_atom}, etf::list{}));
      else
        running->start(want, std::chrono::milliseconds{timeout_ms},
                       std::move(done));
    },
    rpc::execution::caller_thread);
  table_->add_raw(
    "Elixir.PhxPeer.FanoutBench", "subscriber_count", 0,
    [subs](const struct rpc::call&) {
      return etf::term{static_cast<int64_t>(subs->size())};
    },
    rpc::execution::caller_thread);
  auto server = std::make_unique<rpc::server>(sys.actors(), br, table_);
  sys.on_shutdown([nd] { nd->stop(); });
  sys.on_shutdown([ps = *ps, scopes] {
    ps->stop();
    scopes->stop();
  });
  sys.on_shutdown([&server] { server.reset(); });

  if (remote.empty()) {
    std::printf("READY %s\n", std::string{nd->name().text()}.c_str());
    std::fflush(stdout);
  } else {
    pub.remote = etf::atom{remote};
    run_publisher(*nd, topics, *subs, *scope, topic, pub);
    sys.shutdown();
  }
  sys.run();
  running.reset();
  return 0;
}
