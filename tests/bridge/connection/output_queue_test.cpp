// The connection's output queue without a socket: batching, ticks, the busy
// measure, direct writes, and the order of fragmented messages, checked by
// decoding every batch with the receiver a peer would run.

#include "cafe/connection/output_queue.hpp"
#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/receiver.hpp"
#include "cafe/etf/print.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace cafe;
using namespace cafe::connection;
using namespace cafe::etf::literals;

namespace {

using bytes = std::vector<uint8_t>;

constexpr distribution::flags_t all_flags
  = distribution::flag::mandatory_25 | distribution::flag::dist_hdr_atom_cache
    | distribution::flag::fragments;

const etf::atom self_node{"self@127.0.0.1"};
const etf::atom peer_node{"peer@127.0.0.1"};

etf::pid local_pid(uint32_t id) {
  etf::pid p;
  p.node = self_node;
  p.id = id;
  p.creation = 7;
  return p;
}

distribution::control_message to_name(const etf::pid& from) {
  return distribution::reg_send{from, etf::atom{}, etf::atom{"sink"}};
}

etf::term tagged(const char* tag, size_t n = 0) {
  return etf::make_tuple(etf::atom{tag}, etf::binary{std::string(n, 'x')});
}

/// The peer's side: the frames of each batch, decoded in order.
class peer {
public:
  peer() {
    distribution::receiver_config cfg;
    cfg.flags = all_flags;
    cfg.local_node = peer_node;
    cfg.peer_node = self_node;
    rx_.emplace(cfg);
  }

  /// The first elements (tags) of the messages completed by `batch`;
  /// "tick" for empty frames.
  std::vector<std::string> take(std::span<const uint8_t> batch) {
    std::vector<std::string> tags;
    reader_.feed(batch);
    for (;;) {
      auto fr = reader_.next();
      EXPECT_TRUE(fr);
      if (!fr || fr->kind == distribution::frame_kind::incomplete)
        return tags;
      if (fr->kind == distribution::frame_kind::tick) {
        tags.emplace_back("tick");
        continue;
      }
      distribution::message msg;
      auto ev = rx_->receive(fr->bytes, msg);
      EXPECT_TRUE(ev) << distribution::to_string(ev.error());
      if (ev && *ev == distribution::receive_event::message)
        tags.emplace_back(
          etf::to_string(msg.payload->get<etf::tuple>().elements[0]));
    }
  }

private:
  distribution::frame_reader reader_;
  std::optional<distribution::receiver> rx_;
};

output_queue distributing_queue() {
  output_queue q;
  distribution::sender_config cfg;
  cfg.flags = all_flags;
  cfg.max_fragment_size = 1024;
  q.start_distribution(cfg);
  return q;
}

using tags = std::vector<std::string>;

} // namespace

TEST(output_queue, handshake_bytes_go_out_as_they_came) {
  output_queue q;
  bytes hello{0, 3, 'a', 'b', 'c'};
  q.append(hello);
  EXPECT_FALSE(q.distributing());
  EXPECT_EQ(q.size(), hello.size());
  auto batch = q.next_batch();
  EXPECT_EQ(bytes(batch.begin(), batch.end()), hello);
  EXPECT_EQ(q.size(), hello.size()); // in flight still counts
  q.written();
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.next_batch().empty());
}

TEST(output_queue, one_batch_carries_everything_queued_meanwhile) {
  auto q = distributing_queue();
  peer p;
  for (auto tag : {"m1", "m2", "m3"}) {
    auto msg = tagged(tag);
    ASSERT_TRUE(q.push(to_name(local_pid(1)), &msg, local_pid(1)));
  }
  EXPECT_EQ(p.take(q.next_batch()), (tags{"m1", "m2", "m3"}));
  q.written();
  EXPECT_TRUE(q.next_batch().empty());
  q.written();
}

TEST(output_queue, ticks_are_empty_frames_between_messages) {
  auto q = distributing_queue();
  peer p;
  auto msg = tagged("m");
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &msg, local_pid(1)));
  q.append_tick();
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &msg, local_pid(1)));
  EXPECT_EQ(p.take(q.next_batch()), (tags{"m", "tick", "m"}));
}

TEST(output_queue, a_direct_write_takes_a_prefix_and_the_batch_the_rest) {
  auto q = distributing_queue();
  peer p;
  auto msg = tagged("m", 100);
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &msg, local_pid(1)));
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &msg, local_pid(1)));
  auto ready = q.ready();
  auto total = ready.size();
  bytes sent(ready.begin(), ready.begin() + 10);
  q.consume(10);
  EXPECT_EQ(q.size(), total - 10);
  auto rest = q.next_batch();
  sent.insert(sent.end(), rest.begin(), rest.end());
  EXPECT_EQ(p.take(sent), (tags{"m", "m"}));
}

TEST(output_queue, large_messages_interleave_with_other_senders) {
  auto q = distributing_queue();
  peer p;
  auto big = tagged("big", 4000); // about 4 fragments of 1 KiB
  auto small = tagged("small");
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &big, local_pid(1)));
  EXPECT_TRUE(q.has_fragments());
  // The busy measure counts the fragments not cut yet.
  EXPECT_GE(q.size(), 4000u);
  ASSERT_TRUE(q.push(to_name(local_pid(2)), &small, local_pid(2)));
  // Another sender's message does not wait for the big one.
  std::vector<std::string> order;
  size_t batches = 0;
  while (q.has_fragments() || !q.ready().empty()) {
    for (auto& t : p.take(q.next_batch()))
      order.push_back(t);
    q.written();
    ASSERT_LT(++batches, 20u);
  }
  EXPECT_EQ(order, (tags{"small", "big"}));
  EXPECT_GE(batches, 3u) << "one fragment per batch";
  EXPECT_EQ(q.size(), 0u);
}

TEST(output_queue, a_sender_never_overtakes_its_own_fragmented_message) {
  auto q = distributing_queue();
  peer p;
  auto big = tagged("big", 4000);
  auto small = tagged("small");
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &big, local_pid(1)));
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &small, local_pid(1)));
  EXPECT_FALSE(q.has_fragments());
  EXPECT_EQ(p.take(q.next_batch()), (tags{"big", "small"}));
}

TEST(output_queue, clear_drops_everything_but_the_batch_in_flight) {
  auto q = distributing_queue();
  auto big = tagged("big", 4000);
  ASSERT_TRUE(q.push(to_name(local_pid(1)), &big, local_pid(1)));
  auto batch = q.next_batch();
  auto in_flight = batch.size();
  ASSERT_GT(in_flight, 0u);
  q.clear();
  EXPECT_FALSE(q.has_fragments());
  EXPECT_EQ(q.size(), in_flight);
  q.written();
  EXPECT_EQ(q.size(), 0u);
}

TEST(output_queue, sender_of_names_the_local_process) {
  EXPECT_EQ(sender_of(to_name(local_pid(3))), local_pid(3));
  EXPECT_EQ(sender_of(distribution::control_message{
              distribution::send{etf::atom{}, local_pid(4)}}),
            std::nullopt);
}
