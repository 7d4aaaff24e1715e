// The front's pure helpers: targets, origins, subprotocols, static files,
// the frame queue.

#include "cafe/test/env.hpp"
#include "http/frame_queue.hpp"
#include "http/origin.hpp"
#include "http/request_target.hpp"
#include "http/static_files.hpp"
#include "http/subprotocols.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace cafe::chat::http;
namespace fs = std::filesystem;

namespace {

TEST(request_target, decodes_path_and_query) {
  auto t = parse_target("/a%20b/c?x=1&y=a+b&z=%26&flag");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->path, "/a b/c");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"a b", "c"}));
  using pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(t->params,
            (pairs{{"x", "1"}, {"y", "a b"}, {"z", "&"}, {"flag", ""}}));
  EXPECT_TRUE(t->safe);
}

TEST(request_target, flags_traversal_after_decoding) {
  for (auto target : {"/../x", "/%2e%2e/x", "/a/%2E%2E", "/./x", "/a%2fb",
                      "/a%5cb", "/a%00b", "/a/../../b"}) {
    SCOPED_TRACE(target);
    auto t = parse_target(target);
    ASSERT_TRUE(t) << t.error();
    EXPECT_FALSE(t->safe);
  }
  for (auto target : {"*", "http://host/x", "x", "/a%zz", ""}) {
    SCOPED_TRACE(target);
    EXPECT_FALSE(parse_target(target));
  }
}

TEST(origin, absent_is_allowed_else_same_host) {
  std::vector<std::string> none;
  EXPECT_TRUE(origin_allowed(std::nullopt, "chat.example", none));
  EXPECT_TRUE(origin_allowed("https://chat.example", "chat.example", none));
  EXPECT_TRUE(
    origin_allowed("http://Chat.Example:4000", "chat.example:4000", none));
  EXPECT_TRUE(origin_allowed("http://[::1]:4000", "[::1]:4000", none));
  EXPECT_FALSE(origin_allowed("https://evil.example", "chat.example", none));
  EXPECT_FALSE(
    origin_allowed("https://chat.example.evil", "chat.example", none));
  EXPECT_FALSE(origin_allowed("null", "chat.example", none));
  EXPECT_FALSE(origin_allowed("", "chat.example", none));
  EXPECT_FALSE(origin_allowed("https://chat.example", "", none));
}

// Boost.URL 1.81 parses `http://127.0.0.60.evil.example` as host 127.0.0.60
// and path `.evil.example`: an origin with anything after its authority is
// refused (found by the chat's limits suite: the upgrade got 101).
TEST(origin, anything_after_the_authority_is_refused) {
  std::vector<std::string> none;
  EXPECT_FALSE(
    origin_allowed("http://127.0.0.60.evil.example", "127.0.0.60:4000", none));
  EXPECT_FALSE(origin_allowed("http://chat.example/x", "chat.example", none));
  EXPECT_FALSE(origin_allowed("http://chat.example?q", "chat.example", none));
  EXPECT_FALSE(origin_allowed("http://chat.example#f", "chat.example", none));
  EXPECT_FALSE(origin_allowed("http://u@chat.example", "chat.example", none));
  EXPECT_TRUE(origin_allowed("http://chat.example/", "chat.example", none));
  std::vector<std::string> allowed{"https://chat.example/"};
  EXPECT_TRUE(origin_allowed("https://chat.example", "other", allowed));
}

TEST(origin, allowed_list_compares_scheme_host_and_port) {
  std::vector<std::string> allowed{"https://chat.example",
                                   "http://localhost:4000"};
  EXPECT_TRUE(origin_allowed("https://chat.example", "other", allowed));
  EXPECT_TRUE(origin_allowed("https://chat.example:443", "other", allowed));
  EXPECT_TRUE(origin_allowed("http://localhost:4000", "other", allowed));
  EXPECT_FALSE(origin_allowed("http://chat.example", "chat.example", allowed));
  EXPECT_FALSE(origin_allowed("http://localhost:4001", "localhost", allowed));
  EXPECT_FALSE(origin_allowed("https://x.chat.example", "other", allowed));
}

