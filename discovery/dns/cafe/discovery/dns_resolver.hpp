#pragma once

#include "cafe/discovery/dns_answer.hpp"
#include "cafe/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::discovery {

struct dns_resolver_options {
  /// `HOST:PORT[,HOST:PORT...]` (`127.0.0.1:5353`, `[::1]:53`); empty: the
  /// name servers of /etc/resolv.conf, as `:inet_res` uses them.
  std::string servers;
  /// How long c-ares waits for the first try; it doubles on each further
  /// try.
  std::chrono::milliseconds timeout{std::chrono::seconds{2}};
  /// Tries per server.
  int tries = 2;
};

/// A c-ares channel driven by an Asio io_context: no thread of its own and
/// no blocking call. c-ares reports through its socket-state callback which
/// descriptors to watch; each is watched with `async_wait` and handed to
/// `ares_process_fd` when ready, and a steady_timer set from `ares_timeout`
/// lets c-ares retry and time out. Only transport: the bytes of each reply
/// go to the caller, who parses them (`interpret_dns_reply`).
///
/// Thread-safe (c-ares 1.18 channels are not: one mutex serializes every
/// call into the channel, on whichever io thread runs it).
class dns_resolver {
public:
  /// c-ares' status and the reply (empty when none came), on an io thread.
  using handler
    = std::function<void(int status, std::span<const uint8_t> reply)>;

  /// A channel on `io`; an error names a bad `servers` list or a failed
  /// c-ares initialization.
  static expected<std::unique_ptr<dns_resolver>, std::string>
  make(boost::asio::io_context& io, dns_resolver_options opts = {});

  /// Closes.
  ~dns_resolver();

  dns_resolver(const dns_resolver&) = delete;
  dns_resolver& operator=(const dns_resolver&) = delete;

  /// Looks `name` up as `ares_search` does (the search domains of
  /// /etc/resolv.conf for names with fewer dots than `ndots`; a final dot
  /// makes a name absolute) and calls `done` exactly once, never inside
  /// this call, unless the resolver is closed first.
  void query(const std::string& name, dns_type type, handler done);

  /// Destroys the channel: its sockets are closed, pending queries are
  /// dropped and no handler starts afterwards. Idempotent.
  void close();

  /// Sockets c-ares has open right now (for tests).
  size_t open_sockets() const;

  struct impl;

private:
  explicit dns_resolver(std::shared_ptr<impl> ptr);

  std::shared_ptr<impl> impl_;
};

} // namespace cafe::discovery
