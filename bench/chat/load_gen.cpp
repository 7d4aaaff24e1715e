// The chat load generator (issue #12's benchmark): N WebSocket clients in
// one process, spread round-robin over the given servers, each speaking
// Phoenix Channels V2: join TOPIC with {"user":"bN"}, then push new_msg
// {"body":"<send-ns> from bN"} RATE times a second (the first at a random
// offset, then every 1/RATE s +-10 %). Every new_msg a client receives is a
// delivery; its latency is now minus the body's send time (one process,
// one steady clock). Deliveries received inside the measured window count.
// Sending starts once all clients joined and the presence frames the joins
// cause have stopped for 2 s (the join storm is reported, not measured).
//
//   bench_chat_load --url ws://127.0.0.1:4000/socket/websocket [--url ...]
//     --clients 1000 [--rate 1] [--warmup 5] [--duration 20] [--threads 2]
//     [--label cafe] [--idle-seconds S]
//
// Prints one line on stdout:
//   LABEL clients=.. joined=.. delivered_per_s=.. expected_per_s=..
//   delivery_ratio=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. sent_per_s=..
//   push_ok=.. push_errors=.. closed_clients=.. gen_cpu_s=.. window_s=..
//   join_s=.. settle_s=..
// With --idle-seconds, it joins, prints "IDLE READY joined=N", keeps the
// clients connected (heartbeats only) for S seconds, and exits: the runner
// measures the servers' memory per idle client meanwhile.

#include "histogram.hpp"
#include "wire.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <deque>
#include <iostream>
#include <memory>
#include <random>
#include <sys/resource.h>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using cafe::bench::chat::histogram;
using cafe::bench::chat::parse_url;
using cafe::bench::chat::scan_head;
using cafe::bench::chat::server_spec;

namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(
      steady::now().time_since_epoch())
      .count());
}

steady::time_point at_ns(uint64_t ns) {
  return steady::time_point{std::chrono::nanoseconds{ns}};
}

volatile std::sig_atomic_t interrupted = 0;

/// What every thread reads; the times are written before `sending` is set.
struct plan {
  std::string topic;
  double rate = 1;
  uint64_t send_start = 0;
  uint64_t window_start = 0;
  uint64_t window_end = 0;
  std::atomic<size_t> joined{0};
  std::atomic<size_t> failed{0};
};

class client;

/// One thread: an io_context, its clients, its counters.
struct worker {
  asio::io_context ioc{1};
  histogram latency;
  uint64_t delivered = 0; // in the window
  uint64_t sent = 0; // in the window
  uint64_t push_ok = 0;
  uint64_t push_errors = 0;
  uint64_t closed = 0; // joined clients the server dropped
  // Frames other than new_msg and replies (presence), read by main to
  // wait for the join storm to settle.
  std::atomic<uint64_t> other_frames{0};
  std::string first_error;
  std::vector<std::shared_ptr<client>> clients;
  size_t next = 0;
  size_t inflight = 0;
  size_t max_inflight = 64;
  std::mt19937_64 rng;

  void start_more();

  void error(std::string text) {
    if (first_error.empty())
      first_error = std::move(text);
  }
};

class client : public std::enable_shared_from_this<client> {
public:
  client(worker& w, plan& p, const server_spec& spec, size_t id)
    : w_(w), p_(p), spec_(spec), id_(id), ws_(w.ioc), send_timer_(w.ioc),
      hb_timer_(w.ioc) {
    // nop
  }

  void start() {
    ws_.next_layer().async_connect(
      spec_.endpoint, [self = shared_from_this()](beast::error_code ec) {
        self->on_connect(ec);
      });
  }

  void start_sending() {
    if (dead_)
      return;
    std::uniform_real_distribution<double> first{0, 1e9 / p_.rate};
    next_send_ = p_.send_start + static_cast<uint64_t>(first(w_.rng));
    arm_send();
  }

  void stop() {
    dead_ = true;
    send_timer_.cancel();
    hb_timer_.cancel();
  }

private:
  void on_connect(beast::error_code ec) {
    if (ec)
      return fail("connect", ec);
    ws_.next_layer().set_option(tcp::no_delay{true});
    ws_.read_message_max(16 * 1024 * 1024);
    auto origin = "http://" + spec_.host;
    ws_.set_option(
      websocket::stream_base::decorator([origin](websocket::request_type& req) {
        req.set(beast::http::field::origin, origin);
        req.set(beast::http::field::user_agent, "cafe-bench-chat");
      }));
    ws_.async_handshake(spec_.host, spec_.target,
                        [self = shared_from_this()](beast::error_code ec) {
                          self->on_handshake(ec);
                        });
  }

