#include "cafe/epmd/client.hpp"

#include "cafe/epmd/reply_reader.hpp"
#include "cafe/epmd/requests.hpp"
#include "cafe/log.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <future>

namespace cafe::epmd {

registration::~registration() {
  // nop
}

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// One request/reply exchange with EPMD: resolve, connect, write, read
/// until the reply is complete (or EPMD closes), all under one deadline.
/// For ALIVE2 the socket is handed over afterwards, since closing it would
/// unregister the node.
template <class Reply>
class exchange : public std::enable_shared_from_this<exchange<Reply>> {
public:
  using result_type = expected<Reply, std::string>;
  using callback = std::function<void(result_type, tcp::socket*)>;

  exchange(asio::io_context& io, std::vector<uint8_t> request, callback done)
    : strand_(asio::make_strand(io)), resolver_(strand_), socket_(strand_),
      timer_(strand_), request_(std::move(request)), done_(std::move(done)) {
    // nop
  }

  void run(const std::string& host, uint16_t port,
           std::chrono::milliseconds timeout) {
    auto self = this->shared_from_this();
    asio::post(strand_, [self, host, port, timeout] {
      self->timer_.expires_after(timeout);
      self->timer_.async_wait([self](auto ec) {
        if (!ec)
          self->finish(unexpected{std::string{"epmd did not answer in time"}});
      });
      self->resolver_.async_resolve(
        host, std::to_string(port),
        [self, host, port](auto ec, tcp::resolver::results_type eps) {
          if (ec)
            return self->finish(
              unexpected{"cannot resolve " + host + ": " + ec.message()});
          asio::async_connect(
            self->socket_, eps, [self, host, port](auto ec, const auto&) {
              if (ec)
                return self->finish(unexpected{"cannot reach epmd at " + host
                                               + ":" + std::to_string(port)
                                               + ": " + ec.message()});
              asio::async_write(self->socket_, asio::buffer(self->request_),
                                [self](auto ec, size_t) {
                                  if (ec)
                                    return self->finish(unexpected{
                                      "epmd write failed: " + ec.message()});
                                  self->do_read();
                                });
            });
        });
    });
  }

private:
  void do_read() {
    auto self = this->shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [self](auto ec, size_t n) {
      auto res = ec ? self->reader_.finish()
                    : self->reader_.feed({self->buf_.data(), n});
      if (!res)
        return self->finish(unexpected{std::string{"bad reply from epmd: "}
                                       + std::string{to_string(res.error())}});
      if (*res)
        return self->finish(std::move(**res));
      if (ec)
        return self->finish(
          unexpected{"epmd closed the connection: " + ec.message()});
      self->do_read();
    });
  }

  void finish(result_type res) {
    if (!done_)
      return;
    timer_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(res), &socket_);
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::vector<uint8_t> request_;
  callback done_;
  std::array<uint8_t, 4096> buf_{};
  reply_reader<Reply> reader_;
};

template <class Reply>
void run_exchange(asio::io_context& io, const request& req,
                  const std::string& host, uint16_t port,
                  std::chrono::milliseconds timeout,
                  typename exchange<Reply>::callback done) {
  auto bytes = to_bytes(req);
  if (!bytes) {
    done(unexpected{std::string{"invalid epmd request: "}
                    + std::string{to_string(bytes.error())}},
         nullptr);
    return;
  }
  auto ex = std::make_shared<exchange<Reply>>(io, std::move(*bytes),
                                              std::move(done));
  ex->run(host, port, timeout);
}

/// The registration socket, moved out of its exchange. A read that never
/// completes watches it: EPMD closing it means the node is unregistered.
/// The socket is closed on its own executor, by a handler that owns it, so
/// the registration may go away at once.
class tcp_registration : public registration {
public:
  tcp_registration(tcp::socket sock, uint32_t creation)
    : socket_(std::make_shared<tcp::socket>(std::move(sock))) {
    creation_ = creation;
  }

  ~tcp_registration() override {
    close();
  }

  void close() override {
    asio::post(socket_->get_executor(), [sock = socket_] {
      boost::system::error_code ignored;
      sock->close(ignored);
    });
  }

private:
  std::shared_ptr<tcp::socket> socket_;
};

} // namespace

namespace client {

expected<std::unique_ptr<registration>, std::string>
register_node(boost::asio::io_context& io, const std::string& address,
              uint16_t epmd_port, const node_info& node,
              std::chrono::milliseconds timeout) {
  using result = expected<std::unique_ptr<registration>, std::string>;
  std::promise<result> promise;
  run_exchange<alive2_resp>(
    io, alive2_req{node}, address, epmd_port, timeout,
    [&promise, &node](expected<alive2_resp, std::string> res,
                      tcp::socket* sock) {
      if (!res)
        return promise.set_value(unexpected{res.error()});
      auto creation = creation_of(*res);
      if (!creation)
        return promise.set_value(
          unexpected{"epmd refused to register " + node.name
                     + " (the name is in use or invalid)"});
      auto reg = std::make_unique<tcp_registration>(std::move(*sock),
                                                    *creation);
      promise.set_value(result{std::move(reg)});
    });
  return promise.get_future().get();
}

void async_port_please(
  boost::asio::io_context& io, const std::string& host, uint16_t epmd_port,
  const std::string& name, std::chrono::milliseconds timeout,
  std::function<void(expected<node_info, std::string>)> done) {
  run_exchange<port2_resp>(
    io, port_please2_req{name}, host, epmd_port, timeout,
    [done = std::move(done), name](expected<port2_resp, std::string> res,
                                   tcp::socket*) {
      if (!res)
        return done(unexpected{res.error()});
      auto info = node_of(*res);
      if (!info)
        return done(unexpected{"epmd knows no node named " + name});
      done(std::move(*info));
    });
}

expected<node_info, std::string>
port_please(boost::asio::io_context& io, const std::string& host,
            uint16_t epmd_port, const std::string& name,
            std::chrono::milliseconds timeout) {
  std::promise<expected<node_info, std::string>> promise;
  async_port_please(io, host, epmd_port, name, timeout, [&promise](auto res) {
    promise.set_value(std::move(res));
  });
  return promise.get_future().get();
}

void async_names(boost::asio::io_context& io, const std::string& host,
                 uint16_t epmd_port, std::chrono::milliseconds timeout,
                 std::function<void(expected<names_resp, std::string>)> done) {
  run_exchange<names_resp>(io, names_req{}, host, epmd_port, timeout,
                           [done = std::move(done)](auto res, tcp::socket*) {
                             done(std::move(res));
                           });
}

expected<names_resp, std::string>
names(boost::asio::io_context& io, const std::string& host, uint16_t epmd_port,
      std::chrono::milliseconds timeout) {
  std::promise<expected<names_resp, std::string>> promise;
  async_names(io, host, epmd_port, timeout,
              [&promise](auto res) { promise.set_value(std::move(res)); });
  return promise.get_future().get();
}

bool reachable(boost::asio::io_context& io, const std::string& address,
               uint16_t port, std::chrono::milliseconds timeout) {
  auto res = names(io, address, port, timeout);
  return res.has_value();
}

} // namespace client

} // namespace cafe::epmd
