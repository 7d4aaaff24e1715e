// DNS answers into node names, without a network: replies dnsmasq 2.90 sent
// (captured with a plain UDP query against the recipe of ENVIRONMENT.md)
// and replies built by hand, including libcluster's Kubernetes.DNSSRV
// example. Every truncated prefix of a reply with records fails cleanly.

#include "cafe/discovery/dns_answer.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/hex.hpp"

#include <ares.h>
#include <gtest/gtest.h>
#include <random>

using namespace cafe;
using namespace cafe::discovery;

namespace {

using strings = std::vector<std::string>;
using atoms = std::vector<etf::atom>;

// -- captured from dnsmasq ----------------------------------------------------

// `chat.test A`, two host records (127.0.0.2, 127.0.0.3), name compressed.
const std::string dnsmasq_a
  = "7d5b85800001000200000000046368617404746573740000010001c00c0001000100000000"
    "00047f000002c00c000100010000000000047f000003";

// `v6.chat.test AAAA` from --host-record=v6.chat.test,::1.
const std::string dnsmasq_aaaa
  = "956c858000010001000000000276360463686174047465737400001c0001c00c001c0001"
    "00000000001000000000000000000000000000000001";

// `_erlang._tcp.chat.test SRV` from
// --srv-host=_erlang._tcp.chat.test,node2.chat.test,4370,0,100.
const std::string dnsmasq_srv = "455d85800001000100000000075f65726c616e67045f74"
                                "637004636861740474657374000021"
                                "0001c00c00210001000000000017000000641112056e6f"
                                "6465320463686174047465737400";

// `nope.test A` with --local=/#/: NXDOMAIN.
const std::string dnsmasq_nxdomain
  = "86a481830001000000000000046e6f706504746573740000010001";

// `chat.test AAAA` where only A records exist: NOERROR, no answers.
const std::string dnsmasq_nodata
  = "f67a818000010000000000000463686174047465737400001c0001";

// `chat.test AAAA` without --local: REFUSED (no upstream server).
const std::string dnsmasq_refused
  = "3c01818500010000000000000463686174047465737400001c0001";

std::vector<uint8_t> bytes(const std::string& hex) {
  return test::from_hex(hex);
}

// -- built by hand ------------------------------------------------------------

/// A DNS message: header, one question, answers appended by the caller.
class message {
public:
  message(uint16_t flags, uint16_t answers, std::string_view qname,
          uint16_t qtype) {
    u16(0x1234);
    u16(flags);
    u16(1);
    u16(answers);
    u16(0);
    u16(0);
    name(qname);
    u16(qtype);
    u16(1);
  }

  void u16(uint16_t x) {
    buf.push_back(static_cast<uint8_t>(x >> 8));
    buf.push_back(static_cast<uint8_t>(x));
  }

  void u32(uint32_t x) {
    u16(static_cast<uint16_t>(x >> 16));
    u16(static_cast<uint16_t>(x));
  }

  /// `a.b.c` as labels; "" is the root.
  void name(std::string_view text) {
    while (!text.empty()) {
      auto dot = text.find('.');
      auto label = text.substr(0, dot);
      buf.push_back(static_cast<uint8_t>(label.size()));
      buf.insert(buf.end(), label.begin(), label.end());
      text = dot == std::string_view::npos ? "" : text.substr(dot + 1);
    }
    buf.push_back(0);
  }

  /// A resource record owned by the question's name (pointer to offset 12).
  void record(uint16_t type, const std::vector<uint8_t>& rdata) {
    u16(0xc00c);
    u16(type);
    u16(1);
    u32(30);
    u16(static_cast<uint16_t>(rdata.size()));
    buf.insert(buf.end(), rdata.begin(), rdata.end());
  }

  void srv(uint16_t prio, uint16_t weight, uint16_t port,
           std::string_view target) {
    message rd{0, 0, "", 0};
    rd.buf.clear();
    rd.u16(prio);
    rd.u16(weight);
    rd.u16(port);
    rd.name(target);
    record(33, rd.buf);
  }

  std::vector<uint8_t> buf;
};

constexpr uint16_t response = 0x8180; // QR, RD, RA, NOERROR

/// libcluster's Kubernetes.DNSSRV example, as CoreDNS answers it.
std::vector<uint8_t> statefulset_srv() {
  message m{response, 2, "elixir-plug-poc.default.svc.cluster.local", 33};
  m.srv(10, 50, 0,
        "elixir-plug-poc-0.elixir-plug-poc.default.svc.cluster.local");
  m.srv(10, 50, 0,
        "elixir-plug-poc-1.elixir-plug-poc.default.svc.cluster.local");
  return m.buf;
}

} // namespace

