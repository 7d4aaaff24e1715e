// The client codecs against the real epmd (started on a private loopback
// port, killed by PID), and the embedded server against the same requests:
// both must produce the same bytes, up to the clock-derived creations.

#include "cafe/epmd/registry.hpp"
#include "cafe/epmd/replies.hpp"
#include "cafe/epmd/reply_reader.hpp"
#include "cafe/epmd/requests.hpp"
#include "cafe/epmd/session.hpp"
#include "cafe/test/hex.hpp"
#include "cafe/test/process.hpp"
#include "cafe/test/tools.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <ctime>
#include <gtest/gtest.h>
#include <memory>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace cafe::epmd;
using namespace std::chrono_literals;
using cafe::test::to_hex;

namespace {

// A blocking loopback socket with 5-second timeouts: enough for a local
// epmd, and no test can hang on it.
class socket_fd {
public:
  explicit socket_fd(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket");
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      ok_ = false;
  }

  ~socket_fd() {
    close();
  }

  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;

  bool connected() const noexcept {
    return ok_;
  }

  void send(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0)
        throw std::runtime_error("send to epmd failed");
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
  }

  /// Reads what is there: empty at end of file; throws on timeout.
  std::vector<uint8_t> recv_some() {
    uint8_t buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0)
      throw std::runtime_error("no answer from epmd within 5 s");
    return {buf, buf + n};
  }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
  bool ok_ = true;
};

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::vector<uint8_t> bytes_of(const request& req) {
  auto bytes = to_bytes(req);
  if (!bytes)
    throw std::runtime_error("cannot encode request");
  return *bytes;
}

// Sends one request and decodes the reply with a reply_reader, feeding it
// every chunk as it arrives; `raw` receives the reply bytes.
template <class Reply>
Reply ask(uint16_t port, const request& req,
          std::vector<uint8_t>* raw = nullptr, socket_fd* keep = nullptr) {
  std::unique_ptr<socket_fd> own;
  if (keep == nullptr) {
    own = std::make_unique<socket_fd>(port);
    keep = own.get();
  }
  keep->send(bytes_of(req));
  reply_reader<Reply> rd;
  for (;;) {
    auto chunk = keep->recv_some();
    if (chunk.empty()) {
      auto res = rd.finish();
      if (!res || !*res)
        throw std::runtime_error("bad reply: " + to_hex(rd.buffered()));
      if (raw)
        *raw = rd.buffered();
      return **res;
    }
    auto res = rd.feed(chunk);
    if (!res)
      throw std::runtime_error(std::string{"bad reply: "}
                               + std::string{to_string(res.error())});
    if (*res) {
      if (raw)
        *raw = rd.buffered();
      return **res;
    }
  }
}

alive2_req alive(std::string name, uint16_t port, uint16_t high = 6,
                 uint16_t low = 6) {
  alive2_req req;
  req.node.name = std::move(name);
  req.node.port = port;
  req.node.highest_version = high;
  req.node.lowest_version = low;
  return req;
}

// A real epmd on a free loopback port; the child_process destructor kills
// its process group.
struct real_epmd {
  uint16_t port = 0;
  std::unique_ptr<cafe::test::child_process> proc;

  explicit real_epmd(std::vector<std::string> extra = {}) {
    auto exe = cafe::test::require_tool("epmd");
    for (int attempt = 0; attempt < 5 && !proc; ++attempt) {
      port = free_port();
      cafe::test::spawn_options opts;
      opts.program = exe;
      opts.args = {"-port", std::to_string(port), "-address", "127.0.0.1"};
      opts.args.insert(opts.args.end(), extra.begin(), extra.end());
      auto child = std::make_unique<cafe::test::child_process>(opts);
      auto deadline = std::chrono::steady_clock::now() + 5s;
      while (std::chrono::steady_clock::now() < deadline && !child->exited()) {
        socket_fd probe{port};
        if (probe.connected()) {
          proc = std::move(child);
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
    }
    if (!proc)
      throw std::runtime_error("epmd did not start");
  }

  ~real_epmd() {
    if (proc)
      proc->stop(500ms);
  }
};

// Polls until `name` is gone: epmd notices a closed registration
// connection only on its next select round.
void wait_unregistered(uint16_t port, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ask<port2_resp>(port, port_please2_req{name}).result != 0)
      return;
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error(name + " still registered");
}

} // namespace

