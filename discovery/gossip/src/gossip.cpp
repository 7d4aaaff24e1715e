#include "cafe/discovery/gossip.hpp"

#include "cafe/discovery/gossip_packet.hpp"
#include "cafe/log.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <random>
#include <set>

namespace cafe::discovery {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

/// Senders of bad packets remembered (each logged once); past that many, no
/// more are logged, so a flood of spoofed addresses cannot grow memory.
constexpr size_t max_logged_senders = 1024;

} // namespace

std::string gossip_options::destination() const {
  if (multicast_addr)
    return *multicast_addr;
  return broadcast_only ? "255.255.255.255" : "233.252.1.32";
}

struct gossip::state : std::enable_shared_from_this<state> {
  state(asio::io_context& io, etf::atom self, gossip_options options)
    : self(self), opts(std::move(options)),
      codec(opts.secret ? gossip_packet{*opts.secret} : gossip_packet{}),
      strand(asio::make_strand(io)), socket(strand), timer(strand),
      rng(std::random_device{}()) {
    // nop
  }

  // -- on the strand ----------------------------------------------------------

  /// Opens, binds and configures the socket like libcluster's
  /// `:gen_udp.open/2`, then starts receiving and sends the first
  /// heartbeat right away (libcluster's handle_continue).
  void open() {
    if (stopped())
      return;
    boost::system::error_code ec;
    auto fail = [&](const char* what) {
      if (!open_failing) {
        cafe::logger().error("discovery: gossip: {}: {}; retrying every {} ms",
                             what, ec.message(), opts.retry.count());
        open_failing = true;
      }
      socket.close(ec);
      schedule(opts.retry);
    };
    auto bind_addr = asio::ip::make_address_v4(opts.if_addr, ec);
    if (ec)
      return fail("bad if_addr");
    auto dest_addr = asio::ip::make_address_v4(opts.destination(), ec);
    if (ec)
      return fail("bad multicast_addr");
    auto join_if = asio::ip::address_v4::any();
    if (opts.multicast_if) {
      join_if = asio::ip::make_address_v4(*opts.multicast_if, ec);
      if (ec)
        return fail("bad multicast_if");
    }
    destination = udp::endpoint{dest_addr, opts.port};
    // Each step leaves its error in `ec`; the first that fails names it.
    if (socket.open(udp::v4(), ec); ec)
      return fail("cannot open a UDP socket");
    if (socket.set_option(udp::socket::reuse_address(true), ec); ec)
      return fail("cannot set SO_REUSEADDR");
    if (socket.set_option(udp::socket::broadcast(true), ec); ec)
      return fail("cannot set SO_BROADCAST");
    if (socket.bind(udp::endpoint{bind_addr, opts.port}, ec); ec)
      return fail("cannot bind the gossip port");
    if (!opts.broadcast_only) {
      if (opts.multicast_if) {
        socket.set_option(asio::ip::multicast::outbound_interface(join_if), ec);
        if (ec)
          return fail("cannot set multicast_if");
      }
      if (socket.set_option(asio::ip::multicast::hops(opts.multicast_ttl), ec);
          ec)
        return fail("cannot set the multicast TTL");
      if (socket.set_option(asio::ip::multicast::enable_loopback(true), ec); ec)
        return fail("cannot enable multicast loopback");
    }
    // libcluster adds the membership even with broadcast_only, where the
    // BEAM ignores the kernel's refusal for a broadcast address; join only
    // what can be joined.
    if (dest_addr.is_multicast()) {
      socket.set_option(asio::ip::multicast::join_group(dest_addr, join_if),
                        ec);
      if (ec)
        return fail("cannot join the multicast group");
    }
    if (open_failing)
      cafe::logger().info("discovery: gossip: socket open again");
    open_failing = false;
    cafe::logger().debug("discovery: gossip: {}:{} -> {}:{}{}", opts.if_addr,
                         opts.port, opts.destination(), opts.port,
                         codec.encrypted() ? " (with secret)" : "");
    do_receive();
    heartbeat();
  }

  void do_receive() {
    socket.async_receive_from(
      asio::buffer(buf), sender,
      [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        self->on_receive(ec, n);
      });
  }

  void on_receive(boost::system::error_code ec, size_t n) {
    if (ec == asio::error::operation_aborted || !socket.is_open())
      return;
    if (!ec)
      on_packet(std::span<const uint8_t>{buf.data(), n});
    // Other errors (an ICMP error queued on the socket) concern one
    // datagram, not the socket: keep listening.
    do_receive();
  }

