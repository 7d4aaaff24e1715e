#include "cafe/connection/dist_connection.hpp"

#include "accept.hpp"
#include "cafe/connection/output_queue.hpp"
#include "cafe/dist/frame_reader.hpp"
#include "cafe/handshake/acceptor.hpp"
#include "cafe/handshake/initiator.hpp"
#include "cafe/log.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sys/socket.h>
#include <variant>

namespace cafe::connection {

owner::~owner() {
  // nop
}

dist_connection::~dist_connection() {
  // nop
}

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using std::chrono::steady_clock;

/// How many bytes one read asks for.
constexpr size_t read_chunk = size_t{64} << 10;

class tcp_connection : public dist_connection,
                       public std::enable_shared_from_this<tcp_connection> {
public:
  tcp_connection(asio::io_context& io, tcp::socket socket, settings cfg,
                 std::weak_ptr<owner> node, std::string peer_node,
                 bool initiated)
    : strand_(asio::make_strand(io)), socket_(std::move(socket)),
      cfg_(std::move(cfg)), node_(std::move(node)),
      peer_name_(std::move(peer_node)), initiated_(initiated),
      tick_timer_(strand_), setup_timer_(strand_),
      reader_(cfg_.max_frame_size) {
    if (initiated_)
      initiator_.emplace(cfg_.handshake, peer_name_);
    else
      acceptor_.emplace(cfg_.handshake);
    if (auto a = etf::atom::make(peer_name_))
      peer_ = *a;
  }

  // -- dist_connection -------------------------------------------------------

  std::string peer_name() const override {
    std::lock_guard guard{mtx_};
    return peer_name_;
  }

  etf::atom peer() const override {
    std::lock_guard guard{mtx_};
    return peer_;
  }

  bool initiated() const noexcept override {
    return initiated_;
  }

  bool is_up() const noexcept override {
    std::lock_guard guard{mtx_};
    return out_.distributing() && !closed_;
  }

  dist::flags_t flags() const noexcept override {
    std::lock_guard guard{mtx_};
    return flags_;
  }

  uint32_t peer_creation() const noexcept override {
    std::lock_guard guard{mtx_};
    return peer_creation_;
  }

  send_status send(const dist::control_message& ctl, const etf::term* payload,
                   bool force) override {
    std::unique_lock guard{mtx_};
    if (closed_ || !out_.distributing())
      return send_status::closed;
    if (!force && out_.size() >= cfg_.busy_limit)
      return send_status::busy;
    if (auto res = out_.push(ctl, payload, sender_of(ctl)); !res) {
      cafe::logger().warn("dist: cannot send to {}: {}", peer_name_,
                          dist::to_string(res.error()));
      return send_status::rejected;
    }
    wrote_since_tick_ = true;
    // An idle connection writes at once from the caller's thread, saving a
    // strand hop on every round trip. The posted write still runs, so what
    // a burst queues meanwhile goes out batched.
    if (!write_in_flight_ && !out_.has_fragments() && fd_ >= 0) {
      auto ready = out_.ready();
      auto n = ::send(fd_, ready.data(), ready.size(),
                      MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0)
        out_.consume(static_cast<size_t>(n));
    }
    schedule_write_locked();
    return send_status::ok;
  }

  bool wait_writable(std::chrono::milliseconds timeout) override {
    std::unique_lock guard{mtx_};
    writable_.wait_for(guard, timeout, [this] {
      return closed_ || out_.size() < cfg_.busy_limit;
    });
    return !closed_ && out_.size() < cfg_.busy_limit;
  }

  void close(std::string reason) override {
    asio::post(strand_,
               [self = shared_from_this(), reason = std::move(reason)] {
                 self->shutdown(reason);
               });
  }

  size_t queued_bytes() const noexcept override {
    std::lock_guard guard{mtx_};
    return out_.size();
  }

  // -- start-up --------------------------------------------------------------

  /// Acceptor side: the socket is connected already.
  void start() {
    asio::post(strand_, [self = shared_from_this()] { self->on_start(); });
  }

  /// Initiator side: resolves, connects, then starts the handshake.
  void connect_to(std::string host, uint16_t port) {
    asio::post(strand_, [self = shared_from_this(), host, port] {
      self->arm_setup_timer();
      auto resolver = std::make_shared<tcp::resolver>(self->strand_);
      resolver->async_resolve(
        host, std::to_string(port),
        [self, resolver, host](auto ec, tcp::resolver::results_type eps) {
          if (ec)
            return self->shutdown("cannot resolve " + host + ": "
                                  + ec.message());
          asio::async_connect(
            self->socket_, eps,
            asio::bind_executor(self->strand_, [self](auto ec, const auto&) {
              if (ec)
                return self->shutdown("cannot connect: " + ec.message());
              boost::system::error_code ignored;
              self->socket_.set_option(tcp::no_delay(true), ignored);
              self->on_start();
            }));
        });
    });
  }

private:
  // -- handshake -------------------------------------------------------------

  void on_start() {
    arm_setup_timer();
    if (initiator_)
      handle(initiator_->start());
    do_read();
  }

  void arm_setup_timer() {
    setup_timer_.expires_after(cfg_.setup_time);
    setup_timer_.async_wait([self = shared_from_this()](auto ec) {
      if (!ec && !self->up_)
        self->shutdown("handshake timed out (net_setuptime)");
    });
  }

  /// Acts on one step of the handshake state machine.
  void handle(handshake::progress prog) {
    if (!prog.output.empty()) {
      std::lock_guard guard{mtx_};
      out_.append(prog.output);
      schedule_write_locked();
    }
    auto self = shared_from_this();
    auto node = node_.lock();
    std::visit(
      [&](auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, handshake::decide_status>) {
          {
            std::lock_guard guard{mtx_};
            peer_name_ = ev.peer_node;
            if (auto a = etf::atom::make(peer_name_))
              peer_ = *a;
          }
          auto verdict = node ? node->on_peer_name(self, ev)
                              : handshake::status::not_allowed;
          handle(acceptor_->decide(verdict));
        } else if constexpr (std::is_same_v<T, handshake::decide_alive>) {
          handle(initiator_->answer_alive(node && node->on_alive(self)));
        } else if constexpr (std::is_same_v<T, handshake::wait_pending>) {
          if (node)
            node->on_replace(self);
          handle(acceptor_->pending_done());
        } else if constexpr (std::is_same_v<T, handshake::done>) {
          on_handshake_done(ev);
        } else if constexpr (std::is_same_v<T, handshake::failure>) {
          if (ev.reason == handshake::errc::nok) {
            // The peer's own attempt wins. Like OTP, wait to be dropped:
            // the node replaces this connection when the peer's arrives,
            // keeping whoever waits for it; the setup timer ends the wait
            // if it never does. Failing now would fail those waiters.
            awaiting_peer_ = true;
            return;
          }
          failure_ = ev.detail.empty() ? std::string{"handshake failed"}
                                       : "handshake failed: " + ev.detail;
          // Write what the machine produced (e.g. "snot_allowed"), then go.
          close_after_write_ = true;
          std::lock_guard guard{mtx_};
          if (out_.size() == 0 && !write_in_flight_)
            asio::post(strand_, [self] { self->shutdown(self->failure_); });
        }
      },
      prog.ev);
  }

