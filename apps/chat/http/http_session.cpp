#include "http/http_session.hpp"

#include "cafe/log.hpp"
#include "http/origin.hpp"
#include "http/request_target.hpp"
#include "http/static_files.hpp"
#include "http/subprotocols.hpp"
#include "http/websocket_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace cafe::chat::http {

namespace {

/// Static files larger than this are not served (the page and its scripts
/// are a few hundred KiB).
constexpr size_t max_static_bytes = 32 * 1024 * 1024;

using request_type = bhttp::request<bhttp::string_body>;
using response_type = bhttp::response<bhttp::string_body>;

std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec)
    return "?";
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
  return addr.to_string();
}

std::string json_error(std::string_view what) {
  return std::string{R"({"error":")"} + std::string{what} + "\"}";
}

class http_session final : public connection,
                           public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<shared_state> state,
               connection_slot slot)
    : remote_(peer_address(socket)), executor_(socket.get_executor()),
      stream_(std::move(socket)), state_(std::move(state)),
      slot_(std::move(slot)) {
    // nop
  }

  ~http_session() override {
    slot_ = connection_slot{};
    state_->leave(this);
  }

  void run() {
    if (!state_->enter(this, weak_from_this()))
      return;
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read,
                                            shared_from_this()));
  }

  void shutdown(bool) override {
    net::post(executor_, [self = shared_from_this()] {
      if (!self->upgraded_)
        self->stream_.close();
    });
  }

