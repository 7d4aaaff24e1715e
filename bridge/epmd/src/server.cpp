#include "cafe/epmd/server.hpp"

#include "cafe/epmd/registry.hpp"
#include "cafe/epmd/session.hpp"
#include "cafe/log.hpp"
#include "cafe/net/acceptors.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <unordered_map>

namespace cafe::epmd {

server::~server() {
  // nop
}

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool is_local(const tcp::endpoint& peer) {
  auto addr = peer.address();
  if (addr.is_loopback())
    return true;
  if (addr.is_v4())
    return (addr.to_v4().to_uint() >> 24) == 127;
  return false;
}

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

class server_impl;

/// One accepted EPMD connection. All server state lives on one strand, so
/// the registry needs no lock.
class server_session : public std::enable_shared_from_this<server_session> {
public:
  server_session(std::shared_ptr<server_impl> srv, tcp::socket sock,
                 connection_id id, bool local)
    : srv_(std::move(srv)), socket_(std::move(sock)), session_(id, local) {
    // nop
  }

  void start() {
    do_read();
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  connection_id id() const noexcept {
    return session_.id();
  }

private:
  void do_read();
  void on_read(boost::system::error_code ec, size_t n);
  void finish();

  std::shared_ptr<server_impl> srv_;
  tcp::socket socket_;
  session session_;
  std::array<uint8_t, 2048> buf_{};
  bool finished_ = false;
};

class server_impl : public server,
                    public std::enable_shared_from_this<server_impl> {
public:
  explicit server_impl(asio::io_context& io) : strand_(asio::make_strand(io)) {
    // nop
  }

  expected<void, std::string> bind(const std::vector<std::string>& addresses,
                                   uint16_t port) {
    auto res = net::listen_on(strand_, addresses, port, acceptors_);
    if (!res)
      return unexpected{"cannot start the embedded epmd: " + res.error()};
    port_ = *res;
    epmd::registry::config cfg;
    cfg.port = port_;
    registry_ = epmd::registry{cfg};
    return {};
  }

  uint16_t port() const noexcept override {
    return port_;
  }

  asio::strand<asio::io_context::executor_type>& executor() {
    return strand_;
  }

  void stop() override {
    asio::post(strand_, [self = shared_from_this()] {
      for (auto& acc : self->acceptors_) {
        boost::system::error_code ignored;
        acc.close(ignored);
      }
      for (auto& [id, s] : self->sessions_)
        if (auto ptr = s.lock())
          ptr->close();
      self->sessions_.clear();
    });
  }

  void do_accept_all() {
    for (auto& acc : acceptors_)
      do_accept(acc);
  }

  void do_accept(tcp::acceptor& acc) {
    // Accepted sockets share the server strand: the registry is one table
    // that every session reads and writes.
    acc.async_accept(strand_, [self = shared_from_this(),
                               &acc](auto ec, tcp::socket sock) {
      if (ec == asio::error::operation_aborted)
        return;
      if (!ec) {
        boost::system::error_code pec;
        auto peer = sock.remote_endpoint(pec);
        bool local = !pec && is_local(peer);
        auto id = ++self->next_id_;
        auto s = std::make_shared<server_session>(self, std::move(sock), id,
                                                  local);
        self->sessions_[id] = s;
        s->start();
      }
      if (acc.is_open())
        self->do_accept(acc);
    });
  }

  epmd::registry& registry() {
    return registry_;
  }

  void forget(connection_id id) {
    sessions_.erase(id);
  }

  void close_session(connection_id id) {
    if (auto i = sessions_.find(id); i != sessions_.end())
      if (auto s = i->second.lock())
        s->close();
  }

  void log_changes(const std::vector<registry_change>& changes) {
    for (auto& ch : changes) {
      if (auto r = std::get_if<registered>(&ch))
        cafe::logger().info("epmd: registered {} at port {} (creation {})",
                            r->name, r->port, r->creation);
      else if (auto u = std::get_if<unregistered>(&ch))
        cafe::logger().info("epmd: unregistered {}", u->name);
    }
  }

private:
  asio::strand<asio::io_context::executor_type> strand_;
  // Never resized after `bind`: handlers keep references to the elements.
  std::vector<tcp::acceptor> acceptors_;
  uint16_t port_ = 0;
  epmd::registry registry_;
  connection_id next_id_ = 0;
  std::unordered_map<connection_id, std::weak_ptr<server_session>> sessions_;
};

void server_session::do_read() {
  socket_.async_read_some(asio::buffer(buf_),
                          [self = shared_from_this()](auto ec, size_t n) {
                            self->on_read(ec, n);
                          });
}

void server_session::on_read(boost::system::error_code ec, size_t n) {
  if (ec)
    return finish();
  auto out = session_.feed(srv_->registry(), {buf_.data(), n}, now_seconds());
  srv_->log_changes(out.changes);
  if (out.close_connection)
    srv_->close_session(*out.close_connection);
  if (out.stop_server)
    srv_->stop();
  if (out.reply.empty()) {
    if (out.close)
      return finish();
    return do_read();
  }
  auto reply = std::make_shared<std::vector<uint8_t>>(std::move(out.reply));
  asio::async_write(socket_, asio::buffer(*reply),
                    [self = shared_from_this(), reply,
                     close = out.close](auto ec, size_t) {
                      if (ec || close)
                        return self->finish();
                      self->do_read();
                    });
}

void server_session::finish() {
  if (finished_)
    return;
  finished_ = true;
  if (auto change = session_.closed(srv_->registry()))
    srv_->log_changes({*change});
  srv_->forget(session_.id());
  boost::system::error_code ignored;
  socket_.close(ignored);
}

} // namespace

expected<std::shared_ptr<server>, std::string>
server::start(boost::asio::io_context& io,
              const std::vector<std::string>& addresses, uint16_t port) {
  // epmd's rules for ERL_EPMD_ADDRESS: none given means every interface;
  // a list is completed with the loopback address.
  std::vector<std::string> where = addresses;
  if (where.empty())
    where.push_back("0.0.0.0");
  auto any = std::any_of(where.begin(), where.end(), net::is_any_address);
  if (!any && std::find(where.begin(), where.end(), "127.0.0.1") == where.end())
    where.insert(where.begin(), "127.0.0.1");
  auto srv = std::make_shared<server_impl>(io);
  if (auto res = srv->bind(where, port); !res)
    return unexpected{res.error()};
  asio::post(srv->executor(), [srv] { srv->do_accept_all(); });
  return std::shared_ptr<server>{srv};
}

} // namespace cafe::epmd
