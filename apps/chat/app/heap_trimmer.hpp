#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

namespace cafe::chat::app {

/// Gives the memory of bursts back to the system. A join into a room of N
/// members builds a presence_state of N entries and every member a diff;
/// thousands of joins leave glibc's heaps full of free holes between live
/// connections, which RSS keeps (measured: 5,000 idle clients cost 75 KB
/// each, 3 nodes summed, with half of it free heap). Large buffers are
/// mapped and unmapped on their own (a fixed mmap threshold instead of
/// glibc's, which rises with every large free), and every `period` the
/// heaps are trimmed when the resident memory beyond what is allocated has
/// grown by `slack` since the last trim.
class heap_trimmer : public std::enable_shared_from_this<heap_trimmer> {
public:
  struct config {
    std::chrono::milliseconds period{5000};
    size_t slack = 8 * 1024 * 1024;
    /// Allocations from this size on are mapped.
    size_t mmap_threshold = 64 * 1024;
  };

  /// Sets the mmap threshold now and trims on `io` until `stop`.
  static std::shared_ptr<heap_trimmer> start(boost::asio::io_context& io,
                                             config cfg);

  heap_trimmer(boost::asio::io_context& io, config cfg);

  void stop();

private:
  void arm();

  void tick();

  config cfg_;
  boost::asio::steady_timer timer_;
  /// Resident bytes beyond the allocated ones right after the last trim,
  /// or the fewest seen since.
  size_t baseline_ = 0;
};

} // namespace cafe::chat::app