  void on_handshake_done(handshake::done& ev) {
    setup_timer_.cancel();
    {
      std::lock_guard guard{mtx_};
      peer_name_ = ev.peer_node;
      if (auto a = etf::atom::make(peer_name_))
        peer_ = *a;
      flags_ = ev.flags;
      peer_creation_ = ev.peer_creation;
      dist::sender_config scfg;
      scfg.flags = ev.flags;
      scfg.max_fragment_size = cfg_.max_fragment_size;
      out_.start_distribution(scfg);
      fd_ = socket_.native_handle();
    }
    dist::receiver_config rcfg;
    rcfg.flags = ev.flags;
    rcfg.reassembly = cfg_.reassembly;
    rcfg.term_limits = cfg_.term_limits;
    if (auto local = etf::atom::make(cfg_.handshake.node))
      rcfg.local_node = *local;
    rcfg.peer_node = peer_;
    receiver_.emplace(rcfg);
    up_ = true;
    reader_.feed(ev.leftover);
    cafe::logger().debug("dist: connection to {} up (flags {:#x})", peer_name_,
                         flags_);
    if (auto node = node_.lock())
      node->on_up(shared_from_this());
    arm_tick_timer();
    // Frames may have arrived together with the last handshake message.
    process_frames();
  }

  // -- reading ---------------------------------------------------------------

