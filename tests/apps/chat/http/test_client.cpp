#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <optional>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace cafe::chat::http::testing {

namespace {

tcp::endpoint loopback(uint16_t port) {
  return {net::ip::make_address_v4("127.0.0.1"), port};
}

std::string lower(std::string str) {
  for (auto& c : str)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return str;
}

template <class Fields>
std::map<std::string, std::string> header_map(const Fields& fields) {
  std::map<std::string, std::string> result;
  for (auto& field : fields)
    result[lower(std::string{field.name_string()})]
      = std::string{field.value()};
  return result;
}

// Runs `io` until `done` or `timeout`; on timeout `cancel` runs and the
// pending handlers are drained, so none outlives its caller's locals.
template <class Cancel>
bool run_until(net::io_context& io, const bool& done,
               std::chrono::milliseconds timeout, Cancel cancel) {
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline)
    if (io.run_one_until(deadline) == 0 && io.stopped())
      break;
  if (done)
    return true;
  cancel();
  io.restart();
  io.run_for(std::chrono::seconds{5});
  return false;
}

} // namespace

http_reply http_request(uint16_t port, const std::string& method,
                        const std::string& target, const header_list& headers,
                        const std::string& body) {
  http_reply reply;
  net::io_context io;
  beast::tcp_stream stream{io};
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target,
                                         11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (auto& [name, value] : headers)
    req.set(name, value);
  if (!body.empty()) {
    req.body() = body;
    req.prepare_payload();
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (req.method() == bhttp::verb::head)
    parser.skip(true);
  bool done = false;
  error_code result;
  stream.async_connect(loopback(port), [&](error_code ec) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    bhttp::async_write(stream, req, [&](error_code ec, size_t) {
      if (ec) {
        result = ec;
        done = true;
        return;
      }
      bhttp::async_read(stream, buffer, parser, [&](error_code ec, size_t) {
        result = ec;
        done = true;
      });
    });
  });
  if (!run_until(io, done, 10s, [&] { stream.close(); })) {
    reply.error = "timeout";
    return reply;
  }
  if (result) {
    reply.error = result.message();
    return reply;
  }
  auto& res = parser.get();
  reply.status = res.result_int();
  reply.headers = header_map(res);
  reply.body = res.body();
  return reply;
}

raw_reply raw_exchange(uint16_t port, const std::string& bytes,
                       std::chrono::milliseconds timeout) {
  raw_reply reply;
  net::io_context io;
  tcp::socket socket{io};
  std::string out = bytes;
  std::string in;
  bool done = false;
  socket.async_connect(loopback(port), [&](error_code ec) {
    if (ec) {
      done = true;
      return;
    }
    net::async_write(socket, net::buffer(out), [&](error_code ec, size_t) {
      if (ec) {
        done = true;
        return;
      }
      net::async_read(socket, net::dynamic_buffer(in),
                      [&](error_code ec, size_t) {
                        reply.closed = ec == net::error::eof
                                       || ec == net::error::connection_reset;
                        done = true;
                      });
    });
  });
  run_until(io, done, timeout, [&] {
    error_code ignored;
    socket.close(ignored);
  });
  reply.bytes = std::move(in);
  return reply;
}

struct ws_client::impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;

  void cancel() {
    beast::get_lowest_layer(ws).close();
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {
  // nop
}

ws_client::~ws_client() {
  drop();
}

ws_client::upgrade_result
ws_client::connect(uint16_t port, const std::string& target,
                   const header_list& headers,
                   std::chrono::milliseconds timeout) {
  upgrade_result result;
  auto& ws = impl_->ws;
  auto& sock = beast::get_lowest_layer(ws).socket();
  error_code ec;
  sock.open(tcp::v4(), ec);
  if (receive_buffer_ > 0)
    sock.set_option(net::socket_base::receive_buffer_size{receive_buffer_}, ec);
  ws.set_option(
    websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (auto& [name, value] : headers)
        req.set(name, value);
    }));
  ws.read_message_max(64 * 1024 * 1024);
  websocket::response_type res;
  bool done = false;
  error_code outcome;
  beast::get_lowest_layer(ws).async_connect(loopback(port), [&](error_code ec) {
    if (ec) {
      outcome = ec;
      done = true;
      return;
    }
    ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), target,
                       [&](error_code ec) {
                         outcome = ec;
                         done = true;
                       });
  });
  if (!run_until(impl_->io, done, timeout, [&] { impl_->cancel(); })) {
    result.error = "timeout";
    return result;
  }
  result.status = res.result_int();
  result.headers = header_map(res);
  if (outcome) {
    result.error = outcome.message();
    return result;
  }
  result.ok = true;
  return result;
}

