// libcluster Gossip's heartbeat packet, without I/O: golden packets made by
// a real BEAM with libcluster's own code (gen_golden.exs), every truncated
// prefix and random garbage rejected, the decoder's limits, and a live
// cross-check against a real erl running libcluster's packet and crypto
// code (gossip_oracle.erl) in both directions, with and without a secret.

#include "cafe/discovery/gossip_packet.hpp"
#include "cafe/etf/decoder.hpp"
#include "cafe/etf/encoder.hpp"
#include "cafe/etf/print.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/test/env.hpp"
#include "cafe/test/erl_port.hpp"
#include "cafe/test/golden.hpp"
#include "cafe/test/hex.hpp"

#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::discovery;

namespace {

using bytes = std::vector<uint8_t>;

constexpr std::string_view suite = "discovery.gossip.packet";

/// One line of golden.txt (see gen_golden.exs for the columns).
struct golden_packet {
  size_t line = 0;
  std::string name;
  std::string expect;
  bool exact = false;
  std::optional<std::string> secret;
  bytes packet;

  bool ok() const {
    return !expect.starts_with("error");
  }

  gossip_packet codec() const {
    return secret ? gossip_packet{*secret} : gossip_packet{};
  }
};

std::vector<golden_packet> load() {
  auto path = test::source_dir() / "tests/discovery/gossip/golden.txt";
  std::istringstream in{test::read_file(path)};
  std::vector<golden_packet> result;
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    auto cols = test::split_tabs(text);
    if (cols.size() != 5)
      throw std::runtime_error("golden.txt:" + std::to_string(line)
                               + ": expected 5 columns");
    golden_packet x;
    x.line = line;
    x.name = cols[0];
    x.expect = cols[1];
    x.exact = cols[2] == "1";
    if (cols[3] != "-") {
      auto raw = test::from_hex(cols[3]);
      x.secret = std::string{raw.begin(), raw.end()};
    }
    x.packet = test::from_hex(cols[4]);
    result.push_back(std::move(x));
  }
  return result;
}

std::string describe(const golden_packet& x) {
  return "golden.txt:" + std::to_string(x.line) + " (" + x.name + ")";
}

std::string outcome(const expected<etf::atom, gossip_errc>& res) {
  if (res)
    return std::string{res->text()};
  return "error:" + std::string{to_string(res.error())};
}

bool matches(const golden_packet& x, const std::string& got) {
  if (x.expect == "error")
    return got.starts_with("error:");
  return got == x.expect;
}

bytes to_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

/// A heartbeat whose map holds `extra` besides `node`.
bytes heartbeat_with(etf::atom node, etf::term key, etf::term extra) {
  auto ttb
    = etf::term_to_binary(etf::map{{{etf::term{etf::atom{"node"}}, node},
                                    {std::move(key), std::move(extra)}}});
  auto result = to_bytes(gossip_packet::prefix);
  result.insert(result.end(), ttb.begin(), ttb.end());
  return result;
}

/// A random valid node name: ASCII alive part, sometimes a Latin-1 letter.
etf::atom random_node(std::mt19937_64& rng) {
  static constexpr std::string_view chars
    = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  std::string name;
  auto len = std::uniform_int_distribution<size_t>{1, 40}(rng);
  for (size_t i = 0; i < len; ++i)
    name += chars[rng() % chars.size()];
  if (rng() % 4 == 0)
    name += "\xc3\xa9"; // é
  name += "@127.0.0." + std::to_string(1 + rng() % 254);
  return etf::atom{name};
}

std::string random_secret(std::mt19937_64& rng) {
  std::string result(std::uniform_int_distribution<size_t>{1, 48}(rng), '\0');
  for (auto& c : result)
    c = static_cast<char>(rng());
  return result;
}

} // namespace

// -- golden packets from a real BEAM ---------------------------------------

TEST(gossip_packet, golden_packets_decode_as_the_beam_made_them) {
  auto golden = load();
  size_t accepted = 0;
  size_t exact = 0;
  for (auto& x : golden) {
    SCOPED_TRACE(describe(x));
    auto codec = x.codec();
    auto got = outcome(codec.decode(x.packet));
    EXPECT_TRUE(matches(x, got)) << "expected " << x.expect << ", got " << got
                                 << "\npacket " << test::to_hex(x.packet);
    accepted += x.ok() ? 1 : 0;
    if (x.exact) {
      // cafe writes what the BEAM writes (OTP 26+'s UTF-8 atoms), with the
      // packet's own IV.
      ASSERT_TRUE(x.ok());
      gossip_packet::iv_type iv{};
      if (x.secret)
        std::copy_n(x.packet.begin(), iv.size(), iv.begin());
      EXPECT_EQ(test::to_hex(codec.encode(etf::atom{x.expect}, iv)),
                test::to_hex(x.packet));
      ++exact;
    }
  }
  // Guard against a shrunken fixture.
  EXPECT_GE(golden.size(), 30u);
  EXPECT_GE(accepted, 12u);
  EXPECT_GE(exact, 7u);
}