TEST(epmd_live, register_lookup_list_like_the_embedded_server) {
  real_epmd epmd;
  registry reg{registry::config{epmd.port, false, 1000}};
  connection_id next = 1;
  // Sends the same request to the embedded server.
  auto embedded = [&](session& s, const request& req) {
    return s.feed(reg, bytes_of(req), now_seconds()).reply;
  };

  auto before = now_seconds();
  socket_fd foo{epmd.port}, bar{epmd.port}, old{epmd.port};
  std::vector<uint8_t> raw;
  auto r1 = ask<alive2_resp>(epmd.port, alive("foo", 5555), &raw, &foo);
  auto after = now_seconds();
  ASSERT_EQ(r1.result, 0);
  EXPECT_TRUE(r1.extended);
  // A new name's creation is epmd's clock plus one.
  EXPECT_GE(r1.creation, before + 1);
  EXPECT_LE(r1.creation, after + 1);
  // The embedded server answers alike; only the clock-derived creation
  // may differ.
  session s_foo{next++, true};
  auto mine = embedded(s_foo, alive("foo", 5555));
  ASSERT_EQ(mine.size(), raw.size());
  EXPECT_EQ(to_hex(std::span{mine}.first(2)), to_hex(std::span{raw}.first(2)));
  auto mine1 = decode_reply<alive2_resp>(mine, false);
  ASSERT_TRUE(mine1 && *mine1);

  ASSERT_EQ(
    ask<alive2_resp>(epmd.port, alive("bar", 5556), nullptr, &bar).result, 0);
  session s_bar{next++, true};
  embedded(s_bar, alive("bar", 5556));
  // A version-5 registrant gets ALIVE2_RESP with a creation in 1..3.
  auto r3 = ask<alive2_resp>(epmd.port, alive("old", 5558, 5, 5), &raw, &old);
  EXPECT_FALSE(r3.extended);
  EXPECT_GE(r3.creation, 1u);
  EXPECT_LE(r3.creation, 3u);
  session s_old{next++, true};
  embedded(s_old, alive("old", 5558, 5, 5));

  // NAMES: byte for byte.
  auto names = ask<names_resp>(epmd.port, names_req{}, &raw);
  EXPECT_EQ(names.epmd_port, epmd.port);
  EXPECT_EQ(names.nodes, (std::vector<name_entry>{
                           {"old", 5558}, {"bar", 5556}, {"foo", 5555}}));
  session s_names{next++, true};
  EXPECT_EQ(to_hex(embedded(s_names, names_req{})), to_hex(raw));

  // PORT_PLEASE2: byte for byte, found and not found.
  for (auto name : {"foo", "old", "nope"}) {
    auto reply = ask<port2_resp>(epmd.port, port_please2_req{name}, &raw);
    session s{next++, true};
    EXPECT_EQ(to_hex(embedded(s, port_please2_req{name})), to_hex(raw)) << name;
    if (std::string_view{name} == "foo") {
      EXPECT_EQ(reply.node, alive("foo", 5555).node);
    }
  }

  // A duplicate: result 1, creation 99, byte for byte.
  ask<alive2_resp>(epmd.port, alive("foo", 6666), &raw);
  session s_dup{next++, true};
  EXPECT_EQ(to_hex(embedded(s_dup, alive("foo", 6666))), to_hex(raw));
  EXPECT_EQ(to_hex(raw), "760100000063");

  // Closing the registration connection unregisters; registering again
  // bumps the creation by one.
  foo.close();
  wait_unregistered(epmd.port, "foo");
  socket_fd foo2{epmd.port};
  auto r4 = ask<alive2_resp>(epmd.port, alive("foo", 5555), nullptr, &foo2);
  EXPECT_EQ(r4.creation, r1.creation + 1);
  s_foo.closed(reg);
  session s_foo2{next++, true};
  auto mine4 = decode_reply<alive2_resp>(embedded(s_foo2, alive("foo", 5555)),
                                         false);
  ASSERT_TRUE(mine4 && *mine4);
  EXPECT_EQ((*mine4)->creation, (*mine1)->creation + 1);

  // DUMP lists the same names (with epmd's file descriptors).
  auto dump = ask<dump_resp>(epmd.port, dump_req{});
  EXPECT_EQ(dump.epmd_port, epmd.port);
  ASSERT_EQ(dump.lines.size(), 3u);
  EXPECT_TRUE(dump.lines[0].starts_with("active name     <foo> at port 5555"));

  // KILL is refused while nodes are registered.
  EXPECT_FALSE(ask<kill_resp>(epmd.port, kill_req{}).ok);
  session s_kill{next++, true};
  EXPECT_EQ(to_hex(embedded(s_kill, kill_req{})), "4e4f"); // "NO"
}

TEST(epmd_live, split_requests_and_bad_packets) {
  real_epmd epmd;
  // One byte at a time: epmd assembles the packet like our session does.
  socket_fd reg_conn{epmd.port};
  auto bytes = bytes_of(alive("slow", 4242));
  for (auto b : bytes) {
    reg_conn.send(std::span{&b, 1});
    std::this_thread::sleep_for(2ms);
  }
  reply_reader<alive2_resp> rd;
  auto res = rd.feed(reg_conn.recv_some());
  ASSERT_TRUE(res && *res);
  EXPECT_EQ((*res)->result, 0);
  EXPECT_EQ(ask<port2_resp>(epmd.port, port_please2_req{"slow"}).node.port,
            4242);
  // Packets epmd drops without a word, and so does the embedded server.
  registry reg;
  for (auto hex : {"0000", "000141", "00016e00", "00027a00"}) {
    socket_fd s{epmd.port};
    auto req = cafe::test::from_hex(hex);
    s.send(req);
    EXPECT_TRUE(s.recv_some().empty()) << hex;
    session mine{1, true};
    auto out = mine.feed(reg, req, now_seconds());
    EXPECT_TRUE(out.reply.empty()) << hex;
    EXPECT_TRUE(out.close) << hex;
  }
}

TEST(epmd_live, stop_and_kill_with_relaxed_command_check) {
  real_epmd epmd{{"-relaxed_command_check"}};
  socket_fd foo{epmd.port};
  ASSERT_EQ(
    ask<alive2_resp>(epmd.port, alive("foo", 5555), nullptr, &foo).result, 0);
  std::vector<uint8_t> raw;
  EXPECT_FALSE(ask<stop_resp>(epmd.port, stop_req{"nope"}, &raw).existed);
  // epmd's fall-through: "NOEXIST" then "STOPPED".
  EXPECT_EQ(std::string(raw.begin(), raw.end()), "NOEXISTSTOPPED");
  EXPECT_TRUE(ask<stop_resp>(epmd.port, stop_req{"foo"}, &raw).existed);
  EXPECT_EQ(std::string(raw.begin(), raw.end()), "STOPPED");
  // epmd closed the registration connection of the stopped node.
  EXPECT_TRUE(foo.recv_some().empty());
  EXPECT_TRUE(ask<kill_resp>(epmd.port, kill_req{}).ok);
  // ... and exits.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!epmd.proc->exited() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(epmd.proc->exited());
}
