// Bulk traffic with a real erl: many small messages keep their order, and
// a 10 MB binary (160 fragments of 64 KiB) arrives intact, each way.

#include "cafe/distribution/flags.hpp"
#include "cafe/etf/match.hpp"
#include "cafe/etf/print.hpp"
#include "interop_fixture.hpp"

using namespace cafe;
using namespace cafe::etf::literals;
using namespace cafe::test;

namespace {

using messages = interop_fixture;

constexpr int64_t message_count = 10000;

constexpr size_t big_size = size_t{10} << 20;

/// The bytes of cafe_peer:pattern/1: byte i is i mod 251.
std::string pattern(size_t size) {
  std::string result(size, '\0');
  for (size_t i = 0; i < size; ++i)
    result[i] = static_cast<char>(i % 251);
  return result;
}

/// `x` printed, cut short: a failure must not print 10 MB.
std::string brief(const etf::term& x) {
  auto str = etf::to_string(x);
  if (str.size() > 200)
    str = str.substr(0, 200) + "...";
  return str;
}

/// Where `bytes` first differs from the pattern, or `npos`.
size_t first_diff(const std::string& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i)
    if (static_cast<uint8_t>(bytes[i]) != i % 251)
      return i;
  return std::string::npos;
}

TEST_F(messages, ten_thousand_from_erl_arrive_in_order) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  auto a = start_erl("a");
  auto start = clock::now();
  ASSERT_EQ(a->eval("cafe_peer:send_seq({inbox, " + quoted(cafe->name()) + "}, "
                      + std::to_string(message_count) + ")",
                    30s),
            etf::term{"ok"_atom});
  for (int64_t i = 1; i <= message_count; ++i) {
    auto msg = inbox->receive(10s);
    ASSERT_TRUE(msg) << "message " << i << " missing";
    int64_t n = 0;
    ASSERT_TRUE(etf::match(*msg, "seq"_atom, &n)) << etf::to_string(*msg);
    ASSERT_EQ(n, i);
  }
  EXPECT_FALSE(inbox->receive(100ms)) << "more than sent";
  std::cerr << message_count << " messages erl -> cafe in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                 clock::now() - start)
                 .count()
            << " ms\n";
}

TEST_F(messages, ten_thousand_to_erl_arrive_in_order) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  a->eval("cafe_peer:start_collector(sink)");
  auto mb = cafe->make_mailbox();
  auto start = clock::now();
  // The first send dials: what is sent while connecting must keep its
  // place in the order too.
  for (int64_t i = 1; i <= message_count; ++i)
    ASSERT_TRUE(
      mb->send("sink"_atom, a->name(), etf::make_tuple("seq"_atom, i)))
      << "message " << i;
  EXPECT_EQ(a->eval("cafe_peer:check_seq(sink, " + std::to_string(message_count)
                      + ", 20000)",
                    30s),
            etf::make_tuple("ok"_atom, message_count));
  EXPECT_EQ(a->eval("cafe_peer:take(sink, 100)"), etf::term{"timeout"_atom})
    << "more than sent";
  std::cerr << message_count << " messages cafe -> erl in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                 clock::now() - start)
                 .count()
            << " ms\n";
}

TEST_F(messages, ten_megabytes_from_erl) {
  auto cafe = start_cafe();
  auto inbox = cafe->make_mailbox("inbox");
  auto a = start_erl("a");
  ASSERT_EQ(a->eval("net_adm:ping(" + quoted(cafe->name()) + ")"),
            etf::term{"pong"_atom});
  // erl fragments only for peers that offered FRAGMENTS.
  auto conn = cafe->connection_to(a->name());
  ASSERT_TRUE(conn);
  EXPECT_NE(conn->flags() & distribution::flag::fragments, 0u);
  ASSERT_EQ(a->eval("{inbox, " + quoted(cafe->name()) + "} ! {big, "
                      + "cafe_peer:pattern(" + std::to_string(big_size)
                      + ")}, ok",
                    30s),
            etf::term{"ok"_atom});
  auto msg = inbox->receive(30s);
  ASSERT_TRUE(msg);
  etf::binary bin;
  ASSERT_TRUE(etf::match(*msg, "big"_atom, &bin)) << brief(*msg);
  ASSERT_EQ(bin.bytes.size(), big_size);
  EXPECT_EQ(first_diff(bin.bytes), std::string::npos);
  // Small messages still flow after it.
  a->eval("{inbox, " + quoted(cafe->name()) + "} ! after_big, ok");
  auto next = inbox->receive(5s);
  ASSERT_TRUE(next);
  EXPECT_TRUE(*next == etf::term{"after_big"_atom}) << brief(*next);
}

TEST_F(messages, ten_megabytes_to_erl) {
  auto cafe = start_cafe();
  auto a = start_erl("a");
  a->eval("cafe_peer:start_collector(sink)");
  auto mb = cafe->make_mailbox();
  ASSERT_TRUE(cafe->ping(a->name(), 5s));
  auto conn = cafe->connection_to(a->name());
  ASSERT_TRUE(conn);
  EXPECT_NE(conn->flags() & distribution::flag::fragments, 0u);
  ASSERT_TRUE(
    mb->send("sink"_atom, a->name(),
             etf::make_tuple("big"_atom, etf::binary{pattern(big_size)})));
  // Sent after the big one by the same process, so it must arrive after
  // it, although it is small enough to slip in between fragments.
  ASSERT_TRUE(mb->send("sink"_atom, a->name(), "after_big"_atom));
  EXPECT_EQ(a->eval("cafe_peer:check_big(sink, 30000)", 40s),
            etf::make_tuple("ok"_atom, static_cast<int64_t>(big_size)));
  EXPECT_EQ(a->eval("case cafe_peer:take(sink, 5000) of "
                    "{big, _} -> big_again; X -> X end"),
            etf::term{"after_big"_atom});
}

} // namespace
