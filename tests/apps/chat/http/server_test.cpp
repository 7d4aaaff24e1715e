// The HTTP side of the front: static files, the application's routes,
// limits, and every way an upgrade is accepted or refused.

#include "server_fixture.hpp"
#include "test_client.hpp"

#include <gtest/gtest.h>

using namespace cafe::chat::http;
using namespace cafe::chat::http::testing;
namespace fs = std::filesystem;

namespace {

const std::string index_html = "<!doctype html><title>chat</title>";
const std::string secret = "TOP-SECRET-CONTENT";

class server_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto root = dir_.path() / "static";
    write_file(root / "index.html", index_html);
    write_file(root / "app.js", "console.log('app')");
    write_file(root / "sub" / "page.mjs", "export const x = 1;");
    write_file(root / "style.css", "body{}");
    write_file(root / "logo.png", std::string("\x89PNG\r\n\x1a\n", 8));
    write_file(root / "icon.svg", "<svg/>");
    write_file(root / "data.json", "{}");
    write_file(dir_.path() / "secret.txt", secret);
    write_file(dir_.path() / "vendor" / "phoenix.mjs", "export class Socket{}");
    cfg_.static_dir = root;
    cfg_.extra_files = {{"/phoenix.mjs", dir_.path() / "vendor/phoenix.mjs"}};
    cfg_.served_by = "node-a@127.0.0.1";
    cfg_.max_request_bytes = 4096;
  }

  void start() {
    server_ = std::make_unique<running_server>(cfg_, app_);
  }

  uint16_t port() {
    return server_->port();
  }

  void expect_common_headers(const http_reply& reply) {
    EXPECT_EQ(reply.header("x-served-by"), "node-a@127.0.0.1");
    EXPECT_EQ(reply.header("server"), "cafe-chat");
  }

  cafe::test::temp_dir dir_;
  server_config cfg_;
  std::shared_ptr<test_app> app_ = std::make_shared<test_app>();
  std::unique_ptr<running_server> server_;
};

TEST_F(server_test, serves_static_files_with_their_content_types) {
  start();
  struct {
    std::string target;
    std::string type;
    std::string body;
  } cases[] = {
    {"/", "text/html; charset=utf-8", index_html},
    {"/index.html", "text/html; charset=utf-8", index_html},
    {"/app.js", "text/javascript", "console.log('app')"},
    {"/sub/page.mjs", "text/javascript", "export const x = 1;"},
    {"/style.css", "text/css", "body{}"},
    {"/logo.png", "image/png", std::string("\x89PNG\r\n\x1a\n", 8)},
    {"/icon.svg", "image/svg+xml", "<svg/>"},
    {"/data.json", "application/json", "{}"},
    {"/phoenix.mjs", "text/javascript", "export class Socket{}"},
    {"/app.js?v=3", "text/javascript", "console.log('app')"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.target);
    auto reply = http_request(port(), "GET", c.target);
    ASSERT_EQ(reply.status, 200u) << reply.error;
    EXPECT_EQ(reply.header("content-type"), c.type);
    EXPECT_EQ(reply.header("cache-control"), "no-cache");
    EXPECT_EQ(reply.body, c.body);
    expect_common_headers(reply);
  }
  // Static files never reach the application.
  EXPECT_TRUE(app_->requests().empty());
  EXPECT_EQ(server_->stats().http_requests.load(), std::size(cases));
}