  void do_read() {
    if (closed_)
      return;
    if (!up_) {
      socket_.async_read_some(
        asio::buffer(handshake_buf_),
        asio::bind_executor(strand_,
                            [self = shared_from_this()](auto ec, size_t n) {
                              self->on_handshake_read(ec, n);
                            }));
      return;
    }
    auto room = reader_.prepare(read_chunk);
    socket_.async_read_some(
      asio::buffer(room.data(), room.size()),
      asio::bind_executor(strand_,
                          [self = shared_from_this()](auto ec, size_t n) {
                            self->on_read(ec, n);
                          }));
  }

  void on_handshake_read(boost::system::error_code ec, size_t n) {
    if (ec)
      return shutdown(read_error(ec, "during the handshake"));
    arm_setup_timer();
    std::span<const uint8_t> bytes{handshake_buf_.data(), n};
    if (initiator_)
      handle(initiator_->feed(bytes));
    else
      handle(acceptor_->feed(bytes));
    if (!closed_ && !close_after_write_ && !awaiting_peer_)
      do_read();
  }

  void on_read(boost::system::error_code ec, size_t n) {
    if (ec)
      return shutdown(read_error(ec, ""));
    reader_.commit(n);
    read_since_tick_ = true;
    if (process_frames())
      do_read();
  }

  /// Hands every complete frame to the receiver; false once closed.
  bool process_frames() {
    auto self = shared_from_this();
    auto node = node_.lock();
    for (;;) {
      auto fr = reader_.next();
      if (!fr) {
        shutdown("bad frame: " + dist::to_string(fr.error()));
        return false;
      }
      if (fr->kind == dist::frame_kind::incomplete)
        return !closed_;
      if (fr->kind == dist::frame_kind::tick)
        continue;
      auto ev = receiver_->receive(fr->bytes, msg_);
      if (!ev) {
        // OTP kills the connection on any invalid message; so do we, and
        // only this one.
        shutdown("invalid distribution message: "
                 + dist::to_string(ev.error()));
        return false;
      }
      if (*ev == dist::receive_event::message && node)
        node->on_message(self, msg_);
      if (closed_)
        return false;
    }
  }

  std::string read_error(boost::system::error_code ec, const char* when) {
    std::string what = ec == asio::error::eof ? "connection closed by peer"
                                              : ec.message();
    if (*when != '\0') {
      what += ' ';
      what += when;
    }
    return what;
  }

  // -- ticks -----------------------------------------------------------------

  void arm_tick_timer() {
    auto interval = cfg_.ticktime / cfg_.tick_intensity;
    tick_timer_.expires_after(interval);
    tick_timer_.async_wait([self = shared_from_this()](auto ec) {
      if (!ec)
        self->on_tick();
    });
  }

  void on_tick() {
    if (closed_)
      return;
    // Down after a whole ticktime without reading anything (OTP:
    // net_tick_timeout after `intensity` silent intervals).
    if (read_since_tick_) {
      silent_intervals_ = 0;
    } else if (++silent_intervals_ >= cfg_.tick_intensity) {
      return shutdown("net_tick_timeout");
    }
    read_since_tick_ = false;
    {
      std::lock_guard guard{mtx_};
      if (!wrote_since_tick_) {
        out_.append_tick();
        schedule_write_locked();
      }
      wrote_since_tick_ = false;
    }
    arm_tick_timer();
  }

  // -- writing ---------------------------------------------------------------