bool ws_client::send_text(const std::string& text,
                          std::chrono::milliseconds timeout) {
  bool done = false;
  error_code outcome;
  impl_->ws.text(true);
  impl_->ws.async_write(net::buffer(text), [&](error_code ec, size_t) {
    outcome = ec;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [&] { impl_->cancel(); })
         && !outcome;
}

bool ws_client::send_binary(const std::string& bytes,
                            std::chrono::milliseconds timeout) {
  bool done = false;
  error_code outcome;
  impl_->ws.binary(true);
  impl_->ws.async_write(net::buffer(bytes), [&](error_code ec, size_t) {
    outcome = ec;
    done = true;
  });
  return run_until(impl_->io, done, timeout, [&] { impl_->cancel(); })
         && !outcome;
}

ws_event ws_client::read(std::chrono::milliseconds timeout) {
  ws_event event;
  bool done = false;
  error_code outcome;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](error_code ec, size_t) {
    outcome = ec;
    done = true;
  });
  if (!run_until(impl_->io, done, timeout, [&] { impl_->cancel(); })) {
    event.kind = ws_event::timeout;
    return event;
  }
  if (outcome == websocket::error::closed) {
    event.kind = ws_event::closed;
    event.code = impl_->ws.reason().code;
    event.reason = std::string{impl_->ws.reason().reason.c_str()};
    return event;
  }
  if (outcome) {
    event.kind = ws_event::error;
    event.data = outcome.message();
    return event;
  }
  event.kind = impl_->ws.got_text() ? ws_event::text : ws_event::binary;
  event.data = beast::buffers_to_string(impl_->buffer.data());
  return event;
}

bool ws_client::close(uint16_t code, std::chrono::milliseconds timeout) {
  bool done = false;
  error_code outcome;
  impl_->ws.async_close(
    websocket::close_reason{static_cast<websocket::close_code>(code)},
    [&](error_code ec) {
      outcome = ec;
      done = true;
    });
  return run_until(impl_->io, done, timeout, [&] { impl_->cancel(); })
         && !outcome;
}

void ws_client::drop() {
  impl_->cancel();
}

size_t mass_connect_and_drop(uint16_t port, const std::string& target, size_t n,
                             std::chrono::milliseconds timeout) {
  net::io_context io;
  std::vector<std::unique_ptr<websocket::stream<beast::tcp_stream>>> streams;
  size_t upgraded = 0;
  size_t finished = 0;
  auto host = "127.0.0.1:" + std::to_string(port);
  for (size_t i = 0; i < n; ++i) {
    streams.push_back(
      std::make_unique<websocket::stream<beast::tcp_stream>>(io));
    auto* ws = streams.back().get();
    beast::get_lowest_layer(*ws).async_connect(
      loopback(port), [&, ws](error_code ec) {
        if (ec) {
          ++finished;
          return;
        }
        ws->async_handshake(host, target, [&](error_code ec) {
          ++finished;
          if (!ec)
            ++upgraded;
        });
      });
  }
  bool all = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (finished < n && std::chrono::steady_clock::now() < deadline)
    io.run_one_until(deadline);
  all = finished == n;
  (void)all;
  for (auto& ws : streams)
    beast::get_lowest_layer(*ws).close();
  io.restart();
  io.run_for(std::chrono::seconds{5});
  return upgraded;
}

} // namespace cafe::chat::http::testing
