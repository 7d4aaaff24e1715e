#include "http/websocket_session.hpp"

#include "cafe/log.hpp"
#include "http/frame_queue.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using boost::system::error_code;
using std::chrono::steady_clock;

namespace cafe::chat::http {

namespace {

/// Longest close reason a close frame can carry (RFC 6455 §5.5: 125 bytes
/// of payload, 2 of them the code).
constexpr size_t max_close_reason = 123;

class websocket_session;

/// What the application holds: forwards to the session while it lives.
class link_impl final : public client_link {
public:
  explicit link_impl(std::weak_ptr<websocket_session> session)
    : session_(std::move(session)) {
    // nop
  }

  void send(std::shared_ptr<const std::string> text) override;

  void close(uint16_t code, std::string reason) override;

private:
  std::weak_ptr<websocket_session> session_;
};

class websocket_session final
  : public connection,
    public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(beast::tcp_stream&& stream,
                    std::shared_ptr<shared_state> state, connection_slot slot,
                    upgrade_request info, std::string protocol)
    : ws_(std::move(stream)), state_(std::move(state)), slot_(std::move(slot)),
      info_(std::move(info)), protocol_(std::move(protocol)),
      idle_timer_(ws_.get_executor()), write_timer_(ws_.get_executor()),
      drop_timer_(ws_.get_executor()) {
    // nop
  }

  ~websocket_session() override {
    // The io_context went away under a live session: the handler still
    // hears of the end, once.
    if (handler_)
      std::exchange(handler_, nullptr)->on_closed();
    release(queued_bytes_.load(), queued_frames_.load());
    // The gauge drops before `stop` can see the registry empty.
    slot_ = connection_slot{};
    state_->leave(this);
  }

  void run(bhttp::request<bhttp::string_body> req) {
    if (!state_->enter(this, weak_from_this())) {
      beast::get_lowest_layer(ws_).close();
      return;
    }
    auto& cfg = state_->config();
    // Idle time is ours to track (Beast's idle timeout without pings counts
    // from the handshake, not from the last frame); Beast's handshake
    // timeout bounds the opening and the closing handshakes.
    ws_.set_option(websocket::stream_base::timeout{
      cfg.request_timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::permessage_deflate{});
    ws_.read_message_max(cfg.max_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
      [protocol = protocol_,
       served_by = cfg.served_by](websocket::response_type& res) {
        res.set(bhttp::field::server, "cafe-chat");
        res.set("x-served-by", served_by);
        if (!protocol.empty())
          res.set(bhttp::field::sec_websocket_protocol, protocol);
      }));
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
      last_read_ = steady_clock::now();
    });
    req_ = std::move(req);
    ws_.async_accept(req_,
                     beast::bind_front_handler(&websocket_session::on_accept,
                                               shared_from_this()));
  }

  void shutdown(bool graceful) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), graceful] {
      if (graceful)
        self->start_close(websocket::close_reason{
          websocket::close_code::going_away, "going away"});
      else
        self->abort();
    });
  }

  // Any thread. The bytes are reserved here, before the post, so that the
  // bound holds for everything handed to the session, queued or in flight
  // to the strand.
  void send(std::shared_ptr<const std::string> text) {
    if (refusing_.load(std::memory_order_acquire) || !text)
      return;
    auto& cfg = state_->config();
    auto size = text->size();
    auto frames = queued_frames_.fetch_add(1) + 1;
    auto bytes = queued_bytes_.fetch_add(size) + size;
    if (frames > cfg.max_queued_frames || bytes > cfg.max_queued_bytes) {
      queued_bytes_.fetch_sub(size);
      queued_frames_.fetch_sub(1);
      if (!overflowed_.exchange(true)) {
        refusing_.store(true, std::memory_order_release);
        net::post(ws_.get_executor(),
                  [self = shared_from_this()] { self->drop_slow(); });
      }
      return;
    }
    state_->stats().queued_bytes.fetch_add(size, std::memory_order_relaxed);
    net::post(ws_.get_executor(),
              [self = shared_from_this(), text = std::move(text)]() mutable {
                self->enqueue(std::move(text));
              });
  }

  // Any thread.
  void close(uint16_t code, std::string reason) {
    // Codes a close frame may not carry (RFC 6455 §7.4) become 1011.
    bool sendable = (code >= 1000 && code <= 1003)
                    || (code >= 1007 && code <= 1013)
                    || (code >= 3000 && code <= 4999);
    if (!sendable) {
      logger().warn("http: close code {} cannot be sent, using 1011", code);
      code = websocket::close_code::internal_error;
    }
    refusing_.store(true, std::memory_order_release);
    if (reason.size() > max_close_reason)
      reason.resize(max_close_reason);
    net::post(ws_.get_executor(),
              [self = shared_from_this(), code, reason = std::move(reason)] {
                self->start_close(websocket::close_reason{
                  static_cast<websocket::close_code>(code), reason});
              });
  }

