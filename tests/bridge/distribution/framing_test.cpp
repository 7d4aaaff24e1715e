#include "cafe/distribution/frame_reader.hpp"
#include "cafe/distribution/frame_writer.hpp"
#include "cafe/test/env.hpp"

#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace cafe;
using namespace cafe::distribution;

namespace {

using bytes = std::vector<uint8_t>;

/// Reads every complete frame; ticks come back as empty vectors.
std::vector<bytes> drain(frame_reader& reader) {
  std::vector<bytes> out;
  for (;;) {
    auto f = reader.next();
    EXPECT_TRUE(f) << to_string(f.error());
    if (!f || f->kind == frame_kind::incomplete)
      return out;
    if (f->kind == frame_kind::tick)
      EXPECT_TRUE(f->bytes.empty());
    out.emplace_back(f->bytes.begin(), f->bytes.end());
  }
}

std::vector<bytes> sample_frames() {
  std::vector<bytes> frames;
  frames.push_back({});
  frames.push_back({1});
  frames.push_back(bytes(300, 7));
  frames.push_back({});
  frames.push_back(bytes(70000, 9));
  frames.push_back({1, 2, 3, 4, 5});
  return frames;
}

bytes stream_of(const std::vector<bytes>& frames) {
  bytes out;
  for (auto& f : frames) {
    if (f.empty())
      append_tick(out);
    else
      append_frame(out, f);
  }
  return out;
}

} // namespace

TEST(frame_writer, writes_big_endian_lengths) {
  bytes out;
  append_tick(out);
  append_frame(out, bytes{0xAA, 0xBB});
  auto p = append_frame(out, 0x10203);
  EXPECT_EQ(p, out.data() + 4 + 4 + 2 + 4);
  ASSERT_EQ(out.size(), 4u + 6u + 4u + 0x10203u);
  EXPECT_EQ((bytes{out.begin(), out.begin() + 10}),
            (bytes{0, 0, 0, 0, 0, 0, 0, 2, 0xAA, 0xBB}));
  EXPECT_EQ((bytes{out.begin() + 10, out.begin() + 14}), (bytes{0, 1, 2, 3}));
}

TEST(frame_reader, splits_a_stream_fed_at_once) {
  auto frames = sample_frames();
  frame_reader reader;
  reader.feed(stream_of(frames));
  EXPECT_EQ(drain(reader), frames);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(frame_reader, splits_a_stream_fed_in_arbitrary_chunks) {
  auto frames = sample_frames();
  auto stream = stream_of(frames);
  auto seed = cafe::test::test_seed(42);
  std::minstd_rand rng{static_cast<std::minstd_rand::result_type>(seed)};
  for (int round = 0; round < 50; ++round) {
    frame_reader reader;
    std::vector<bytes> got;
    size_t pos = 0;
    while (pos < stream.size()) {
      // Mostly tiny chunks (splitting lengths), sometimes large ones.
      size_t n = rng() % 4 == 0 ? rng() % 100000 : rng() % 7;
      n = std::min(n, stream.size() - pos);
      auto dst = reader.prepare(std::max<size_t>(n, 1));
      ASSERT_GE(dst.size(), n);
      std::copy_n(stream.begin() + static_cast<ptrdiff_t>(pos), n, dst.begin());
      reader.commit(n);
      pos += n;
      for (auto& f : drain(reader))
        got.push_back(std::move(f));
    }
    ASSERT_EQ(got, frames) << "round " << round << "; "
                           << cafe::test::reproduce(
                                "bridge.distribution.framing", seed);
  }
}

TEST(frame_reader, one_byte_at_a_time) {
  auto frames = sample_frames();
  auto stream = stream_of(frames);
  frame_reader reader;
  std::vector<bytes> got;
  for (auto byte : stream) {
    reader.feed(std::span{&byte, 1});
    for (auto& f : drain(reader))
      got.push_back(std::move(f));
  }
  EXPECT_EQ(got, frames);
}

TEST(frame_reader, rejects_oversized_frames_before_buffering_them) {
  frame_reader reader{1000};
  bytes stream;
  append_frame(stream, bytes(1000, 1));
  stream.insert(stream.end(), {0, 0, 0x03, 0xE9}); // 1001
  reader.feed(stream);
  auto f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, frame_kind::data);
  EXPECT_EQ(f->bytes.size(), 1000u);
  auto g = reader.next();
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, errc::frame_too_large);
  // A 4 GiB announcement fails at once, with nothing allocated for it.
  frame_reader huge;
  huge.feed(bytes{0xFF, 0xFF, 0xFF, 0xFF});
  EXPECT_FALSE(huge.next());
  EXPECT_LT(huge.buffered(), 8u);
}

TEST(frame_reader, releases_memory_after_a_big_frame) {
  frame_reader reader;
  bytes stream;
  append_frame(stream, bytes(8 << 20, 1));
  reader.feed(stream);
  auto f = reader.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes.size(), size_t{8} << 20);
  EXPECT_EQ(reader.buffered(), 0u);
  auto room = reader.prepare(4096);
  EXPECT_LT(room.size(), size_t{1} << 20);
}
