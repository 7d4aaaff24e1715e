#include "app/heap_trimmer.hpp"

#include "cafe/log.hpp"

#include <algorithm>
#include <cstdio>
#include <malloc.h>
#include <unistd.h>

namespace cafe::chat::app {

std::shared_ptr<heap_trimmer> heap_trimmer::start(boost::asio::io_context& io,
                                                  config cfg) {
  // glibc raises its threshold to the size of each mapped block freed, up
  // to 32 MiB, after which presence payloads land in the heap and stay.
  // Setting it fixes it.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(cfg.mmap_threshold));
  auto self = std::make_shared<heap_trimmer>(io, cfg);
  self->arm();
  return self;
}

heap_trimmer::heap_trimmer(boost::asio::io_context& io, config cfg)
  : cfg_(cfg), timer_(io) {
  // nop
}

void heap_trimmer::stop() {
  timer_.cancel();
}

namespace {

/// Resident bytes the heaps hold beyond what is allocated: the free pages
/// a trim could give back (and the program's own image and stacks, a
/// constant).
size_t unused_resident_bytes() {
  long pages = 0;
  long resident = 0;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  auto rss = static_cast<size_t>(resident) * sysconf(_SC_PAGESIZE);
  auto info = mallinfo2();
  auto used = info.uordblks + info.hblkhd;
  return rss > used ? rss - used : 0;
}

} // namespace

void heap_trimmer::arm() {
  timer_.expires_after(cfg_.period);
  timer_.async_wait(
    [weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) {
        self->tick();
        self->arm();
      }
    });
}

void heap_trimmer::tick() {
  auto unused = unused_resident_bytes();
  baseline_ = std::min(baseline_, unused);
  if (unused < baseline_ + cfg_.slack)
    return;
  auto start = std::chrono::steady_clock::now();
  // Releases the free pages inside every arena, not only the top of the
  // main heap (glibc >= 2.8).
  malloc_trim(0);
  baseline_ = unused_resident_bytes();
  logger().debug("heap: trimmed {} unused resident bytes to {} in {} us",
                 unused, baseline_,
                 std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count());
}

} // namespace cafe::chat::app