  void on_handshake(beast::error_code ec) {
    if (ec)
      return fail("handshake", ec);
    send("[\"1\",\"1\",\"" + p_.topic + "\",\"phx_join\",{\"user\":\"b"
         + std::to_string(id_) + "\"}]");
    arm_heartbeat(true);
    do_read();
  }

  void do_read() {
    ws_.async_read(buf_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->on_read(ec);
                   });
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return fail("read", ec);
    auto data = buf_.cdata();
    handle({static_cast<const char*>(data.data()), data.size()});
    buf_.consume(buf_.size());
    // presence_state at join can be large: do not keep that per client.
    if (buf_.capacity() > 64 * 1024)
      buf_.shrink_to_fit();
    if (!dead_)
      do_read();
  }

  void handle(std::string_view f) {
    std::string_view ref;
    std::string_view event;
    if (!scan_head(f, ref, event))
      return w_.error("unexpected frame: " + std::string{f.substr(0, 200)});
    if (event == "new_msg") {
      auto now = now_ns();
      if (now < p_.window_start || now >= p_.window_end)
        return;
      auto body = f.find("\"body\":\"");
      if (body == std::string_view::npos)
        return w_.error("new_msg without body: "
                        + std::string{f.substr(0, 200)});
      uint64_t sent = 0;
      auto digits = f.data() + body + 8;
      auto r = std::from_chars(digits, f.data() + f.size(), sent);
      if (r.ec != std::errc{} || sent > now)
        return w_.error("bad body: " + std::string{f.substr(0, 200)});
      ++w_.delivered;
      w_.latency.add(now - sent);
    } else if (event == "phx_reply") {
      bool ok = f.find("\"status\":\"ok\"") != std::string_view::npos;
      if (ref == "1") {
        if (!ok) {
          w_.error("join refused: " + std::string{f.substr(0, 300)});
          return fail("join", {});
        }
        if (!joined_) {
          joined_ = true;
          p_.joined.fetch_add(1);
          --w_.inflight;
          w_.start_more();
        }
      } else if (!ref.empty() && ref[0] == 'p') {
        if (ok) {
          ++w_.push_ok;
        } else {
          ++w_.push_errors;
          w_.error("push refused: " + std::string{f.substr(0, 300)});
        }
      }
    } else if (event == "phx_close" || event == "phx_error") {
      w_.error("channel ended: " + std::string{f.substr(0, 200)});
    } else {
      w_.other_frames.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void send(std::string frame) {
    out_.push_back(std::move(frame));
    if (!writing_)
      do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec)
      return fail("write", ec);
    out_.pop_front();
    if (!out_.empty() && !dead_)
      do_write();
  }

  void arm_send() {
    send_timer_.expires_at(at_ns(next_send_));
    send_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->on_send_timer(ec);
    });
  }

  void on_send_timer(beast::error_code ec) {
    if (ec || dead_)
      return;
    auto now = now_ns();
    if (now >= p_.window_end)
      return;
    if (now >= p_.window_start)
      ++w_.sent;
    send("[\"1\",\"p" + std::to_string(++pushes_) + "\",\"" + p_.topic
         + "\",\"new_msg\",{\"body\":\"" + std::to_string(now) + " from b"
         + std::to_string(id_) + "\"}]");
    std::uniform_real_distribution<double> jitter{0.9, 1.1};
    next_send_ += static_cast<uint64_t>(1e9 / p_.rate * jitter(w_.rng));
    // A generator that fell behind sends late, not in a burst.
    if (next_send_ < now)
      next_send_ = now;
    arm_send();
  }

  // Phoenix closes a socket after 60 s without a frame; the JS client
  // heartbeats every 30 s.
  void arm_heartbeat(bool first) {
    std::uniform_int_distribution<int> spread{1000, 25000};
    hb_timer_.expires_after(
      std::chrono::milliseconds{first ? spread(w_.rng) : 25000});
    hb_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->dead_)
        return;
      self->send("[null,\"h" + std::to_string(++self->pushes_)
                 + "\",\"phoenix\",\"heartbeat\",{}]");
      self->arm_heartbeat(false);
    });
  }

  void fail(const char* what, beast::error_code ec) {
    if (dead_)
      return;
    dead_ = true;
    send_timer_.cancel();
    hb_timer_.cancel();
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    if (joined_) {
      ++w_.closed;
      w_.error(std::string{"client dropped after join ("} + what
               + "): " + ec.message());
    } else {
      p_.failed.fetch_add(1);
      w_.error(std::string{"client failed before join ("} + what
               + "): " + ec.message());
      --w_.inflight;
      w_.start_more();
    }
  }

  worker& w_;
  plan& p_;
  const server_spec& spec_;
  size_t id_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buf_;
  asio::steady_timer send_timer_;
  asio::steady_timer hb_timer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool joined_ = false;
  bool dead_ = false;
  uint64_t pushes_ = 0;
  uint64_t next_send_ = 0;
};

