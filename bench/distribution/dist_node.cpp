// bench_dist_node: the cafe side of bench/run_dist.sh. One process is one
// cafe node playing one role of the protocol in dist_bench.erl, so each
// pairing (cafe or BEAM on either end) runs the same exchange:
//
//   sink COUNT                  registers `sink`, counts {seq, I}, answers
//                               {done, From} with {sink_result, N, Ns}
//   source PEER COUNT           mailbox thread: COUNT x {seq, I} to
//                               {sink, PEER}, then {done, self()}
//   echo                        registers `echo`: {From, X} -> {self(), X}
//   ping PEER ROUNDS WARMUP     round trips to {echo, PEER}, driven from
//                               deliver() on the io thread (how a CAF actor
//                               behind the bridge would do it)
//   ping-mailbox PEER ROUNDS WARMUP
//                               the same from a thread blocked in
//                               mailbox::receive (the jinterface way)
//
// `--spin-us U` lets idle io threads poll for U microseconds before they
// block in epoll (see run_io). Results go to stdout as one
// `RESULT key=value...` line, `READY` once a registered process is in
// place. A watchdog ends the process after a deadline, so a lost peer never
// leaves it behind.

#include "cafe/etf/term.hpp"
#include "cafe/log.hpp"
#include "cafe/node/mailbox.hpp"
#include "cafe/node/node.hpp"
#include "cafe/services/start_node.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace cafe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Longest wait for any single step (a peer that went away).
constexpr auto step_timeout = 30s;

/// Longest life of a benchmark process.
constexpr auto deadline = 120s;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bench_dist_node: %s\n", what.c_str());
  std::fflush(stdout);
  std::_Exit(1);
}

void print_ready() {
  std::printf("READY\n");
  std::fflush(stdout);
}