TEST(gossip_packet, golden_block_aligned_plaintext_gets_a_whole_pad_block) {
  size_t checked = 0;
  for (auto& x : load()) {
    if (!x.name.starts_with("secret_block_aligned"))
      continue;
    SCOPED_TRACE(describe(x));
    // 48 bytes of plaintext: 16 bytes of IV, 3 blocks, 1 block of padding.
    EXPECT_EQ(x.packet.size(), 16u + 64u);
    auto plain = gossip_packet::decrypt(x.packet,
                                        gossip_packet::derive_key(*x.secret));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->size(), 48u);
    ++checked;
  }
  EXPECT_EQ(checked, 2u);
}

TEST(gossip_packet, every_truncated_golden_packet_is_rejected) {
  size_t checked = 0;
  for (auto& x : load()) {
    if (!x.ok())
      continue;
    SCOPED_TRACE(describe(x));
    auto codec = x.codec();
    for (size_t n = 0; n < x.packet.size(); ++n) {
      auto res = codec.decode(std::span{x.packet}.first(n));
      EXPECT_FALSE(res) << "prefix of " << n << " bytes decoded as "
                        << outcome(res);
      ++checked;
    }
  }
  EXPECT_GT(checked, 900u);
}

// -- the steps ----------------------------------------------------------------