TEST_F(server_test, head_sends_the_length_without_a_body) {
  start();
  auto reply = http_request(port(), "HEAD", "/");
  ASSERT_EQ(reply.status, 200u) << reply.error;
  EXPECT_EQ(reply.header("content-length"), std::to_string(index_html.size()));
  EXPECT_EQ(reply.header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(reply.body.empty());
  expect_common_headers(reply);
  // On the wire: the header block and not one byte more.
  auto raw = raw_exchange(port(), "HEAD / HTTP/1.1\r\nHost: x\r\n"
                                  "Connection: close\r\n\r\n");
  ASSERT_TRUE(raw.closed);
  auto end = raw.bytes.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(raw.bytes.size(), end + 4);
}

TEST_F(server_test, unknown_paths_go_to_the_application_else_404) {
  start();
  auto hello = http_request(port(), "GET", "/api/hello?name=a%20b&x=1&x=2");
  ASSERT_EQ(hello.status, 200u) << hello.error;
  EXPECT_EQ(hello.body, R"({"hello":"world"})");
  EXPECT_EQ(hello.header("content-type"), "application/json");
  expect_common_headers(hello);
  auto teapot = http_request(port(), "GET", "/api/teapot");
  EXPECT_EQ(teapot.status, 418u);
  EXPECT_EQ(teapot.body, "short and stout");
  auto missing = http_request(port(), "GET", "/nope/x.js");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.header("content-type"), "application/json");
  EXPECT_EQ(missing.body, R"({"error":"not found"})");
  expect_common_headers(missing);
  auto requests = app_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/api/hello");
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(requests[0].params,
            (pairs{{"name", "a b"}, {"x", "1"}, {"x", "2"}}));
  EXPECT_EQ(requests[2].path, "/nope/x.js");
}

TEST_F(server_test, other_methods_get_405) {
  start();
  for (auto method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    auto reply = http_request(port(), method, "/", {}, "x=1");
    EXPECT_EQ(reply.status, 405u) << reply.error;
    EXPECT_EQ(reply.header("allow"), "GET, HEAD");
    expect_common_headers(reply);
  }
  EXPECT_TRUE(app_->requests().empty());
}

TEST_F(server_test, path_traversal_is_refused) {
  start();
  const char* targets[] = {
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/sub/../../secret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "//secret.txt",
    "/.%2e/secret.txt",
    "/%00secret.txt",
    "http://127.0.0.1/../secret.txt",
    "secret.txt",
  };
  for (auto target : targets) {
    SCOPED_TRACE(target);
    auto raw = raw_exchange(port(), std::string{"GET "} + target
                                      + " HTTP/1.1\r\nHost: x\r\n"
                                        "Connection: close\r\n\r\n");
    ASSERT_TRUE(raw.closed);
    auto status = raw.bytes.substr(0, 12);
    EXPECT_TRUE(status == "HTTP/1.1 400" || status == "HTTP/1.1 404")
      << raw.bytes;
    EXPECT_EQ(raw.bytes.find(secret), std::string::npos);
  }
}

TEST_F(server_test, keep_alive_serves_several_requests_on_one_connection) {
  start();
  auto raw = raw_exchange(port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /nope HTTP/1.1\r\nHost: x\r\n"
                                  "Connection: close\r\n\r\n");
  ASSERT_TRUE(raw.closed);
  size_t oks = 0;
  for (auto pos = raw.bytes.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = raw.bytes.find("HTTP/1.1 200", pos + 1))
    ++oks;
  EXPECT_EQ(oks, 2u) << raw.bytes;
  EXPECT_NE(raw.bytes.find("HTTP/1.1 404"), std::string::npos);
}

TEST_F(server_test, oversized_requests_get_413_or_431_and_a_close) {
  start();
  auto big_header = raw_exchange(port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
                                           + std::string(8000, 'a')
                                           + "\r\n\r\n");
  EXPECT_TRUE(big_header.closed);
  EXPECT_EQ(big_header.bytes.substr(0, 12), "HTTP/1.1 431") << big_header.bytes;
  EXPECT_NE(big_header.bytes.find("x-served-by: node-a@127.0.0.1"),
            std::string::npos);
  auto big_body = raw_exchange(port(),
                               "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: "
                               "100000\r\n\r\n"
                                 + std::string(100000, 'b'));
  EXPECT_TRUE(big_body.closed);
  EXPECT_EQ(big_body.bytes.substr(0, 12), "HTTP/1.1 413") << big_body.bytes;
  // The server still answers.
  EXPECT_EQ(http_request(port(), "GET", "/").status, 200u);
}