int64_t to_ns(clock_type::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

void report_rate(int64_t n, int64_t ns) {
  auto rate
    = static_cast<int64_t>(static_cast<double>(n) * 1e9
                           / static_cast<double>(std::max<int64_t>(ns, 1)));
  std::printf("RESULT count=%lld ns=%lld rate=%lld\n",
              static_cast<long long>(n), static_cast<long long>(ns),
              static_cast<long long>(rate));
  std::fflush(stdout);
}

void report_rtt(std::vector<int64_t> samples) {
  if (samples.empty())
    fail("no round trips");
  std::sort(samples.begin(), samples.end());
  auto n = samples.size();
  // Same ranks as dist_bench:report_rtt.
  auto median = samples[std::max<size_t>(1, (n + 1) / 2) - 1];
  auto p99 = samples[std::max<size_t>(1, (n * 99 + 99) / 100) - 1];
  std::printf("RESULT rounds=%zu median_ns=%lld p99_ns=%lld\n", n,
              static_cast<long long>(median), static_cast<long long>(p99));
  std::fflush(stdout);
}

/// The parts of a `{Tag, X}` message; tag is empty for anything else.
struct tagged {
  etf::atom tag;
  const etf::term* value = nullptr;
};

tagged split(const etf::term& msg) {
  auto t = msg.get_if<etf::tuple>();
  if (t == nullptr || t->size() != 2)
    return {};
  auto tag = (*t)[0].get_if<etf::atom>();
  return tag ? tagged{*tag, &(*t)[1]} : tagged{};
}

// -- roles as local processes ------------------------------------------------

/// Signals are irrelevant to every role here.
class quiet_process : public node::local_process {
public:
  void exit_signal(const etf::pid&, const etf::term&, bool) override {}

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {}
};

/// Counts {seq, _} on delivery, without a queue in between: the receiver
/// rate then measures the connection and node, not a consumer thread.
/// Called only from the strand of the one connection that feeds it.
class sink : public quiet_process {
public:
  sink(std::shared_ptr<node::node> owner, int64_t expected)
    : owner_(owner), self_(owner->make_pid()), expected_(expected) {}

  const etf::pid& self() const {
    return self_;
  }

  std::future<void> finished() {
    return done_.get_future();
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    auto [tag, value] = split(msg);
    if (tag == seq_) {
      // Timestamps only at the ends: the clock stays out of the loop.
      if (received_ == 0)
        first_ = clock_type::now();
      if (++received_ == expected_)
        last_ = clock_type::now();
    } else if (tag == done_tag_) {
      if (received_ != expected_)
        last_ = clock_type::now();
      auto ns = received_ > 0 ? to_ns(last_ - first_) : 0;
      if (auto from = value->get_if<etf::pid>(); from)
        if (auto owner = owner_.lock())
          owner->send(self_, *from,
                      etf::make_tuple(etf::atom{"sink_result"}, received_, ns));
      report_rate(received_, ns);
      done_.set_value();
    }
  }

private:
  std::weak_ptr<node::node> owner_;
  etf::pid self_;
  int64_t expected_;
  int64_t received_ = 0;
  clock_type::time_point first_;
  clock_type::time_point last_;
  etf::atom seq_{"seq"};
  etf::atom done_tag_{"done"};
  std::promise<void> done_;
};

/// Replies to {From, X} with {self(), X} straight from the io thread; `stop`
/// ends the run.
class echo : public quiet_process {
public:
  explicit echo(std::shared_ptr<node::node> owner)
    : owner_(owner), self_(owner->make_pid()) {}

  const etf::pid& self() const {
    return self_;
  }

  std::future<void> finished() {
    return stopped_.get_future();
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    if (auto a = msg.get_if<etf::atom>(); a && *a == etf::atom{"stop"}) {
      if (!stopping_) {
        stopping_ = true;
        stopped_.set_value();
      }
      return;
    }
    auto t = msg.get_if<etf::tuple>();
    if (t == nullptr || t->size() != 2)
      return;
    auto from = t->elements[0].get_if<etf::pid>();
    if (from == nullptr)
      return;
    // Reuse the tuple: the reply differs only in its first element.
    auto to = *from;
    t->elements[0] = self_;
    if (auto owner = owner_.lock())
      owner->send(self_, to, msg);
  }

private:
  std::weak_ptr<node::node> owner_;
  etf::pid self_;
  bool stopping_ = false;
  std::promise<void> stopped_;
};

/// One round trip at a time, each next ping sent from deliver(): no thread
/// hand-off on our side, like an actor answering a message.
class pinger : public quiet_process {
public:
  pinger(std::shared_ptr<node::node> owner, etf::atom peer, size_t rounds)
    : owner_(owner), self_(owner->make_pid()), peer_(peer), rounds_(rounds) {
    samples_.reserve(rounds);
  }

  const etf::pid& self() const {
    return self_;
  }

  /// Sends the first ping; the rest follow from deliver().
  std::future<std::vector<int64_t>> run() {
    auto result = done_.get_future();
    send_next();
    return result;
  }

  void deliver(const std::optional<etf::pid>&, etf::term msg) override {
    auto now = clock_type::now();
    auto t = msg.get_if<etf::tuple>();
    int64_t i = -1;
    if (t != nullptr && t->size() == 2)
      if (auto x = (*t)[1].get_if<int64_t>())
        i = *x;
    if (i != next_)
      return; // not our reply
    samples_.push_back(to_ns(now - sent_));
    ++next_;
    if (samples_.size() == rounds_)
      done_.set_value(std::move(samples_));
    else
      send_next();
  }

private:
  void send_next() {
    auto owner = owner_.lock();
    if (!owner)
      return;
    sent_ = clock_type::now();
    owner->send(self_, echo_, peer_, etf::make_tuple(self_, next_));
  }

  std::weak_ptr<node::node> owner_;
  etf::pid self_;
  etf::atom peer_;
  etf::atom echo_{"echo"};
  size_t rounds_;
  int64_t next_ = 1;
  clock_type::time_point sent_;
  std::vector<int64_t> samples_;
  std::promise<std::vector<int64_t>> done_;
};

// -- roles run from main -----------------------------------------------------

template <class T>
void wait_or_fail(std::future<T>& f, const char* what) {
  if (f.wait_for(deadline) != std::future_status::ready)
    fail(std::string{"timed out waiting for "} + what);
}

void run_sink(const std::shared_ptr<node::node>& nd, int64_t count) {
  auto s = std::make_shared<sink>(nd, count);
  auto done = s->finished();
  nd->add_process(s->self(), s);
  nd->register_name(etf::atom{"sink"}, s->self());
  print_ready();
  wait_or_fail(done, "the sender's done");
}

void run_source(const std::shared_ptr<node::node>& nd, etf::atom peer,
                int64_t count) {
  if (!nd->connect(peer, step_timeout))
    fail("cannot connect to " + std::string{peer.text()});
  auto mb = nd->make_mailbox();
  etf::atom sink_name{"sink"};
  etf::atom seq{"seq"};
  for (int64_t i = 1; i <= count; ++i)
    if (!mb->send(sink_name, peer, etf::make_tuple(seq, i)))
      fail("send failed at message " + std::to_string(i));
  mb->send(sink_name, peer, etf::make_tuple(etf::atom{"done"}, mb->self()));
  auto reply = mb->receive(step_timeout);
  if (!reply)
    fail("no sink_result");
  auto t = reply->get_if<etf::tuple>();
  if (t == nullptr || t->size() != 3)
    fail("bad sink_result");
  report_rate((*t)[1].get<int64_t>(), (*t)[2].get<int64_t>());
}

void run_echo(const std::shared_ptr<node::node>& nd) {
  auto e = std::make_shared<echo>(nd);
  auto stopped = e->finished();
  nd->add_process(e->self(), e);
  nd->register_name(etf::atom{"echo"}, e->self());
  print_ready();
  wait_or_fail(stopped, "stop");
}

void run_ping(const std::shared_ptr<node::node>& nd, etf::atom peer,
              size_t rounds, size_t warmup) {
  if (!nd->connect(peer, step_timeout))
    fail("cannot connect to " + std::string{peer.text()});
  auto once = [&](size_t n) {
    auto p = std::make_shared<pinger>(nd, peer, n);
    nd->add_process(p->self(), p);
    auto samples = p->run();
    wait_or_fail(samples, "ping replies");
    nd->remove_process(p->self(), etf::atom{"normal"});
    return samples.get();
  };
  once(warmup);
  report_rtt(once(rounds));
}

void run_ping_mailbox(const std::shared_ptr<node::node>& nd, etf::atom peer,
                      size_t rounds, size_t warmup) {
  if (!nd->connect(peer, step_timeout))
    fail("cannot connect to " + std::string{peer.text()});
  auto mb = nd->make_mailbox();
  etf::atom echo_name{"echo"};
  std::vector<int64_t> samples;
  samples.reserve(rounds);
  for (size_t i = 1; i <= warmup + rounds; ++i) {
    auto t0 = clock_type::now();
    mb->send(echo_name, peer,
             etf::make_tuple(mb->self(), static_cast<int64_t>(i)));
    auto reply = mb->receive(step_timeout);
    auto t1 = clock_type::now();
    if (!reply)
      fail("no ping reply");
    if (i > warmup)
      samples.push_back(to_ns(t1 - t0));
  }
  report_rtt(std::move(samples));
}

/// Waits (bounded) until everything queued for `peer` reached the socket,
/// so a last message (`stop`, a result) is not lost when we exit.
void flush(const std::shared_ptr<node::node>& nd, etf::atom peer) {
  auto until = clock_type::now() + 2s;
  while (clock_type::now() < until) {
    auto conn = nd->connection_to(peer);
    if (!conn || conn->queued_bytes() == 0)
      return;
    std::this_thread::sleep_for(1ms);
  }
}

/// Runs `io` until stopped. With a `spin` budget, an idle io thread polls
/// that long before it blocks in epoll, as BEAM schedulers spin before they
/// sleep (+sbwt): a message arriving meanwhile skips the wake-up.
void run_io(boost::asio::io_context& io, std::chrono::microseconds spin) {
  if (spin.count() == 0) {
    io.run();
    return;
  }
  while (!io.stopped()) {
    if (io.poll() > 0)
      continue;
    auto until = clock_type::now() + spin;
    bool ran = false;
    while (!ran && clock_type::now() < until) {
      ran = io.poll() > 0;
      // Lets a peer on the same CPU run: a spinner that never yields made
      // same-CPU round trips ~4x slower (135 us instead of 35 us).
      std::this_thread::yield();
    }
    if (!ran)
      io.run_one();
  }
}

struct options {
  std::string name;
  std::string cookie = "bench";
  uint16_t epmd_port = 4369;
  unsigned io_threads = 1;
  std::chrono::microseconds spin{0};
  std::vector<std::string> role;
};

options parse(int argc, char** argv) {
  options opts;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        fail("missing value for " + std::string{arg});
      return argv[++i];
    };
    if (arg == "--name")
      opts.name = value();
    else if (arg == "--cookie")
      opts.cookie = value();
    else if (arg == "--epmd-port")
      opts.epmd_port = static_cast<uint16_t>(std::stoul(value()));
    else if (arg == "--io-threads")
      opts.io_threads = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--spin-us")
      opts.spin = std::chrono::microseconds{std::stoul(value())};
    else
      opts.role.emplace_back(arg);
  }
  if (opts.name.empty() || opts.role.empty())
    fail(
      "usage: bench_dist_node --name N [--cookie C] [--epmd-port P] "
      "[--io-threads T] [--spin-us U] (sink COUNT | source PEER COUNT | echo "
      "| ping PEER ROUNDS WARMUP | ping-mailbox PEER ROUNDS WARMUP)");
  return opts;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = parse(argc, argv);
  std::thread{[] {
    std::this_thread::sleep_for(deadline + 10s);
    fail("deadline reached");
  }}.detach();
  cafe::set_log_level(spdlog::level::warn);
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < std::max(opts.io_threads, 1u); ++i)
    threads.emplace_back([&io, spin = opts.spin] { run_io(io, spin); });
  node::config cfg;
  cfg.name = opts.name;
  cfg.cookie = opts.cookie;
  cfg.epmd_port = opts.epmd_port;
  // The script starts a private epmd: a missing one is an error here.
  cfg.embedded_epmd = false;
  auto started = services::start_node(io, cfg);
  if (!started)
    fail(started.error());
  auto nd = *started;
  auto& role = opts.role;
  auto arg = [&](size_t i) -> const std::string& {
    if (i >= role.size())
      fail("missing argument for " + role[0]);
    return role[i];
  };
  auto num = [&](size_t i) { return std::stoll(arg(i)); };
  std::optional<etf::atom> peer;
  if (role[0] == "sink") {
    run_sink(nd, num(1));
  } else if (role[0] == "source") {
    peer = etf::atom{arg(1)};
    run_source(nd, *peer, num(2));
  } else if (role[0] == "echo") {
    run_echo(nd);
  } else if (role[0] == "ping" || role[0] == "ping-mailbox") {
    peer = etf::atom{arg(1)};
    auto rounds = static_cast<size_t>(num(2));
    auto warmup = static_cast<size_t>(num(3));
    if (role[0] == "ping")
      run_ping(nd, *peer, rounds, warmup);
    else
      run_ping_mailbox(nd, *peer, rounds, warmup);
    nd->send(nd->make_pid(), etf::atom{"echo"}, *peer, etf::atom{"stop"});
  } else {
    fail("unknown role " + role[0]);
  }
  for (auto p : nd->nodes(true))
    flush(nd, p);
  nd->stop();
  guard.reset();
  // Connections close on their strands; give them a moment, then stop.
  std::this_thread::sleep_for(50ms);
  io.stop();
  for (auto& t : threads)
    t.join();
  return 0;
}