TEST(gossip_packet, the_key_is_sha256_of_the_secret) {
  // sha256("somepassword"), as :crypto.hash(:sha256, "somepassword").
  EXPECT_EQ(test::to_hex(gossip_packet::derive_key("somepassword")),
            "42a9798b99d4afcec9995e47a1d246b98ebc96be7a732323eee39d924006ee1d");
  // And the empty secret (libcluster accepts "" as a secret) is SHA-256 of
  // nothing.
  EXPECT_EQ(test::to_hex(gossip_packet::derive_key("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(gossip_packet, round_trips_plain_and_encrypted) {
  auto seed = test::test_seed();
  std::mt19937_64 rng{seed};
  gossip_packet plain;
  for (int i = 0; i < 200; ++i) {
    auto node = random_node(rng);
    gossip_packet sealed{random_secret(rng)};
    auto p = plain.encode(node);
    auto s = sealed.encode(node);
    auto dp = plain.decode(p);
    auto ds = sealed.decode(s);
    ASSERT_TRUE(dp && *dp == node) << node.text() << ": " << outcome(dp) << "; "
                                   << test::reproduce(suite, seed);
    ASSERT_TRUE(ds && *ds == node) << node.text() << ": " << outcome(ds) << "; "
                                   << test::reproduce(suite, seed);
    // Random IVs: the same heartbeat never encrypts the same way twice.
    EXPECT_NE(sealed.encode(node), s);
    // A secret node drops plain heartbeats, a plain node sealed ones.
    EXPECT_FALSE(sealed.decode(p)) << test::to_hex(p);
    EXPECT_FALSE(plain.decode(s)) << test::to_hex(s);
  }
}

TEST(gossip_packet, another_secret_is_rejected) {
  auto seed = test::test_seed();
  std::mt19937_64 rng{seed};
  size_t bad_padding = 0;
  for (int i = 0; i < 500; ++i) {
    auto node = random_node(rng);
    gossip_packet ours{"ours"};
    gossip_packet theirs{"theirs"};
    auto res = ours.decode(theirs.encode(node));
    ASSERT_FALSE(res) << outcome(res) << "; " << test::reproduce(suite, seed);
    bad_padding += res.error() == gossip_errc::bad_padding ? 1 : 0;
  }
  // Mostly the padding gives it away; the rest fails on the prefix.
  EXPECT_GT(bad_padding, 400u);
}

TEST(gossip_packet, garbage_is_rejected_cleanly) {
  auto seed = test::test_seed();
  std::mt19937_64 rng{seed};
  gossip_packet plain;
  gossip_packet sealed{"somepassword"};
  for (int i = 0; i < 5000; ++i) {
    bytes junk(std::uniform_int_distribution<size_t>{0, 300}(rng));
    for (auto& b : junk)
      b = static_cast<uint8_t>(rng());
    // Half of them look like heartbeats up to the term.
    if (i % 2 == 0 && junk.size() > 20) {
      std::copy(gossip_packet::prefix.begin(), gossip_packet::prefix.end(),
                junk.begin());
      junk[11] = 131;
    }
    EXPECT_FALSE(plain.decode(junk))
      << test::to_hex(junk) << "; " << test::reproduce(suite, seed);
    EXPECT_FALSE(sealed.decode(junk))
      << test::to_hex(junk) << "; " << test::reproduce(suite, seed);
  }
}

TEST(gossip_packet, oversized_deep_and_wide_terms_are_rejected) {
  gossip_packet plain;
  gossip_packet sealed{"somepassword"};
  auto node = etf::atom{"a@127.0.0.1"};
  // Longer than any heartbeat, before any decoding or decrypting.
  bytes huge(gossip_packet::max_size + 1, 0);
  EXPECT_EQ(plain.decode(huge).error(), gossip_errc::too_large);
  EXPECT_EQ(sealed.decode(huge).error(), gossip_errc::too_large);
  // A heartbeat padded past the limit, sealed or not.
  auto fat = heartbeat_with(node, etf::atom{"pad"},
                            etf::binary{std::string(5000, 'x')});
  EXPECT_EQ(plain.decode(fat).error(), gossip_errc::too_large);
  auto fat_sealed = gossip_packet::encrypt(
    fat, gossip_packet::derive_key("somepassword"), gossip_packet::random_iv());
  EXPECT_EQ(sealed.decode(fat_sealed).error(), gossip_errc::too_large);
  // Nesting past the decoder's depth limit.
  etf::term deep = etf::list{};
  for (int i = 0; i < 10; ++i)
    deep = etf::list{{deep}};
  EXPECT_EQ(plain.decode(heartbeat_with(node, etf::atom{"x"}, deep)).error(),
            gossip_errc::bad_term);
  // More terms than a heartbeat needs.
  std::vector<etf::term> many(64, etf::term{1});
  EXPECT_EQ(
    plain
      .decode(heartbeat_with(node, etf::atom{"x"}, etf::tuple{std::move(many)}))
      .error(),
    gossip_errc::bad_term);
  // Within the limits, extra keys are fine (libcluster's %{node: n} match).
  auto ok = plain.decode(heartbeat_with(node, etf::atom{"x"}, etf::term{1}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, node);
}

TEST(gossip_packet, padding_is_checked_strictly) {
  auto key = gossip_packet::derive_key("k");
  gossip_packet::iv_type iv{};
  auto plain = gossip_packet::heartbeat(etf::atom{"a@127.0.0.1"});
  auto sealed = gossip_packet::encrypt(plain, key, iv);
  auto back = gossip_packet::decrypt(sealed, key);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, plain);
  // Encrypt whole blocks whose last byte is each wrong count: 0 (which
  // libcluster's unpad would take, and its pad never writes), 17, 255, and
  // a count whose bytes differ.
  auto seal_raw = [&](bytes block_aligned) {
    bytes padded = plain;
    padded.insert(padded.end(), block_aligned.begin(), block_aligned.end());
    EXPECT_EQ(padded.size() % 16, 0u);
    // encrypt() pads once more; take its output minus the final pad block.
    auto out = gossip_packet::encrypt(padded, key, iv);
    out.resize(out.size() - 16);
    return out;
  };
  auto fill = 16 - plain.size() % 16;
  for (uint8_t last : {uint8_t{0}, uint8_t{17}, uint8_t{255}}) {
    bytes tail(fill, last);
    EXPECT_EQ(gossip_packet::decrypt(seal_raw(tail), key).error(),
              gossip_errc::bad_padding)
      << "pad byte " << int{last};
  }
  bytes uneven(fill, static_cast<uint8_t>(fill));
  uneven.front() ^= 1;
  if (fill > 1)
    EXPECT_EQ(gossip_packet::decrypt(seal_raw(uneven), key).error(),
              gossip_errc::bad_padding);
}

// -- against a real erl running libcluster's code ---------------------------

class gossip_oracle : public ::testing::Test {
protected:
  static void TearDownTestSuite() {
    if (peer_) {
      auto status = peer_->stop();
      peer_.reset();
      EXPECT_EQ(status, 0) << "erl did not halt cleanly: "
                           << test::describe_status(status);
    }
  }

  static etf::term call(const etf::term& request) {
    if (!peer_)
      peer_ = test::erl_port::start_module(
        test::source_dir() / "tests/discovery/gossip/gossip_oracle.erl");
    auto reply = peer_->call(etf::term_to_binary(request));
    auto x = etf::binary_to_term(reply);
    if (!x)
      throw std::runtime_error("undecodable reply from gossip_oracle: "
                               + test::to_hex(reply));
    return *x;
  }

  static etf::term secret_term(const std::optional<std::string>& secret) {
    if (!secret)
      return etf::atom{"nil"};
    return etf::binary{*secret};
  }

  /// What libcluster sends for `node`.
  static bytes libcluster_packet(etf::atom node,
                                 const std::optional<std::string>& secret) {
    auto x
      = call(etf::tuple{{etf::atom{"heartbeat"}, node, secret_term(secret)}});
    auto bin = x.get_if<etf::binary>();
    if (bin == nullptr)
      throw std::runtime_error("gossip_oracle: " + etf::to_string(x));
    return to_bytes(bin->bytes);
  }

  /// What libcluster running as `self` does with `packet`.
  static etf::term libcluster_receives(etf::atom self,
                                       const std::optional<std::string>& secret,
                                       const bytes& packet) {
    return call(
      etf::tuple{{etf::atom{"on_udp"}, self, secret_term(secret),
                  etf::binary{std::string{packet.begin(), packet.end()}}}});
  }

  static etf::term connect(etf::atom node) {
    return etf::tuple{{etf::atom{"connect"}, node}};
  }

private:
  static inline std::unique_ptr<test::erl_port> peer_;
};

TEST_F(gossip_oracle, packets_cross_both_ways_with_and_without_a_secret) {
  auto seed = test::test_seed();
  auto rounds = test::env_uint("CAFE_GOSSIP_ROUNDS", 40);
  std::mt19937_64 rng{seed};
  auto repro = test::reproduce(suite, seed);
  auto receiver = etf::atom{"receiver@127.0.0.1"};
  const etf::term ignored{etf::atom{"ignored"}};
  for (uint64_t i = 0; i < rounds; ++i) {
    auto node = random_node(rng);
    std::optional<std::string> secret;
    if (i % 4 != 0)
      secret = random_secret(rng);
    SCOPED_TRACE("node " + std::string{node.text()} + ", secret "
                 + (secret ? test::to_hex(to_bytes(*secret)) : "none") + "; "
                 + repro);
    auto cafe = secret ? gossip_packet{*secret} : gossip_packet{};
    // cafe -> libcluster: libcluster connects the node.
    auto ours = cafe.encode(node);
    EXPECT_EQ(libcluster_receives(receiver, secret, ours), connect(node))
      << test::to_hex(ours);
    // ... and ignores itself.
    EXPECT_EQ(libcluster_receives(node, secret, ours),
              etf::term{etf::atom{"self"}});
    // libcluster -> cafe.
    auto theirs = libcluster_packet(node, secret);
    auto got = cafe.decode(theirs);
    EXPECT_TRUE(got && *got == node)
      << outcome(got) << " from " << test::to_hex(theirs);
    if (!secret)
      continue;
    // Secret against no secret or another one: dropped on both sides.
    auto other = *secret + "x";
    EXPECT_EQ(libcluster_receives(receiver, other, ours), ignored);
    EXPECT_EQ(libcluster_receives(receiver, std::nullopt, ours), ignored);
    EXPECT_FALSE(gossip_packet{other}.decode(theirs));
    EXPECT_FALSE(gossip_packet{}.decode(theirs));
    // Plaintext into a node with a secret: dropped on both sides.
    auto plain_ours = gossip_packet{}.encode(node);
    EXPECT_EQ(libcluster_receives(receiver, secret, plain_ours), ignored);
    EXPECT_FALSE(cafe.decode(libcluster_packet(node, std::nullopt)));
  }
}

TEST_F(gossip_oracle, libcluster_decrypts_a_fixed_iv_packet_byte_for_byte) {
  // With the same IV, libcluster and cafe write the same packet (the
  // plaintext's atoms differ by OTP version: compare after decrypting).
  gossip_packet::iv_type iv{};
  for (size_t i = 0; i < iv.size(); ++i)
    iv[i] = static_cast<uint8_t>(0xa0 + i);
  auto node = etf::atom{"fixed@127.0.0.1"};
  auto key = gossip_packet::derive_key("somepassword");
  auto x = call(
    etf::tuple{{etf::atom{"heartbeat"}, node, etf::binary{"somepassword"},
                etf::binary{std::string{iv.begin(), iv.end()}}}});
  auto bin = x.get_if<etf::binary>();
  ASSERT_NE(bin, nullptr) << etf::to_string(x);
  auto theirs = to_bytes(bin->bytes);
  ASSERT_EQ(bytes(theirs.begin(), theirs.begin() + 16),
            bytes(iv.begin(), iv.end()));
  auto plain = gossip_packet::decrypt(theirs, key);
  ASSERT_TRUE(plain);
  // Re-encrypting libcluster's plaintext with the IV gives its bytes back.
  EXPECT_EQ(test::to_hex(gossip_packet::encrypt(*plain, key, iv)),
            test::to_hex(theirs));
}