private:
  void do_read() {
    auto& cfg = state_->config();
    parser_.emplace();
    auto limit = std::min<size_t>(cfg.max_request_bytes, UINT32_MAX);
    parser_->header_limit(static_cast<uint32_t>(limit));
    parser_->body_limit(limit);
    stream_.expires_after(cfg.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&http_session::on_read,
                                                shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout
        || ec == net::error::operation_aborted)
      return close();
    if (ec == bhttp::error::body_limit)
      return refuse(bhttp::status::payload_too_large, "request too large");
    if (ec == bhttp::error::header_limit)
      return refuse(bhttp::status::request_header_fields_too_large,
                    "request header too large");
    if (ec == net::error::connection_reset || ec == net::error::eof)
      return close();
    if (ec) {
      logger().info("http: bad request from {}: {}", remote_, ec.message());
      return refuse(bhttp::status::bad_request, "bad request");
    }
    state_->stats().http_requests.fetch_add(1, std::memory_order_relaxed);
    handle(parser_->release());
  }

  void handle(request_type req) {
    auto& cfg = state_->config();
    auto target = parse_target(req.target());
    if (!target) {
      logger().info("http: bad target from {}: {}", remote_, target.error());
      return send(
        error_response(req, bhttp::status::bad_request, "bad request target"));
    }
    bool upgrade = beast::websocket::is_upgrade(req);
    if (target->path == cfg.socket_path) {
      if (!upgrade)
        return send(error_response(req, bhttp::status::bad_request,
                                   "websocket upgrade expected"));
      return upgrade_to_websocket(std::move(req), std::move(*target));
    }
    if (upgrade) {
      refused_upgrade(req, bhttp::status::not_found, "not the socket path");
      return;
    }
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      auto res = error_response(req, bhttp::status::method_not_allowed,
                                "method not allowed");
      res.set(bhttp::field::allow, "GET, HEAD");
      return send(std::move(res));
    }
    if (auto file = resolve_static(cfg.static_dir, cfg.extra_files, *target)) {
      auto body = read_file(*file, max_static_bytes);
      if (!body) {
        logger().warn("http: cannot read {}", file->string());
        return send(error_response(req, bhttp::status::internal_server_error,
                                   "cannot read file"));
      }
      auto res = make_response(req, bhttp::status::ok, content_type(*file),
                               std::move(*body));
      res.set(bhttp::field::cache_control, "no-cache");
      return send(std::move(res));
    }
    request app_req;
    app_req.method = std::string{req.method_string()};
    app_req.path = target->path;
    app_req.params = std::move(target->params);
    auto answer = state_->app().handle(app_req);
    if (!answer)
      return send(error_response(req, bhttp::status::not_found, "not found"));
    auto res = make_response(req, static_cast<bhttp::status>(answer->status),
                             answer->content_type, std::move(answer->body));
    res.set(bhttp::field::cache_control, "no-cache");
    send(std::move(res));
  }

  void upgrade_to_websocket(request_type req, request_target target) {
    auto& cfg = state_->config();
    std::optional<std::string_view> origin;
    if (auto it = req.find(bhttp::field::origin); it != req.end())
      origin = it->value();
    if (!origin_allowed(origin, req[bhttp::field::host], cfg.allowed_origins))
      return refused_upgrade(req, bhttp::status::forbidden,
                             "origin " + std::string{*origin} + " not allowed");
    std::string offered;
    auto [first, last] = req.equal_range(bhttp::field::sec_websocket_protocol);
    for (auto it = first; it != last; ++it) {
      if (!offered.empty())
        offered += ',';
      offered += it->value();
    }
    auto protocols = parse_protocols(offered);
    if (!protocols)
      return refused_upgrade(req, bhttp::status::bad_request,
                             protocols.error());
    if (protocols->any && !protocols->phoenix)
      return refused_upgrade(req, bhttp::status::forbidden,
                             "no supported subprotocol in '" + offered + "'");
    if (state_->stopping())
      return refused_upgrade(req, bhttp::status::service_unavailable,
                             "server stopping");
    upgrade_request info;
    info.path = std::move(target.path);
    info.params = std::move(target.params);
    info.auth_token = std::move(protocols->auth_token);
    info.remote_address = remote_;
    if (auto status = state_->app().check_upgrade(info); status != 0)
      return refused_upgrade(req, static_cast<bhttp::status>(status),
                             "refused by the application ("
                               + std::to_string(status) + ")");
    // The WebSocket stream has timeouts of its own.
    stream_.expires_never();
    state_->leave(this);
    upgraded_ = true;
    run_websocket_session(std::move(stream_), std::move(req), state_,
                          std::move(slot_), std::move(info),
                          protocols->phoenix ? "phoenix" : "");
  }

  void refused_upgrade(const request_type& req, bhttp::status status,
                       std::string reason) {
    state_->stats().upgrades_refused.fetch_add(1, std::memory_order_relaxed);
    logger().info("http: refused a websocket upgrade from {} to {}: {} ({})",
                  remote_, std::string{req.target()}, reason,
                  static_cast<unsigned>(status));
    send(error_response(req, status, bhttp::obsolete_reason(status)));
  }

  response_type make_response(const request_type& req, bhttp::status status,
                              std::string_view type, std::string body) {
    response_type res{status, req.version()};
    res.set(bhttp::field::server, "cafe-chat");
    res.set("x-served-by", state_->config().served_by);
    res.set(bhttp::field::content_type, type);
    res.set("x-content-type-options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.content_length(body.size());
    // HEAD: the length of what GET would send, and no body.
    if (req.method() != bhttp::verb::head)
      res.body() = std::move(body);
    return res;
  }

  response_type error_response(const request_type& req, bhttp::status status,
                               std::string_view what) {
    return make_response(req, status, "application/json", json_error(what));
  }

  // Answers an unreadable request and closes: the parser cannot resync.
  void refuse(bhttp::status status, std::string_view what) {
    logger().info("http: {} from {} ({})", what, remote_,
                  static_cast<unsigned>(status));
    request_type req{bhttp::verb::get, "/", 11};
    auto res = error_response(req, status, what);
    res.keep_alive(false);
    linger_ = true;
    send(std::move(res));
  }

  void send(response_type res) {
    res_.emplace(std::move(res));
    stream_.expires_after(state_->config().request_timeout);
    bhttp::async_write(stream_, *res_,
                       beast::bind_front_handler(&http_session::on_write,
                                                 shared_from_this(),
                                                 res_->need_eof()));
  }

  void on_write(bool close_after, error_code ec, size_t) {
    res_.reset();
    if (ec)
      return close();
    if (linger_)
      return do_linger();
    if (close_after || state_->stopping())
      return close();
    do_read();
  }

  void close() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  // After an error answer the peer may still be sending (a body over the
  // limit): closing with unread bytes would reset the connection and could
  // destroy the answer in flight, so read and discard for a while first.
  void do_linger() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return stream_.close();
    stream_.expires_after(std::chrono::seconds{2});
    linger_buffer_.resize(4096);
    stream_.async_read_some(net::buffer(linger_buffer_),
                            beast::bind_front_handler(&http_session::on_linger,
                                                      shared_from_this()));
  }

  void on_linger(error_code ec, size_t) {
    if (ec)
      return stream_.close();
    stream_.async_read_some(net::buffer(linger_buffer_),
                            beast::bind_front_handler(&http_session::on_linger,
                                                      shared_from_this()));
  }

  std::string remote_;
  net::any_io_executor executor_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  connection_slot slot_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<response_type> res_;
  bool upgraded_ = false;
  bool linger_ = false;
  std::vector<char> linger_buffer_;
};

} // namespace

void run_http_session(tcp::socket socket, std::shared_ptr<shared_state> state,
                      connection_slot slot) {
  std::make_shared<http_session>(std::move(socket), std::move(state),
                                 std::move(slot))
    ->run();
}

} // namespace cafe::chat::http
