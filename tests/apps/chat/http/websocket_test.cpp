// The WebSocket side: frames both ways, the message limit, slow clients,
// idle and write timeouts, a thousand clients at once, and stop().

#include "server_fixture.hpp"
#include "test_client.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace cafe::chat::http;
using namespace cafe::chat::http::testing;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

const std::string socket_path = "/socket/websocket?vsn=2.0.0";

class websocket_test : public ::testing::Test {
protected:
  void SetUp() override {
    cfg_.static_dir = dir_.path();
    cfg_.served_by = "node-a@127.0.0.1";
  }

  void start() {
    server_ = std::make_unique<running_server>(cfg_, app_);
  }

  uint16_t port() {
    return server_->port();
  }

  const server_stats& stats() {
    return server_->stats();
  }

  /// A connected client and its record in the application.
  std::shared_ptr<test_app::client> connect(ws_client& client) {
    auto before = app_->clients().size();
    auto result = client.connect(port(), socket_path);
    EXPECT_TRUE(result.ok) << result.error;
    return app_->nth_client(before);
  }

  void expect_echo(ws_client& client, const std::string& text) {
    ASSERT_TRUE(client.send_text(text));
    auto event = client.read();
    ASSERT_EQ(event.kind, ws_event::text) << event.data;
    EXPECT_EQ(event.data, text);
  }

  /// Sends one frame at a time while the kernel takes them, until the
  /// socket stops moving (200 ms without the queue draining ends this
  /// phase; nothing is asserted on that time). The frames the kernel took.
  size_t saturate(test_app::client& rec,
                  const std::shared_ptr<const std::string>& payload, size_t max,
                  uint64_t& peak) {
    size_t n = 0;
    while (n < max) {
      rec.link->send(payload);
      ++n;
      peak = std::max(peak, stats().queued_bytes.load());
      if (!eventually([&] { return stats().queued_bytes.load() == 0; }, 200ms))
        return n - 1; // the last one is still queued
    }
    return n;
  }

  cafe::test::temp_dir dir_;
  server_config cfg_;
  std::shared_ptr<test_app> app_ = std::make_shared<test_app>();
  std::unique_ptr<running_server> server_;
};

TEST_F(websocket_test, text_frames_echo_in_order) {
  start();
  ws_client client;
  auto rec = connect(client);
  ASSERT_TRUE(rec);
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(client.send_text("frame " + std::to_string(i)));
  for (int i = 0; i < 20; ++i) {
    auto event = client.read();
    ASSERT_EQ(event.kind, ws_event::text) << event.data;
    EXPECT_EQ(event.data, "frame " + std::to_string(i));
  }
  EXPECT_EQ(stats().frames_in.load(), 20u);
  ASSERT_TRUE(eventually([&] { return stats().frames_out.load() == 20; }));
  EXPECT_EQ(stats().connections_open.load(), 1u);
  EXPECT_EQ(stats().connections_total.load(), 1u);
  // A clean close from the client: on_closed once, the gauge back to 0.
  EXPECT_TRUE(client.close(1000));
  ASSERT_TRUE(app_->wait([&] { return rec->closed_calls > 0; }));
  ASSERT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
  EXPECT_EQ(rec->closed_calls, 1);
  EXPECT_FALSE(rec->call_after_close);
  // The link of a gone client does nothing.
  rec->link->send(std::make_shared<const std::string>("late"));
  rec->link->close(1000, "late");
  EXPECT_EQ(stats().queued_bytes.load(), 0u);
}

TEST_F(websocket_test, binary_frames_reach_on_binary) {
  start();
  ws_client client;
  auto rec = connect(client);
  ASSERT_TRUE(rec);
  std::string bytes{"\x00\x01\xff\xfe binary", 12};
  ASSERT_TRUE(client.send_binary(bytes));
  // A text frame after it: when its echo arrives the binary was handled.
  expect_echo(client, "marker");
  std::lock_guard guard{app_->mtx()};
  ASSERT_EQ(rec->binaries.size(), 1u);
  EXPECT_EQ(rec->binaries[0], bytes);
  EXPECT_EQ(rec->texts, std::vector<std::string>{"marker"});
}

