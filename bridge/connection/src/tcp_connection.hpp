#pragma once

// Private to cafe::connection: one TCP connection to a peer node, in two
// phases over one socket and one strand. The handshake phase
// (handshake_phase.cpp) runs the dist_util steps of our role and asks the
// node its questions; the distribution phase (distribution_phase.cpp) reads
// frames, hands messages to the node and keeps the ticks. Writing, closing
// and everything other threads call live in tcp_connection.cpp. Not
// installed.

#include "cafe/connection/dist_connection.hpp"
#include "cafe/connection/output_queue.hpp"
#include "cafe/distribution/frame_reader.hpp"
#include "cafe/handshake/acceptor.hpp"
#include "cafe/handshake/initiator.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace cafe::connection::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// How many bytes one read asks for.
constexpr size_t read_chunk = size_t{64} << 10;

/// The dist_connection the node holds, from dialing (or accepting) to close.
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

  // -- dist_connection
  // ----------------------------------------------------------

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

  distribution::flags_t flags() const noexcept override {
    std::lock_guard guard{mtx_};
    return flags_;
  }

  uint32_t peer_creation() const noexcept override {
    std::lock_guard guard{mtx_};
    return peer_creation_;
  }

  send_status send(const distribution::control_message& ctl,
                   const etf::term* payload, bool force) override;

  bool wait_writable(std::chrono::milliseconds timeout) override;

  void close(std::string reason) override;

  size_t queued_bytes() const noexcept override;

  // -- start-up
  // ----------------------------------------------------------------

  /// Acceptor side: the socket is connected already.
  void start();

  /// Initiator side: resolves, connects, then starts the handshake.
  void connect_to(std::string host, uint16_t port);

private:
  // -- handshake
  // ---------------------------------------------------------------

  void on_start();

  void arm_setup_timer();

  /// Acts on one step of the handshake state machine.
  void handle(handshake::progress prog);

  void on_handshake_done(handshake::done& ev);

  // -- reading
  // -----------------------------------------------------------------

  void do_read();

  void on_handshake_read(boost::system::error_code ec, size_t n);

  void on_read(boost::system::error_code ec, size_t n);

  /// Hands every complete frame to the receiver; false once closed.
  bool process_frames();

  std::string read_error(boost::system::error_code ec, const char* when);

  // -- ticks
  // -------------------------------------------------------------------

  void arm_tick_timer();

  void on_tick();

  // -- writing
  // -----------------------------------------------------------------

  void schedule_write_locked();

  void do_write();

  void on_write(boost::system::error_code ec);

  // -- closing
  // -----------------------------------------------------------------

  void shutdown(const std::string& reason);

  // -- state
  // -------------------------------------------------------------------

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  settings cfg_;
  std::weak_ptr<owner> node_;

  // Guarded by mtx_: everything `send` and the accessors touch.
  mutable std::mutex mtx_;
  std::condition_variable writable_;
  std::string peer_name_;
  etf::atom peer_;
  distribution::flags_t flags_ = 0;
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
  distribution::frame_reader reader_;
  std::optional<distribution::receiver> receiver_;
  distribution::message msg_;
  bool read_since_tick_ = false;
  unsigned silent_intervals_ = 0;
};

} // namespace cafe::connection::detail
