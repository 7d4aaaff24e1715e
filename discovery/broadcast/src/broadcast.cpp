#include "cafe/discovery/broadcast.hpp"

#include "cafe/discovery/broadcast_packet.hpp"
#include "cafe/log.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <set>

namespace cafe::discovery {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

std::chrono::milliseconds wall_clock() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::system_clock::now().time_since_epoch());
}

} // namespace

struct broadcast::state : std::enable_shared_from_this<state> {
  // The sockets and the timer share one strand: their handlers never run
  // at once, whatever threads run the io_context.
  state(asio::io_context& io, etf::atom self, broadcast_options opts)
    : self(self), opts(std::move(opts)), strand(asio::make_strand(io)),
      in(strand), out(strand), timer(strand) {
    // nop
  }

  /// Opens both sockets; false (logged) when that fails.
  bool open() {
    boost::system::error_code ec;
    in.open(udp::v4(), ec);
    if (!ec)
      in.set_option(udp::socket::reuse_address(true), ec);
    if (!ec)
      in.bind(udp::endpoint{udp::v4(), opts.port}, ec);
    if (!ec)
      out.open(udp::v4(), ec);
    if (!ec)
      out.set_option(udp::socket::broadcast(true), ec);
    if (!ec)
      out.bind(udp::endpoint{asio::ip::make_address_v4(opts.if_addr, ec), 0},
               ec);
    if (!ec)
      to_addr = udp::endpoint{asio::ip::make_address_v4(opts.addr, ec),
                              opts.port};
    if (ec) {
      cafe::logger().error("discovery: broadcast on port {}: {}", opts.port,
                           ec.message());
      return false;
    }
    return true;
  }

  void announce() {
    auto packet = std::make_shared<std::vector<uint8_t>>(
      encode_announcement(self.text(), wall_clock(), opts.secret));
    out.async_send_to(asio::buffer(*packet), to_addr,
                      [packet](boost::system::error_code, size_t) {
                        // Lost announcements are made up by the next one.
                      });
    timer.expires_after(opts.interval);
    std::weak_ptr<state> weak = shared_from_this();
    timer.async_wait([weak](boost::system::error_code ec) {
      if (auto st = weak.lock(); st && !ec)
        st->announce();
    });
  }

  void receive() {
    std::weak_ptr<state> weak = shared_from_this();
    in.async_receive_from(asio::buffer(buf), from,
                          [weak](boost::system::error_code ec, size_t n) {
                            if (auto st = weak.lock(); st && !ec) {
                              st->on_packet(n);
                              st->receive();
                            }
                          });
  }

  void on_packet(size_t n) {
    auto res = decode_announcement({buf.data(), n}, opts.secret, wall_clock(),
                                   opts.window);
    std::lock_guard guard{mtx};
    if (to == nullptr)
      return;
    if (!res) {
      // Once per sender: a misconfigured node announces every interval.
      auto sender = from.address().to_string();
      if (res.error() == refusal::bad_mac && warned.insert(sender).second)
        cafe::logger().warn("discovery: broadcast: ignoring {}: {}", sender,
                            to_string(res.error()));
      return;
    }
    if (replays.fresh(*res) && res->node != self)
      to->heard("broadcast", res->node);
  }

  etf::atom self;
  broadcast_options opts;
  asio::strand<asio::io_context::executor_type> strand;
  udp::socket in;
  udp::socket out;
  udp::endpoint to_addr;
  udp::endpoint from;
  std::array<uint8_t, 512> buf{};
  asio::steady_timer timer;
  std::mutex mtx;
  sink* to = nullptr;
  std::set<std::string> warned;
  replay_guard replays;
};

broadcast::broadcast(asio::io_context& io, etf::atom self,
                     broadcast_options opts)
  : state_(std::make_shared<state>(io, self, std::move(opts))) {
  // nop
}

broadcast::~broadcast() {
  stop();
}

std::string_view broadcast::name() const noexcept {
  return "broadcast";
}

void broadcast::start(sink& to) {
  {
    std::lock_guard guard{state_->mtx};
    state_->to = &to;
  }
  if (!state_->open())
    return;
  asio::post(state_->strand, [st = state_] {
    st->receive();
    st->announce();
  });
}

void broadcast::stop() {
  {
    std::lock_guard guard{state_->mtx};
    state_->to = nullptr;
  }
  asio::post(state_->strand, [st = state_] {
    boost::system::error_code ec;
    st->timer.cancel();
    st->in.close(ec);
    st->out.close(ec);
  });
}

} // namespace cafe::discovery