private:
  void on_accept(error_code ec) {
    req_ = {};
    if (ec) {
      logger().info("http: websocket handshake with {} failed: {}",
                    info_.remote_address, ec.message());
      finished_ = true;
      return abort();
    }
    open_ = true;
    last_read_ = steady_clock::now();
    auto link = std::make_shared<link_impl>(weak_from_this());
    handler_ = state_->app().connect(link, info_);
    if (!handler_) {
      logger().info("http: the application took no handler for {}",
                    info_.remote_address);
      start_close(websocket::close_reason{websocket::close_code::internal_error,
                                          "no handler"});
    }
    arm_idle();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(
                              &websocket_session::on_read, shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec) {
      if (ec == websocket::error::message_too_big)
        logger().info("http: closed {} with 1009: a message over {} bytes",
                      info_.remote_address, state_->config().max_message_bytes);
      else
        fail(ec, "read");
      if (ec != websocket::error::closed
          && ec != websocket::error::message_too_big)
        beast::get_lowest_layer(ws_).close();
      return finish();
    }
    last_read_ = steady_clock::now();
    state_->stats().frames_in.fetch_add(1, std::memory_order_relaxed);
    auto data = buffer_.cdata();
    std::string_view frame{static_cast<const char*>(data.data()), data.size()};
    // A dropped client's last frames are not the application's business.
    if (handler_ && !overflowed_) {
      if (ws_.got_text())
        handler_->on_text(frame);
      else
        handler_->on_binary(frame);
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void enqueue(std::shared_ptr<const std::string> text) {
    if (closing_) {
      release(text->size(), 1);
      return;
    }
    queue_.push_back(std::move(text));
    if (!writing_)
      do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&websocket_session::on_write,
                                              shared_from_this()));
    watch_write();
  }

  void on_write(error_code ec, size_t) {
    writing_ = false;
    ++writes_done_;
    release(queue_.front()->size(), 1);
    queue_.pop_front();
    if (ec) {
      fail(ec, "write");
      return abort();
    }
    state_->stats().frames_out.fetch_add(1, std::memory_order_relaxed);
    if (!queue_.empty())
      return do_write();
    if (close_ && !close_sent_)
      do_close();
  }

  // First close wins; sends what is queued first.
  void start_close(websocket::close_reason reason) {
    refusing_.store(true, std::memory_order_release);
    if (closing_ || finished_)
      return;
    closing_ = true;
    if (!open_)
      return abort();
    close_ = std::move(reason);
    if (!writing_)
      do_close();
  }

  void do_close() {
    close_sent_ = true;
    ws_.async_close(*close_,
                    beast::bind_front_handler(&websocket_session::on_close,
                                              shared_from_this()));
    watch_write();
  }

  void on_close(error_code ec) {
    close_done_ = true;
    if (ec)
      fail(ec, "close");
  }

  /// How long a dropped slow client has to take its 1008 close.
  static constexpr std::chrono::milliseconds slow_close_grace{1000};

  // The application outran the client: free the queue now, then close
  // with 1008 behind the one frame in flight; a client that does not take
  // them within `slow_close_grace` loses the socket.
  void drop_slow() {
    if (finished_)
      return;
    state_->stats().slow_clients_dropped.fetch_add(1,
                                                   std::memory_order_relaxed);
    logger().warn("http: dropped slow client {}: {} frames / {} bytes queued "
                  "(limits {} / {})",
                  info_.remote_address, queued_frames_.load(),
                  queued_bytes_.load(), state_->config().max_queued_frames,
                  state_->config().max_queued_bytes);
    clear_queue();
    // Replaces a close that was waiting behind the queue just freed.
    if (!close_sent_)
      close_ = websocket::close_reason{websocket::close_code::policy_error,
                                       "too slow"};
    closing_ = true;
    if (!writing_ && !close_sent_)
      do_close();
    // A client that reads nothing never takes the frame in flight or the
    // close frame: it is gone after a short grace, not a write timeout.
    drop_timer_.expires_after(slow_close_grace);
    drop_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->finished_)
        self->abort();
    });
  }

  // Frees every queued frame but the one in flight.
  void clear_queue() {
    auto keep = writing_ ? size_t{1} : size_t{0};
    while (queue_.size() > keep) {
      release(queue_.back()->size(), 1);
      queue_.pop_back();
    }
  }

  void arm_idle() {
    idle_timer_.expires_at(last_read_ + state_->config().idle_timeout);
    idle_timer_.async_wait(beast::bind_front_handler(
      &websocket_session::on_idle, shared_from_this()));
  }

  void on_idle(error_code ec) {
    if (ec || finished_)
      return;
    if (steady_clock::now() < last_read_ + state_->config().idle_timeout)
      return arm_idle();
    // Closing already: the write watch and Beast's handshake timeout
    // bound that.
    if (closing_)
      return;
    logger().debug("http: {} idle for {} ms, closing", info_.remote_address,
                   state_->config().idle_timeout.count());
    start_close(
      websocket::close_reason{websocket::close_code::normal, "idle timeout"});
  }

  // A write (or the close frame) that makes no progress for a whole
  // write_timeout means a peer that stopped reading: drop the socket.
  void watch_write() {
    if (watching_)
      return;
    watching_ = true;
    writes_seen_ = writes_done_;
    write_timer_.expires_after(state_->config().write_timeout);
    write_timer_.async_wait(beast::bind_front_handler(
      &websocket_session::on_write_watch, shared_from_this()));
  }

  void on_write_watch(error_code ec) {
    watching_ = false;
    if (ec || finished_)
      return;
    bool stalled_write = writing_ && writes_done_ == writes_seen_;
    bool stalled_close = close_sent_ && !close_done_ && !writing_;
    if (stalled_write || stalled_close) {
      logger().warn("http: dropped {}: no write progress for {} ms",
                    info_.remote_address,
                    state_->config().write_timeout.count());
      return abort();
    }
    if (writing_ || (close_sent_ && !close_done_))
      watch_write();
  }

  void abort() {
    beast::get_lowest_layer(ws_).close();
  }

  // The read loop ended: the connection is over for the application.
  void finish() {
    finished_ = true;
    closing_ = true;
    refusing_.store(true, std::memory_order_release);
    clear_queue();
    idle_timer_.cancel();
    write_timer_.cancel();
    drop_timer_.cancel();
    if (handler_)
      std::exchange(handler_, nullptr)->on_closed();
  }

  void release(size_t bytes, size_t frames) {
    queued_bytes_.fetch_sub(bytes);
    queued_frames_.fetch_sub(frames);
    state_->stats().queued_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  }

  void fail(error_code ec, const char* what) {
    // Normal ends of a connection stay quiet.
    if (ec == net::error::operation_aborted || ec == websocket::error::closed
        || ec == net::error::eof || ec == net::error::connection_reset
        || ec == net::error::broken_pipe || ec == beast::error::timeout
        || ec == net::error::bad_descriptor)
      return;
    logger().info("http: websocket {} with {}: {}", what, info_.remote_address,
                  ec.message());
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<shared_state> state_;
  connection_slot slot_;
  upgrade_request info_;
  std::string protocol_;
  bhttp::request<bhttp::string_body> req_;
  beast::flat_buffer buffer_;
  net::steady_timer idle_timer_;
  /// Bounds the 1008 close of a dropped slow client.
  net::steady_timer drop_timer_;
  net::steady_timer write_timer_;
  steady_clock::time_point last_read_;
  std::shared_ptr<client_handler> handler_;
  frame_queue queue_;
  uint64_t writes_done_ = 0;
  uint64_t writes_seen_ = 0;
  std::optional<websocket::close_reason> close_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool close_done_ = false;
  bool finished_ = false;
  bool watching_ = false;
  // Touched from any thread by `send`.
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<size_t> queued_frames_{0};
  std::atomic<bool> overflowed_{false};
  std::atomic<bool> refusing_{false};
};

void link_impl::send(std::shared_ptr<const std::string> text) {
  if (auto session = session_.lock())
    session->send(std::move(text));
}

void link_impl::close(uint16_t code, std::string reason) {
  if (auto session = session_.lock())
    session->close(code, std::move(reason));
}

} // namespace

void run_websocket_session(beast::tcp_stream stream,
                           bhttp::request<bhttp::string_body> req,
                           std::shared_ptr<shared_state> state,
                           connection_slot slot, upgrade_request info,
                           std::string protocol) {
  std::make_shared<websocket_session>(std::move(stream), std::move(state),
                                      std::move(slot), std::move(info),
                                      std::move(protocol))
    ->run(std::move(req));
}

} // namespace cafe::chat::http