TEST(dns_answers, a_records_become_basename_at_ip) {
  auto hosts = parse_dns_answer(dns_type::a, bytes(dnsmasq_a));
  ASSERT_TRUE(hosts) << hosts.error();
  EXPECT_EQ(*hosts, (strings{"127.0.0.2", "127.0.0.3"}));
  EXPECT_EQ(dns_node_names("chat", *hosts),
            (atoms{etf::atom{"chat@127.0.0.2"}, etf::atom{"chat@127.0.0.3"}}));
}

TEST(dns_answers, aaaa_records_are_printed_like_inet_ntoa) {
  auto hosts = parse_dns_answer(dns_type::aaaa, bytes(dnsmasq_aaaa));
  ASSERT_TRUE(hosts) << hosts.error();
  EXPECT_EQ(*hosts, (strings{"::1"}));
  message m{response, 1, "app.internal", 28};
  m.record(28, {0xfd, 0xaa, 0, 1, 0x36, 0xc9, 0x0a, 0x7b, 0x01, 0x98, 0xc4,
                0xb1, 0x73, 0xc6, 0, 1});
  hosts = parse_dns_answer(dns_type::aaaa, m.buf);
  ASSERT_TRUE(hosts) << hosts.error();
  // dns_cluster's own example: myapp-123@fdaa:1:36c9:a7b:198:c4b1:73c6:1.
  EXPECT_EQ(dns_node_names("myapp-123", *hosts),
            (atoms{etf::atom{"myapp-123@fdaa:1:36c9:a7b:198:c4b1:73c6:1"}}));
}

TEST(dns_answers, srv_targets_are_named_as_libcluster_dnssrv_names_them) {
  auto hosts = parse_dns_answer(dns_type::srv, bytes(dnsmasq_srv));
  ASSERT_TRUE(hosts) << hosts.error();
  EXPECT_EQ(*hosts, (strings{"node2.chat.test"}));
  hosts = parse_dns_answer(dns_type::srv, statefulset_srv());
  ASSERT_TRUE(hosts) << hosts.error();
  // "#{app_name}@#{target}", the target without its trailing dot.
  EXPECT_EQ(
    dns_node_names("elixir_plug_poc", *hosts),
    (atoms{etf::atom{"elixir_plug_poc@elixir-plug-poc-0.elixir-plug-poc."
                     "default.svc.cluster.local"},
           etf::atom{"elixir_plug_poc@elixir-plug-poc-1.elixir-plug-poc."
                     "default.svc.cluster.local"}}));
}

TEST(dns_answers, srv_root_target_means_no_service) {
  message m{response, 2, "_erlang._tcp.chat.test", 33};
  m.srv(0, 0, 0, "");
  m.srv(0, 100, 4370, "n1.chat.test");
  auto hosts = parse_dns_answer(dns_type::srv, m.buf);
  ASSERT_TRUE(hosts) << hosts.error();
  EXPECT_EQ(*hosts, (strings{"n1.chat.test"}));
}

TEST(dns_answers, a_cname_chain_yields_the_final_addresses) {
  message m{response, 2, "chat.test", 1};
  message target{0, 0, "", 0};
  target.buf.clear();
  target.name("nodes.chat.test");
  m.record(5, target.buf); // chat.test CNAME nodes.chat.test
  // nodes.chat.test A 127.0.0.5, its owner name spelled out.
  m.name("nodes.chat.test");
  m.u16(1);
  m.u16(1);
  m.u32(30);
  m.u16(4);
  m.buf.insert(m.buf.end(), {127, 0, 0, 5});
  auto hosts = parse_dns_answer(dns_type::a, m.buf);
  ASSERT_TRUE(hosts) << hosts.error();
  EXPECT_EQ(*hosts, (strings{"127.0.0.5"}));
}

TEST(dns_answers, no_such_name_or_record_is_an_empty_answer) {
  for (auto type : {dns_type::a, dns_type::aaaa, dns_type::srv}) {
    SCOPED_TRACE(std::string{to_string(type)});
    auto nx = parse_dns_answer(type, bytes(dnsmasq_nxdomain));
    ASSERT_TRUE(nx) << nx.error();
    EXPECT_TRUE(nx->empty());
    auto nodata = parse_dns_answer(type, bytes(dnsmasq_nodata));
    ASSERT_TRUE(nodata) << nodata.error();
    EXPECT_TRUE(nodata->empty());
  }
  // Records of another type only: AAAA asked, A answered.
  auto other = parse_dns_answer(dns_type::aaaa, bytes(dnsmasq_a));
  ASSERT_TRUE(other) << other.error();
  EXPECT_TRUE(other->empty());
  // c-ares' status when no bytes came (ares_search after its last domain).
  for (auto status : {ARES_ENOTFOUND, ARES_ENODATA}) {
    auto res = interpret_dns_reply(dns_type::a, status, {});
    ASSERT_TRUE(res) << res.error();
    EXPECT_TRUE(res->empty());
  }
}