TEST(subprotocols, phoenix_and_the_bearer_token) {
  auto p = parse_protocols("phoenix, base64url.bearer.phx.dXNlcjo0Mi/DqSs/");
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->any);
  EXPECT_TRUE(p->phoenix);
  EXPECT_EQ(p->auth_token, "user:42/\xc3\xa9+?");
  auto none = parse_protocols("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->any);
  auto other = parse_protocols("mqtt,  chat");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->any);
  EXPECT_FALSE(other->phoenix);
  EXPECT_FALSE(parse_protocols("phoenix,base64url.bearer.phx.a-b_"));
}

TEST(subprotocols, base64_round_trips_every_length) {
  const char* alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string raw;
  for (int len = 0; len < 64; ++len) {
    // Encode by hand, unpadded, as btoa with the `=` stripped.
    std::string enc;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : raw) {
      acc = (acc << 8) | c;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        enc += alphabet[(acc >> bits) & 63];
      }
    }
    if (bits > 0)
      enc += alphabet[(acc << (6 - bits)) & 63];
    auto dec = decode_base64(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(*dec, raw);
    raw.push_back(static_cast<char>(len * 37 + 11));
  }
  EXPECT_FALSE(decode_base64("A"));
  EXPECT_FALSE(decode_base64("AB=C"));
  EXPECT_TRUE(decode_base64("QQ=="));
  EXPECT_FALSE(decode_base64("QR")); // non-zero leftover bits
}

TEST(static_files, content_types) {
  EXPECT_EQ(content_type("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type("a.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type("a.js"), "text/javascript");
  EXPECT_EQ(content_type("a.mjs"), "text/javascript");
  EXPECT_EQ(content_type("a.css"), "text/css");
  EXPECT_EQ(content_type("a.png"), "image/png");
  EXPECT_EQ(content_type("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type("a.json"), "application/json");
  EXPECT_EQ(content_type("a"), "application/octet-stream");
}

TEST(static_files, resolves_inside_the_root_only) {
  cafe::test::temp_dir dir;
  auto root = dir.path() / "root";
  fs::create_directories(root / "sub");
  std::ofstream{root / "index.html"} << "i";
  std::ofstream{root / "sub" / "a.js"} << "a";
  std::ofstream{dir.path() / "secret"} << "s";
  fs::create_symlink(dir.path() / "secret", root / "link");
  auto resolve = [&](const char* target) {
    auto t = parse_target(target);
    EXPECT_TRUE(t);
    return resolve_static(root, {}, *t);
  };
  EXPECT_EQ(resolve("/"), root / "index.html");
  EXPECT_EQ(resolve("/sub/a.js"), root / "sub" / "a.js");
  EXPECT_FALSE(resolve("/sub"));
  EXPECT_FALSE(resolve("/sub/"));
  EXPECT_FALSE(resolve("/../secret"));
  EXPECT_FALSE(resolve("/%2e%2e/secret"));
  EXPECT_FALSE(resolve("/link")); // a symlink out of the root
  EXPECT_FALSE(resolve("/missing"));
  auto t = parse_target("/vendor.js");
  ASSERT_TRUE(t);
  EXPECT_EQ(resolve_static(root, {{"/vendor.js", dir.path() / "secret"}}, *t),
            dir.path() / "secret");
  EXPECT_EQ(read_file(root / "index.html", 10), "i");
  EXPECT_FALSE(read_file(root / "index.html", 0));
}

} // namespace

TEST(frame_queue, is_a_fifo_that_keeps_nothing_once_drained) {
  frame_queue q;
  EXPECT_TRUE(q.empty());
  auto frame = [](int i) {
    return std::make_shared<const std::string>(std::to_string(i));
  };
  // A burst with the oldest frame taken now and then, as writes complete.
  int next_in = 0;
  int next_out = 0;
  for (int round = 0; round < 100; ++round) {
    for (int k = 0; k < 7; ++k)
      q.push_back(frame(next_in++));
    for (int k = 0; k < 5; ++k) {
      ASSERT_EQ(*q.front(), std::to_string(next_out++));
      q.pop_front();
    }
  }
  EXPECT_EQ(q.size(), 200u);
  // Dropped from the back (a slow client), but the one in flight.
  while (q.size() > 1)
    q.pop_back();
  EXPECT_EQ(*q.front(), std::to_string(next_out));
  EXPECT_EQ(*q.back(), std::to_string(next_out));
  q.pop_front();
  EXPECT_TRUE(q.empty());
  q.push_back(frame(1));
  EXPECT_EQ(q.size(), 1u);
}