TEST_F(websocket_test, oversized_message_closes_1009_and_others_go_on) {
  cfg_.max_message_bytes = 1024;
  start();
  ws_client other;
  ASSERT_TRUE(connect(other));
  ws_client big;
  auto rec = connect(big);
  ASSERT_TRUE(rec);
  // Exactly the limit passes.
  expect_echo(big, std::string(1024, 'a'));
  ASSERT_TRUE(big.send_text(std::string(1025, 'b')));
  auto event = big.read();
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 1009);
  ASSERT_TRUE(app_->wait([&] { return rec->closed_calls > 0; }));
  EXPECT_EQ(rec->texts.size(), 1u);
  expect_echo(other, "still here");
  ws_client fresh;
  ASSERT_TRUE(connect(fresh));
  expect_echo(fresh, "new client");
}

TEST_F(websocket_test, link_close_flushes_the_queue_then_closes) {
  start();
  ws_client client;
  auto rec = connect(client);
  ASSERT_TRUE(rec);
  for (int i = 0; i < 3; ++i)
    rec->link->send(
      std::make_shared<const std::string>("queued " + std::to_string(i)));
  rec->link->close(4000, "bye");
  rec->link->send(std::make_shared<const std::string>("after close"));
  for (int i = 0; i < 3; ++i) {
    auto event = client.read();
    ASSERT_EQ(event.kind, ws_event::text);
    EXPECT_EQ(event.data, "queued " + std::to_string(i));
  }
  auto event = client.read();
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 4000);
  EXPECT_EQ(event.reason, "bye");
  ASSERT_TRUE(app_->wait([&] { return rec->closed_calls > 0; }));
  ASSERT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
  EXPECT_EQ(rec->closed_calls, 1);
  EXPECT_EQ(stats().queued_bytes.load(), 0u);
}

TEST_F(websocket_test, a_close_code_that_cannot_be_sent_becomes_1011) {
  start();
  ws_client client;
  auto rec = connect(client);
  ASSERT_TRUE(rec);
  rec->link->close(1005, "no status is not sendable");
  auto event = client.read();
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 1011);
  // A reason longer than a close frame holds is cut to 123 bytes.
  ws_client second;
  auto rec2 = connect(second);
  ASSERT_TRUE(rec2);
  rec2->link->close(4001, std::string(300, 'r'));
  event = second.read();
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 4001);
  EXPECT_EQ(event.reason, std::string(123, 'r'));
}

// The largest send buffer the kernel may give the server's socket
// (tcp_wmem's maximum), which holds frames beyond the server's own queue.
size_t kernel_send_buffer_max() {
  std::ifstream in{"/proc/sys/net/ipv4/tcp_wmem"};
  size_t min = 0, def = 0, max = 0;
  in >> min >> def >> max;
  return max > 0 ? max : size_t{4} << 20;
}

// The application sends far more than a client that does not read can
// take: the client is dropped with 1008 once its queue is full, the bytes
// queued for it never exceed the limit, and everything sent after the drop
// is refused rather than buffered.
TEST_F(websocket_test, slow_client_is_dropped_with_1008) {
  cfg_.max_queued_bytes = 256 * 1024;
  cfg_.max_queued_frames = 1000;
  start();
  ws_client slow;
  constexpr int receive_buffer = 8 * 1024;
  slow.receive_buffer(receive_buffer);
  auto rec = connect(slow);
  ASSERT_TRUE(rec);
  auto payload = std::make_shared<const std::string>(64 * 1024, 'x');
  constexpr size_t sends = 2048; // 128 MiB if nothing were refused
  uint64_t peak = 0;
  size_t accepted_by_kernel = saturate(*rec, payload, sends, peak);
  ASSERT_LT(accepted_by_kernel, sends) << "the socket never filled up";
  for (size_t i = accepted_by_kernel; i < sends; ++i) {
    rec->link->send(payload);
    peak = std::max(peak, stats().queued_bytes.load());
  }
  ASSERT_TRUE(
    eventually([&] { return stats().slow_clients_dropped.load() == 1; }));
  EXPECT_LE(peak, cfg_.max_queued_bytes);
  // What was queued was freed at once: at most the frame in flight is left.
  ASSERT_TRUE(
    eventually([&] { return stats().queued_bytes.load() <= payload->size(); }));
  // Now the client reads: what the kernel held, then the close frame.
  size_t received = 0;
  ws_event event;
  for (;;) {
    event = slow.read();
    if (event.kind != ws_event::text)
      break;
    EXPECT_EQ(event.data.size(), payload->size());
    ++received;
  }
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 1008);
  EXPECT_EQ(event.reason, "too slow");
  // At most the queue, the frame in flight and the kernel's buffers on
  // both sides got through; the rest was refused, never buffered.
  auto through = cfg_.max_queued_bytes + payload->size()
                 + kernel_send_buffer_max() + 2 * receive_buffer;
  EXPECT_LE(received * payload->size(), through);
  EXPECT_LT(received, sends / 4);
  // Every frame the server wrote arrived whole, in front of the close.
  EXPECT_EQ(received, stats().frames_out.load());
  EXPECT_GE(received, accepted_by_kernel);
  std::cout << received << " of " << sends
            << " frames of 64 KiB reached the slow client ("
            << accepted_by_kernel << " before its socket stalled)\n";
  ASSERT_TRUE(app_->wait([&] { return rec->closed_calls > 0; }));
  EXPECT_EQ(rec->closed_calls, 1);
  EXPECT_EQ(stats().slow_clients_dropped.load(), 1u);
  ASSERT_TRUE(eventually([&] { return stats().queued_bytes.load() == 0; }));
  // Others are served as before.
  ws_client other;
  ASSERT_TRUE(connect(other));
  expect_echo(other, "fine");
}