  void schedule_write_locked() {
    if (write_in_flight_)
      return;
    write_in_flight_ = true;
    asio::post(strand_, [self = shared_from_this()] { self->do_write(); });
  }

  void do_write() {
    std::span<const uint8_t> batch;
    {
      std::lock_guard guard{mtx_};
      if (!closed_)
        batch = out_.next_batch();
      if (batch.empty()) {
        write_in_flight_ = false;
        writable_.notify_all();
        if (close_after_write_ && !closed_)
          asio::post(strand_, [self = shared_from_this()] {
            self->shutdown(self->failure_);
          });
        return;
      }
    }
    asio::async_write(socket_, asio::buffer(batch.data(), batch.size()),
                      asio::bind_executor(
                        strand_, [self = shared_from_this()](auto ec, size_t) {
                          self->on_write(ec);
                        }));
  }

  void on_write(boost::system::error_code ec) {
    {
      std::lock_guard guard{mtx_};
      out_.written();
    }
    writable_.notify_all();
    if (ec)
      return shutdown("write failed: " + ec.message());
    do_write();
  }

  // -- closing ---------------------------------------------------------------

  void shutdown(const std::string& reason) {
    {
      std::lock_guard guard{mtx_};
      if (closed_)
        return;
      closed_ = true;
      fd_ = -1;
      out_.clear();
    }
    writable_.notify_all();
    boost::system::error_code ignored;
    tick_timer_.cancel();
    setup_timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    auto& log = cafe::logger();
    auto who = peer_name_.empty() ? std::string{"an unnamed peer"} : peer_name_;
    if (up_)
      log.info("dist: connection to {} down: {}", who, reason);
    else
      log.warn("dist: connection {} {} failed: {}", initiated_ ? "to" : "from",
               who, reason);
    if (auto node = node_.lock())
      node->on_down(shared_from_this(), reason);
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  settings cfg_;
  std::weak_ptr<owner> node_;

  // Guarded by mtx_: everything `send` and the accessors touch.
  mutable std::mutex mtx_;
  std::condition_variable writable_;
  std::string peer_name_;
  etf::atom peer_;
  dist::flags_t flags_ = 0;
  uint32_t peer_creation_ = 0;
  output_queue out_;
  bool write_in_flight_ = false;
  /// The socket for direct writes (-1 until up and once closed); only used
  /// under `mtx_` while no asynchronous write is in flight.
  int fd_ = -1;
  bool wrote_since_tick_ = false;
  bool closed_ = false;

  // Strand-only state.
  const bool initiated_;
  std::optional<handshake::initiator> initiator_;
  std::optional<handshake::acceptor> acceptor_;
  std::array<uint8_t, 4096> handshake_buf_{};
  std::string failure_;
  bool close_after_write_ = false;
  /// Lost a simultaneous connect (status nok): no more reads.
  bool awaiting_peer_ = false;
  bool up_ = false;
  asio::steady_timer tick_timer_;
  asio::steady_timer setup_timer_;
  dist::frame_reader reader_;
  std::optional<dist::receiver> receiver_;
  dist::message msg_;
  bool read_since_tick_ = false;
  unsigned silent_intervals_ = 0;
};

} // namespace

std::shared_ptr<dist_connection>
dist_connection::connect(boost::asio::io_context& io, const settings& cfg,
                         std::weak_ptr<owner> node, std::string peer_node,
                         const std::string& host, uint16_t port) {
  auto conn = std::make_shared<tcp_connection>(io, tcp::socket{io}, cfg, node,
                                               peer_node, true);
  conn->connect_to(host, port);
  return conn;
}

namespace detail {

void start_accepted(boost::asio::io_context& io, tcp::socket sock,
                    const settings& cfg, std::weak_ptr<owner> node) {
  boost::system::error_code ignored;
  sock.set_option(tcp::no_delay(true), ignored);
  auto conn = std::make_shared<tcp_connection>(
    io, std::move(sock), cfg, std::move(node), std::string{}, false);
  conn->start();
}

} // namespace detail

} // namespace cafe::connection