TEST(dns_answers, failures_are_errors_not_empty_answers) {
  auto refused = parse_dns_answer(dns_type::aaaa, bytes(dnsmasq_refused));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("REFUSED"), std::string::npos)
    << refused.error();
  message servfail{0x8182, 0, "chat.test", 1};
  auto sf = parse_dns_answer(dns_type::a, servfail.buf);
  ASSERT_FALSE(sf);
  EXPECT_NE(sf.error().find("SERVFAIL"), std::string::npos) << sf.error();
  // A query is no answer.
  message query{0x0100, 0, "chat.test", 1};
  auto q = parse_dns_answer(dns_type::a, query.buf);
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().find("not a response"), std::string::npos) << q.error();
  // No bytes and a transport failure: its c-ares text.
  auto timeout = interpret_dns_reply(dns_type::a, ARES_ETIMEOUT, {});
  ASSERT_FALSE(timeout);
  EXPECT_EQ(timeout.error(), ares_strerror(ARES_ETIMEOUT));
  auto refused_conn = interpret_dns_reply(dns_type::srv, ARES_ECONNREFUSED, {});
  ASSERT_FALSE(refused_conn);
  // Bytes win over the status: c-ares' ARES_ESERVFAIL comes with the reply.
  auto with_bytes = interpret_dns_reply(dns_type::a, ARES_ESERVFAIL,
                                        servfail.buf);
  ASSERT_FALSE(with_bytes);
  EXPECT_NE(with_bytes.error().find("SERVFAIL"), std::string::npos);
}

TEST(dns_answers, every_truncated_prefix_fails_cleanly) {
  size_t checked = 0;
  auto replies = std::vector<std::pair<dns_type, std::vector<uint8_t>>>{
    {dns_type::a, bytes(dnsmasq_a)},
    {dns_type::aaaa, bytes(dnsmasq_aaaa)},
    {dns_type::srv, bytes(dnsmasq_srv)},
    {dns_type::srv, statefulset_srv()},
  };
  for (auto& [type, reply] : replies) {
    for (size_t n = 0; n < reply.size(); ++n) {
      std::span<const uint8_t> prefix{reply.data(), n};
      auto res = parse_dns_answer(type, prefix);
      EXPECT_FALSE(res) << to_string(type) << " prefix of " << n << " of "
                        << reply.size()
                        << " bytes parsed: " << test::to_hex(prefix);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300u);
}

TEST(dns_answers, mutated_replies_never_crash) {
  // Bounded and seeded (CAFE_TEST_SEED); under ASan+UBSan in CI. Whatever
  // the parse says, a node name it yields is `chat@...` and no longer than an
  // atom.
  auto seed = test::test_seed(1);
  std::minstd_rand rng{static_cast<uint32_t>(seed)};
  auto base = std::vector<std::pair<dns_type, std::vector<uint8_t>>>{
    {dns_type::a, bytes(dnsmasq_a)},
    {dns_type::aaaa, bytes(dnsmasq_aaaa)},
    {dns_type::srv, statefulset_srv()},
  };
  size_t parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    auto [type, reply] = base[static_cast<size_t>(i) % base.size()];
    auto flips = 1 + rng() % 4;
    for (uint32_t f = 0; f < flips; ++f)
      reply[rng() % reply.size()] = static_cast<uint8_t>(rng());
    auto res = parse_dns_answer(type, reply);
    if (!res)
      continue;
    ++parsed;
    for (auto name : dns_node_names("chat", *res))
      ASSERT_TRUE(name.text().starts_with("chat@"))
        << test::reproduce("discovery.dns.answers", seed) << "\n"
        << test::to_hex(reply);
  }
  EXPECT_GT(parsed, 0u);
}

TEST(dns_answers, node_names_are_unique_and_valid_atoms) {
  auto names = dns_node_names("chat", {"127.0.0.2", "127.0.0.2", "", "a@b",
                                       std::string(300, 'x'), "127.0.0.3"});
  EXPECT_EQ(names,
            (atoms{etf::atom{"chat@127.0.0.2"}, etf::atom{"chat@127.0.0.3"}}));
}

TEST(dns_answers, record_types_by_name) {
  EXPECT_EQ(parse_dns_type("a"), dns_type::a);
  EXPECT_EQ(parse_dns_type("AAAA"), dns_type::aaaa);
  EXPECT_EQ(parse_dns_type("srv"), dns_type::srv);
  EXPECT_EQ(parse_dns_type("mx"), std::nullopt);
  EXPECT_EQ(parse_dns_type(""), std::nullopt);
  for (auto type : {dns_type::a, dns_type::aaaa, dns_type::srv})
    EXPECT_EQ(parse_dns_type(to_string(type)), type);
}