TEST_F(server_test, a_half_sent_request_times_out) {
  cfg_.request_timeout = std::chrono::milliseconds{300};
  start();
  auto started = std::chrono::steady_clock::now();
  auto raw = raw_exchange(port(), "GET / HTTP/1.1\r\nHost: x\r\n");
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(raw.closed);
  EXPECT_TRUE(raw.bytes.empty()) << raw.bytes;
  EXPECT_GE(elapsed, std::chrono::milliseconds{250});
  EXPECT_LT(elapsed, std::chrono::seconds{5});
}

TEST_F(server_test, socket_path_needs_an_upgrade_and_upgrades_only_there) {
  start();
  auto plain = http_request(port(), "GET", "/socket/websocket?vsn=2.0.0");
  EXPECT_EQ(plain.status, 400u);
  expect_common_headers(plain);
  ws_client elsewhere;
  auto refused = elsewhere.connect(port(), "/other/websocket");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 404u);
  EXPECT_EQ(refused.headers["x-served-by"], "node-a@127.0.0.1");
  ws_client good;
  auto accepted = good.connect(port(), "/socket/websocket?vsn=2.0.0");
  ASSERT_TRUE(accepted.ok) << accepted.error;
  EXPECT_EQ(accepted.status, 101u);
  EXPECT_EQ(accepted.headers["x-served-by"], "node-a@127.0.0.1");
  EXPECT_EQ(accepted.headers["server"], "cafe-chat");
  EXPECT_EQ(accepted.headers.count("sec-websocket-protocol"), 0u);
  EXPECT_EQ(accepted.headers.count("sec-websocket-extensions"), 0u);
  EXPECT_EQ(server_->stats().upgrades_refused.load(), 1u);
}

TEST_F(server_test, origin_same_host_or_absent_is_allowed) {
  start();
  auto host = "127.0.0.1:" + std::to_string(port());
  ws_client same, other_port, absent, evil, null_origin;
  EXPECT_TRUE(
    same.connect(port(), "/socket/websocket", {{"Origin", "http://" + host}})
      .ok);
  // Phoenix compares the host only.
  EXPECT_TRUE(other_port
                .connect(port(), "/socket/websocket",
                         {{"Origin", "https://127.0.0.1:8443"}})
                .ok);
  EXPECT_TRUE(absent.connect(port(), "/socket/websocket").ok);
  auto refused = evil.connect(port(), "/socket/websocket",
                              {{"Origin", "http://evil.example"}});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 403u);
  auto refused_null = null_origin.connect(port(), "/socket/websocket",
                                          {{"Origin", "null"}});
  EXPECT_EQ(refused_null.status, 403u);
  EXPECT_EQ(server_->stats().upgrades_refused.load(), 2u);
  // Refused before the application was asked.
  EXPECT_EQ(app_->upgrades().size(), 3u);
}

TEST_F(server_test, allowed_origins_replace_the_same_host_rule) {
  cfg_.allowed_origins = {"https://chat.example", "http://localhost:4000"};
  start();
  auto host = "127.0.0.1:" + std::to_string(port());
  struct {
    std::string origin;
    bool ok;
  } cases[] = {
    {"https://chat.example", true},       {"https://CHAT.example:443", true},
    {"http://localhost:4000", true},      {"http://chat.example", false},
    {"https://chat.example:8443", false}, {"http://" + host, false},
    {"https://evil.chat.example", false},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.origin);
    ws_client client;
    auto result = client.connect(port(), "/socket/websocket",
                                 {{"Origin", c.origin}});
    EXPECT_EQ(result.ok, c.ok);
    if (!c.ok)
      EXPECT_EQ(result.status, 403u);
  }
}