  void on_packet(std::span<const uint8_t> packet) {
    auto res = codec.decode(packet);
    std::lock_guard guard{mtx};
    if (to == nullptr)
      return;
    ++counters.received;
    if (res) {
      // Our own heartbeats come back through multicast loopback.
      if (*res == self)
        return;
      ++counters.heard;
      to->heard("gossip", *res);
      return;
    }
    ++counters.dropped;
    if (logged.size() >= max_logged_senders || !logged.insert(sender).second)
      return;
    auto hint = std::string_view{};
    if (codec.encrypted())
      hint = "another secret, or none?";
    else if (res.error() == gossip_errc::no_prefix)
      hint = "an encrypted heartbeat? this node has no secret";
    else
      hint = "not a heartbeat";
    cafe::logger().warn("discovery: gossip: {} dropped a packet from {}:{} "
                        "({}: {}); further ones from there are not logged",
                        self.text(), sender.address().to_string(),
                        sender.port(), to_string(res.error()), hint);
    if (logged.size() == max_logged_senders)
      cafe::logger().warn("discovery: gossip: {} senders of bad packets; no "
                          "more are logged",
                          max_logged_senders);
  }

  void heartbeat() {
    if (stopped() || !socket.is_open())
      return;
    if (!sending) {
      sending = true;
      auto packet = std::make_shared<std::vector<uint8_t>>(codec.encode(self));
      socket.async_send_to(asio::buffer(*packet), destination,
                           [self = shared_from_this(),
                            packet](boost::system::error_code ec, size_t) {
                             self->on_send(ec);
                           });
    }
    schedule(next_interval());
  }

  void on_send(boost::system::error_code ec) {
    sending = false;
    if (ec == asio::error::operation_aborted)
      return;
    if (ec) {
      if (!send_failing)
        cafe::logger().warn("discovery: gossip: cannot send to {}:{}: {}",
                            destination.address().to_string(),
                            destination.port(), ec.message());
      send_failing = true;
      return;
    }
    send_failing = false;
    std::lock_guard guard{mtx};
    ++counters.sent;
  }

  std::chrono::milliseconds next_interval() {
    if (opts.interval)
      return *opts.interval;
    // :rand.uniform(5_000): 1..5000 ms.
    return std::chrono::milliseconds{
      std::uniform_int_distribution<int>{1, 5000}(rng)};
  }

  void schedule(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec)
        return;
      if (self->socket.is_open())
        self->heartbeat();
      else
        self->open();
    });
  }

  void close() {
    boost::system::error_code ec;
    timer.cancel();
    socket.close(ec);
  }

  bool stopped() {
    std::lock_guard guard{mtx};
    return to == nullptr;
  }

  // -- set at construction ----------------------------------------------------

  const etf::atom self;
  const gossip_options opts;
  const gossip_packet codec;

  // -- the strand's -----------------------------------------------------------

  asio::strand<asio::io_context::executor_type> strand;
  udp::socket socket;
  asio::steady_timer timer;
  udp::endpoint destination;
  udp::endpoint sender;
  std::array<uint8_t, 65536> buf;
  std::minstd_rand rng;
  bool sending = false;
  bool open_failing = false;
  bool send_failing = false;

  // -- guarded by mtx ---------------------------------------------------------

  mutable std::mutex mtx;
  sink* to = nullptr;
  gossip_stats counters;
  std::set<udp::endpoint> logged;
};

gossip::gossip(asio::io_context& io, etf::atom self, gossip_options opts)
  : state_(std::make_shared<state>(io, self, std::move(opts))) {
  // nop
}

gossip::~gossip() {
  stop();
}

std::string_view gossip::name() const noexcept {
  return "gossip";
}

void gossip::start(sink& to) {
  {
    std::lock_guard guard{state_->mtx};
    if (state_->to != nullptr)
      return;
    state_->to = &to;
  }
  asio::post(state_->strand, [st = state_] { st->open(); });
}

void gossip::stop() {
  {
    std::lock_guard guard{state_->mtx};
    if (state_->to == nullptr)
      return;
    state_->to = nullptr;
  }
  // Pending operations hold the state; closing ends them.
  asio::post(state_->strand, [st = state_] { st->close(); });
}

gossip_stats gossip::stats() const {
  std::lock_guard guard{state_->mtx};
  return state_->counters;
}

} // namespace cafe::discovery