// A client that never reads again cannot hold its socket: the write that
// makes no progress is given up after write_timeout.
TEST_F(websocket_test, client_that_never_reads_loses_its_socket) {
  cfg_.max_queued_bytes = 256 * 1024;
  cfg_.write_timeout = 500ms;
  start();
  ws_client stuck;
  stuck.receive_buffer(8 * 1024);
  auto rec = connect(stuck);
  ASSERT_TRUE(rec);
  auto payload = std::make_shared<const std::string>(64 * 1024, 'y');
  uint64_t peak = 0;
  auto accepted = saturate(*rec, payload, 2048, peak);
  ASSERT_LT(accepted, 2048u) << "the socket never filled up";
  for (size_t i = 0; i < 8; ++i)
    rec->link->send(payload);
  ASSERT_TRUE(
    eventually([&] { return stats().slow_clients_dropped.load() == 1; }));
  // Never reading, the client still loses the connection in bounded time.
  ASSERT_TRUE(app_->wait([&] { return rec->closed_calls > 0; }, 10s));
  ASSERT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
  EXPECT_EQ(stats().queued_bytes.load(), 0u);
}

TEST_F(websocket_test, a_thousand_clients_come_and_go_at_once) {
  start();
  constexpr size_t n = 1000;
  auto started = steady_clock::now();
  auto upgraded = mass_connect_and_drop(port(), socket_path, n, 30s);
  EXPECT_EQ(upgraded, n);
  ASSERT_TRUE(
    eventually([&] { return stats().connections_open.load() == 0; }, 30s));
  auto elapsed = steady_clock::now() - started;
  EXPECT_LT(elapsed, 30s);
  EXPECT_EQ(stats().connections_total.load(), n);
  ASSERT_TRUE(eventually([&] { return app_->closed_count() == n; }));
  ASSERT_EQ(app_->clients().size(), n);
  for (auto& c : app_->clients())
    EXPECT_EQ(c->closed_calls, 1);
  ws_client after;
  ASSERT_TRUE(connect(after));
  expect_echo(after, "still serving");
  EXPECT_EQ(http_request(port(), "GET", "/nope").status, 404u);
  std::cout
    << "1000 clients opened and dropped in "
    << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
    << " ms\n";
}