TEST_F(server_test, check_upgrade_refusal_is_the_http_status) {
  start();
  ws_client forbidden, limited;
  auto r1 = forbidden.connect(port(), "/socket/websocket?refuse=403&vsn=3");
  EXPECT_FALSE(r1.ok);
  EXPECT_EQ(r1.status, 403u);
  auto r2 = limited.connect(port(), "/socket/websocket?refuse=429");
  EXPECT_EQ(r2.status, 429u);
  EXPECT_EQ(r2.headers["x-served-by"], "node-a@127.0.0.1");
  EXPECT_EQ(server_->stats().upgrades_refused.load(), 2u);
  EXPECT_TRUE(app_->clients().empty());
  auto upgrades = app_->upgrades();
  ASSERT_EQ(upgrades.size(), 2u);
  EXPECT_EQ(upgrades[0].path, "/socket/websocket");
  EXPECT_EQ(upgrades[0].param("vsn"), "3");
  EXPECT_EQ(upgrades[0].remote_address, "127.0.0.1");
}

TEST_F(server_test, phoenix_subprotocol_is_answered_and_the_token_decoded) {
  start();
  // btoa("user:42/é+?") with the padding removed, as the JS client sends.
  std::string token = "user:42/\xc3\xa9+?";
  std::string b64 = "dXNlcjo0Mi/DqSs/";
  ws_client client;
  auto result = client.connect(
    port(), "/socket/websocket?token=t1&vsn=2.0.0",
    {{"Sec-WebSocket-Protocol", "phoenix, base64url.bearer.phx." + b64}});
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.headers["sec-websocket-protocol"], "phoenix");
  auto c = app_->nth_client(0);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->req.auth_token.has_value());
  EXPECT_EQ(*c->req.auth_token, token);
  EXPECT_EQ(c->req.param("token"), "t1");
  EXPECT_EQ(c->req.param("vsn"), "2.0.0");
  // Offered protocols without `phoenix`: Phoenix answers 403.
  ws_client other;
  auto refused = other.connect(port(), "/socket/websocket",
                               {{"Sec-WebSocket-Protocol", "mqtt"}});
  EXPECT_EQ(refused.status, 403u);
  // A token that is not base64.
  ws_client bad;
  auto bad_token = bad.connect(
    port(), "/socket/websocket",
    {{"Sec-WebSocket-Protocol", "phoenix, base64url.bearer.phx.*!*"}});
  EXPECT_EQ(bad_token.status, 400u);
}

TEST_F(server_test, over_max_connections_is_503) {
  cfg_.max_connections = 2;
  start();
  ws_client a, b;
  ASSERT_TRUE(a.connect(port(), "/socket/websocket").ok);
  ASSERT_TRUE(b.connect(port(), "/socket/websocket").ok);
  ASSERT_EQ(server_->stats().connections_open.load(), 2u);
  auto reply = http_request(port(), "GET", "/");
  EXPECT_EQ(reply.status, 503u) << reply.error;
  EXPECT_EQ(reply.header("x-served-by"), "node-a@127.0.0.1");
  EXPECT_EQ(reply.header("server"), "cafe-chat");
  a.drop();
  ASSERT_TRUE(
    eventually([&] { return server_->stats().connections_open.load() == 1; }));
  EXPECT_EQ(http_request(port(), "GET", "/").status, 200u);
}

TEST_F(server_test, binds_every_interface_when_bind_is_empty) {
  // Not through running_server, which binds 127.0.0.1.
  boost::asio::io_context io;
  server_config cfg = cfg_;
  cfg.port = 0;
  auto started = server::start(io, cfg, app_);
  ASSERT_TRUE(started) << started.error();
  auto srv = *started;
  EXPECT_NE(srv->port(), 0);
  std::thread runner{[&] { io.run(); }};
  // Reachable on IPv4 loopback whichever of `::` or 0.0.0.0 it bound.
  EXPECT_EQ(http_request(srv->port(), "GET", "/").status, 200u);
  srv->stop();
  srv->stop(); // twice is fine
  io.stop();
  runner.join();
}

} // namespace

namespace {

TEST_F(server_test, a_port_in_use_is_an_error) {
  start();
  boost::asio::io_context io;
  server_config cfg = cfg_;
  cfg.bind = "127.0.0.1";
  cfg.port = port();
  auto second = server::start(io, cfg, app_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find(std::to_string(port())), std::string::npos)
    << second.error();
  cfg.bind = "not-an-address";
  auto bad = server::start(io, cfg, app_);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not-an-address"), std::string::npos);
}

} // namespace
