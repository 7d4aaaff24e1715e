#pragma once

#include "cafe/distribution/control_message.hpp"
#include "cafe/distribution/flags.hpp"
#include "cafe/distribution/receiver.hpp"
#include "cafe/etf/atom.hpp"
#include "cafe/etf/term.hpp"
#include "cafe/handshake/config.hpp"
#include "cafe/handshake/progress.hpp"
#include "cafe/handshake/status.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace cafe::connection {

/// Everything a connection needs to know, the same for every peer.
struct settings {
  handshake::config handshake;
  /// net_ticktime: a peer silent for this long is down.
  std::chrono::milliseconds ticktime{std::chrono::seconds{60}};
  /// net_tickintensity: ticks per ticktime.
  unsigned tick_intensity = 4;
  /// net_setuptime: the longest wait for one handshake step.
  std::chrono::milliseconds setup_time{std::chrono::seconds{7}};
  /// dist_buf_busy_limit: above this many queued output bytes, `send`
  /// answers `busy` instead of queueing more.
  size_t busy_limit = size_t{1} << 20;
  /// Largest frame accepted from a peer.
  size_t max_frame_size = size_t{128} << 20;
  /// Largest fragment written (OTP: 64 KiB).
  size_t max_fragment_size = size_t{64} << 10;
  distribution::reassembly_limits reassembly;
  etf::decode_limits term_limits;
};

/// What `send` did with a message.
enum class send_status : uint8_t {
  /// Queued; it goes out in order with everything sent before.
  ok,
  /// The output buffer is over `settings::busy_limit`: nothing was queued.
  /// Retry after `wait_writable`.
  busy,
  /// The connection is not (or no longer) up: nothing was queued.
  closed,
  /// The message cannot be encoded for this peer (logged).
  rejected,
};

class dist_connection;

/// The node side of a connection: decides handshake questions from its
/// connection table and receives what arrives. Called on the connection's
/// strand; implementations return quickly and never block.
class owner {
public:
  virtual ~owner();

  /// Acceptor at send_status: the peer introduced itself.
  virtual handshake::status
  on_peer_name(const std::shared_ptr<dist_connection>& conn,
               const handshake::decide_status& info)
    = 0;

  /// Initiator after status `alive`: continue (true) or give up.
  virtual bool on_alive(const std::shared_ptr<dist_connection>& conn) = 0;

  /// Acceptor after a valid challenge on a connection that replaces a live
  /// one: drop the old connection before this one comes up.
  virtual void on_replace(const std::shared_ptr<dist_connection>& conn) = 0;

  /// The handshake finished: the connection is up.
  virtual void on_up(const std::shared_ptr<dist_connection>& conn) = 0;

  /// A complete message arrived. `msg` may be moved from.
  virtual void on_message(const std::shared_ptr<dist_connection>& conn,
                          distribution::message& msg)
    = 0;

  /// The connection ended (or its handshake failed); called once.
  virtual void on_down(const std::shared_ptr<dist_connection>& conn,
                       const std::string& reason)
    = 0;
};

/// One TCP connection to another node: the v6 handshake, then 4-byte
/// frames with ticks, write batching (many frames per socket write) and
/// interleaved fragments of large messages. All socket work runs on the
/// connection's strand; `send` may be called from any thread.
class dist_connection {
public:
  virtual ~dist_connection();

  /// Our node dials `peer_node` at `host:port` (the port from EPMD).
  static std::shared_ptr<dist_connection>
  connect(boost::asio::io_context& io, const settings& cfg,
          std::weak_ptr<owner> node, std::string peer_node,
          const std::string& host, uint16_t port);

  /// The peer's full node name: the dialed name for outgoing connections,
  /// the name from send_name for incoming ones (empty until then).
  virtual std::string peer_name() const = 0;

  /// The peer's node name as an atom, once known.
  virtual etf::atom peer() const = 0;

  /// Whether we dialed.
  virtual bool initiated() const noexcept = 0;

  /// Whether the handshake is done and the connection not closed.
  virtual bool is_up() const noexcept = 0;

  /// The negotiated flags (0 before the connection is up).
  virtual distribution::flags_t flags() const noexcept = 0;

  /// The peer's creation (0 before the connection is up).
  virtual uint32_t peer_creation() const noexcept = 0;

  /// Queues a control message (and its payload, exactly when the operation
  /// has one). With `force`, the busy limit does not apply: for signals the
  /// protocol requires (replies to monitors, unlink acks) and for messages
  /// that were already accepted while the connection was being set up.
  virtual send_status send(const distribution::control_message& ctl,
                           const etf::term* payload, bool force = false)
    = 0;

  /// Blocks the calling thread (never an io_context thread) until the
  /// output buffer drops below the busy limit, the connection closes, or
  /// `timeout` passes. Returns whether sending may be retried.
  virtual bool wait_writable(std::chrono::milliseconds timeout) = 0;

  /// Ends the connection; `reason` is logged and given to `on_down`.
  virtual void close(std::string reason) = 0;

  /// Bytes queued for the socket (for tests and metrics).
  virtual size_t queued_bytes() const noexcept = 0;
};

} // namespace cafe::connection