// A room's broadcast: one shared payload per frame sent to every client
// from an outside thread; each client gets every frame, in order.
TEST_F(websocket_test, broadcast_reaches_every_client_in_order) {
  start();
  constexpr size_t clients = 100;
  constexpr size_t frames = 1000;
  std::vector<std::unique_ptr<ws_client>> sockets;
  std::vector<std::shared_ptr<test_app::client>> recs;
  for (size_t i = 0; i < clients; ++i) {
    sockets.push_back(std::make_unique<ws_client>());
    recs.push_back(connect(*sockets.back()));
    ASSERT_TRUE(recs.back());
  }
  auto frame_text = [](size_t i) {
    auto text = "broadcast " + std::to_string(i) + " ";
    text.resize(100, '.');
    return text;
  };
  auto started = steady_clock::now();
  for (size_t i = 0; i < frames; ++i) {
    auto payload = std::make_shared<const std::string>(frame_text(i));
    for (auto& rec : recs)
      rec->link->send(payload);
  }
  ASSERT_TRUE(eventually(
    [&] { return stats().frames_out.load() == clients * frames; }, 60s))
    << stats().frames_out.load();
  auto elapsed = steady_clock::now() - started;
  EXPECT_EQ(stats().slow_clients_dropped.load(), 0u);
  for (auto& socket : sockets)
    for (size_t i = 0; i < frames; ++i) {
      auto event = socket->read();
      ASSERT_EQ(event.kind, ws_event::text) << event.data;
      ASSERT_EQ(event.data, frame_text(i));
    }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
  std::cout << clients * frames << " frames of 100 bytes written to " << clients
            << " clients in " << ms.count() << " ms\n";
}

TEST_F(websocket_test, idle_client_is_closed_after_idle_timeout) {
  cfg_.idle_timeout = 300ms;
  start();
  ws_client active;
  ASSERT_TRUE(connect(active));
  // Frames every 100 ms for three idle periods keep it open.
  auto active_since = steady_clock::now();
  auto last_sent = active_since;
  do {
    std::this_thread::sleep_for(100ms); // pacing, not a wait for a result
    last_sent = steady_clock::now();
    expect_echo(active, "tick");
  } while (steady_clock::now() - active_since < 900ms);
  // The server heard the last frame after `last_sent`: it may close no
  // earlier than one idle period after it.
  auto event = active.read(5s);
  auto elapsed = steady_clock::now() - last_sent;
  ASSERT_EQ(event.kind, ws_event::closed) << event.data;
  EXPECT_EQ(event.code, 1000);
  EXPECT_EQ(event.reason, "idle timeout");
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 300ms + 2s);
  ASSERT_TRUE(eventually([&] { return stats().connections_open.load() == 0; }));
}

TEST_F(websocket_test, stop_closes_clients_with_1001_within_drain_timeout) {
  cfg_.drain_timeout = 3s;
  start();
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<ws_client>());
    ASSERT_TRUE(connect(*clients.back()));
  }
  // Queued before stop, delivered before the close frame.
  auto first = app_->nth_client(0);
  first->link->send(std::make_shared<const std::string>("last words"));
  // Each client answers the close frame as it reads it.
  std::vector<ws_event> events(clients.size());
  std::vector<std::string> firsts(clients.size());
  std::vector<std::thread> readers;
  for (size_t i = 0; i < clients.size(); ++i)
    readers.emplace_back([&, i] {
      for (;;) {
        auto event = clients[i]->read(10s);
        if (event.kind != ws_event::text) {
          events[i] = event;
          return;
        }
        firsts[i] = event.data;
      }
    });
  auto started = steady_clock::now();
  server_->srv().stop();
  auto elapsed = steady_clock::now() - started;
  for (auto& t : readers)
    t.join();
  EXPECT_LT(elapsed, cfg_.drain_timeout);
  for (auto& event : events) {
    EXPECT_EQ(event.kind, ws_event::closed) << event.data;
    EXPECT_EQ(event.code, 1001);
    EXPECT_EQ(event.reason, "going away");
  }
  EXPECT_EQ(firsts[0], "last words");
  EXPECT_EQ(stats().connections_open.load(), 0u);
  EXPECT_EQ(app_->closed_count(), 3u);
  // No new connections after stop.
  EXPECT_EQ(http_request(port(), "GET", "/").status, 0u);
  // Twice is fine.
  server_->srv().stop();
}

TEST_F(websocket_test, stop_gives_up_on_clients_that_never_answer) {
  cfg_.drain_timeout = 500ms;
  start();
  ws_client mute; // never reads, so never answers the close frame
  ASSERT_TRUE(connect(mute));
  auto started = steady_clock::now();
  server_->srv().stop();
  auto elapsed = steady_clock::now() - started;
  EXPECT_GE(elapsed, 500ms - 50ms);
  EXPECT_LT(elapsed, 500ms + 1s);
  EXPECT_EQ(stats().connections_open.load(), 0u);
  EXPECT_EQ(app_->closed_count(), 1u);
}

} // namespace