void worker::start_more() {
  // Bounded concurrent handshakes, so the servers' accept backlogs hold.
  while (inflight < max_inflight && next < clients.size()) {
    ++inflight;
    clients[next++]->start();
  }
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void sleep_until_ns(uint64_t t) {
  while (!interrupted && now_ns() < t)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
}

} // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::vector<std::string> urls;
  size_t clients = 1000;
  size_t threads = 2;
  double warmup = 5;
  double duration = 20;
  double connect_timeout = 180;
  double idle_seconds = 0;
  double settle_timeout = 300;
  uint64_t seed = 1;
  std::string label = "chat";
  auto p = std::make_unique<plan>();
  p->topic = "room:bench";
  po::options_description desc{"bench_chat_load"};
  desc.add_options()("help", "this text")(
    "url", po::value(&urls)->required(),
    "ws://ADDR:PORT/socket/websocket, repeatable: clients go round-robin")(
    "clients", po::value(&clients), "client connections (1000)")(
    "rate", po::value(&p->rate), "new_msg per client per second (1)")(
    "warmup", po::value(&warmup), "seconds of sending before the window (5)")(
    "duration", po::value(&duration), "seconds measured (20)")(
    "threads", po::value(&threads), "generator threads (2)")(
    "topic", po::value(&p->topic), "the room (room:bench)")(
    "label", po::value(&label), "first word of the result line")(
    "seed", po::value(&seed), "random offsets and jitter (1)")(
    "connect-timeout", po::value(&connect_timeout),
    "seconds for all clients to join (180)")(
    "settle-timeout", po::value(&settle_timeout),
    "after the joins, wait until no presence frame came for 2 s, at most "
    "this long (300)")(
    "idle-seconds", po::value(&idle_seconds),
    "join, print IDLE READY, hold this long, exit (no sending)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << '\n';
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "bench_chat_load: " << e.what() << '\n' << desc << '\n';
    return 2;
  }
  if (clients == 0 || threads == 0 || p->rate <= 0 || duration <= 0) {
    std::cerr << "bench_chat_load: clients, threads, rate and duration must "
                 "be positive\n";
    return 2;
  }
  std::vector<server_spec> servers;
  try {
    for (auto& u : urls)
      servers.push_back(parse_url(u));
  } catch (const std::exception& e) {
    std::cerr << "bench_chat_load: " << e.what() << '\n';
    return 2;
  }
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });

  std::vector<std::unique_ptr<worker>> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<worker>());
    workers.back()->rng.seed(seed * 1000 + t);
  }
  for (size_t i = 0; i < clients; ++i) {
    auto& w = *workers[i % threads];
    w.clients.push_back(
      std::make_shared<client>(w, *p, servers[i % servers.size()], i));
  }
  // Keeps each io_context running while it has nothing to do.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
    guards;
  std::vector<std::thread> pool;
  for (auto& w : workers) {
    guards.push_back(asio::make_work_guard(w->ioc));
    asio::post(w->ioc, [wp = w.get()] { wp->start_more(); });
    pool.emplace_back([wp = w.get()] { wp->ioc.run(); });
  }
  auto stop_all = [&] {
    for (auto& w : workers)
      asio::post(w->ioc, [wp = w.get()] {
        for (auto& c : wp->clients)
          c->stop();
        wp->ioc.stop();
      });
    for (auto& t : pool)
      t.join();
  };

  // Join phase, bounded.
  auto deadline = now_ns() + static_cast<uint64_t>(connect_timeout * 1e9);
  auto t_connect = now_ns();
  double join_s = 0;
  uint64_t next_report = now_ns() + 5'000'000'000;
  while (!interrupted && p->joined + p->failed < clients
         && now_ns() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    if (now_ns() > next_report) {
      std::cerr << label << ": joined " << p->joined << "/" << clients
                << " (failed " << p->failed << ")\n";
      next_report += 5'000'000'000;
    }
  }
  size_t joined = p->joined;
  join_s = static_cast<double>(now_ns() - t_connect) / 1e9;
  std::cerr << label << ": " << joined << " of " << clients << " joined in "
            << (now_ns() - t_connect) / 1e9 << " s\n";
  if (joined == 0 || interrupted) {
    stop_all();
    for (auto& w : workers)
      if (!w->first_error.empty())
        std::cerr << label << ": first error: " << w->first_error << '\n';
    return 1;
  }

  // Each join makes the server tell every member (presence): wait until
  // that storm is over, so the window measures messages only.
  auto t_settle = now_ns();
  auto settle_deadline = t_settle + static_cast<uint64_t>(settle_timeout * 1e9);
  auto other = [&] {
    uint64_t n = 0;
    for (auto& w : workers)
      n += w->other_frames.load(std::memory_order_relaxed);
    return n;
  };
  uint64_t last_other = other();
  uint64_t quiet_since = now_ns();
  while (!interrupted && now_ns() < settle_deadline
         && now_ns() - quiet_since < 2'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    if (auto n = other(); n != last_other) {
      last_other = n;
      quiet_since = now_ns();
    }
  }
  double settle_s = static_cast<double>(now_ns() - t_settle) / 1e9;
  std::cerr << label << ": settled after " << settle_s << " s (" << last_other
            << " presence frames)\n";

  if (idle_seconds > 0) {
    std::cout << "IDLE READY joined=" << joined << std::endl;
    sleep_until_ns(now_ns() + static_cast<uint64_t>(idle_seconds * 1e9));
    stop_all();
    return 0;
  }

  // Load phase: the times first, then the start, posted to each thread.
  p->send_start = now_ns() + 500'000'000;
  p->window_start = p->send_start + static_cast<uint64_t>(warmup * 1e9);
  p->window_end = p->window_start + static_cast<uint64_t>(duration * 1e9);
  auto cpu_before = cpu_seconds();
  for (auto& w : workers)
    asio::post(w->ioc, [wp = w.get()] {
      for (auto& c : wp->clients)
        c->start_sending();
    });
  // Deliveries after the window do not count; a short drain lets the last
  // sends of the window arrive without measuring them.
  sleep_until_ns(p->window_end + 1'000'000'000);
  auto cpu = cpu_seconds() - cpu_before;
  stop_all();

  histogram all;
  uint64_t delivered = 0, sent = 0, push_ok = 0, push_errors = 0, closed = 0;
  for (auto& w : workers) {
    all.merge(w->latency);
    delivered += w->delivered;
    sent += w->sent;
    push_ok += w->push_ok;
    push_errors += w->push_errors;
    closed += w->closed;
    if (!w->first_error.empty())
      std::cerr << label << ": first error: " << w->first_error << '\n';
  }
  auto per_s = [&](uint64_t n) { return static_cast<double>(n) / duration; };
  double expected = static_cast<double>(joined) * static_cast<double>(joined)
                    * p->rate;
  std::cout.setf(std::ios::fixed);
  std::cout.precision(0);
  std::cout << label << " clients=" << clients << " joined=" << joined
            << " delivered_per_s=" << per_s(delivered)
            << " expected_per_s=" << expected;
  std::cout.precision(3);
  std::cout << " delivery_ratio=" << per_s(delivered) / expected;
  std::cout.precision(0);
  std::cout << " p50_us=" << all.percentile(0.50) / 1e3
            << " p90_us=" << all.percentile(0.90) / 1e3
            << " p99_us=" << all.percentile(0.99) / 1e3
            << " max_us=" << all.max() / 1e3 << " sent_per_s=" << per_s(sent)
            << " push_ok=" << push_ok << " push_errors=" << push_errors
            << " closed_clients=" << closed;
  std::cout.precision(1);
  std::cout << " gen_cpu_s=" << cpu << " window_s=" << duration
            << " join_s=" << join_s << " settle_s=" << settle_s << std::endl;
  return 0;
}
