#include "cafe/discovery/dns_resolver.hpp"

#include <ares.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <poll.h>
#include <vector>

namespace cafe::discovery {

namespace {

// RFC 1035 / RFC 3596 / RFC 2782 numbers.
constexpr int class_in = 1;

int record_type(dns_type x) {
  switch (x) {
    case dns_type::a: return 1;
    case dns_type::aaaa: return 28;
    default: return 33;
  }
}

/// Whether `fd` is ready for `events` right now.
bool ready_now(int fd, short events) {
  pollfd pfd{fd, events, 0};
  return ::poll(&pfd, 1, 0) > 0 && (pfd.revents & (events | POLLERR)) != 0;
}

std::once_flag library_once;

} // namespace

struct dns_resolver::impl : std::enable_shared_from_this<impl> {
  /// One descriptor c-ares asked us to watch.
  struct watch {
    watch(boost::asio::io_context& io, int fd) : fd(fd), descriptor(io) {
      boost::system::error_code ec;
      descriptor.assign(fd, ec);
      ok = !ec;
    }

    int fd;
    /// Borrowed: c-ares owns and closes the socket; released before then.
    boost::asio::posix::stream_descriptor descriptor;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
    /// Whether Asio watches it (else c-ares times the query out).
    bool ok = false;
  };

  /// A query in flight: c-ares' `arg`.
  struct pending {
    std::weak_ptr<impl> owner;
    handler done;
  };

  explicit impl(boost::asio::io_context& io) : io(io), timer(io) {
    // nop
  }

  ~impl() {
    std::lock_guard guard{mtx};
    destroy_channel();
  }

  // -- c-ares callbacks (always inside a c-ares call, under `mtx`) -----------

  static void on_sock_state(void* data, ares_socket_t fd, int readable,
                            int writable) {
    static_cast<impl*>(data)->sock_state(fd, readable != 0, writable != 0);
  }

  static void on_reply(void* arg, int status, int, unsigned char* abuf,
                       int alen) {
    std::unique_ptr<pending> req{static_cast<pending*>(arg)};
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
      return; // closed: nobody waits any more
    auto owner = req->owner.lock();
    if (!owner)
      return;
    std::vector<uint8_t> bytes;
    if (abuf != nullptr && alen > 0)
      bytes.assign(abuf, abuf + alen);
    // Never call back inside a c-ares call: the caller may be holding its
    // own lock around `query`, and the channel is ours until we return.
    boost::asio::post(owner->io,
                      [weak = req->owner, done = std::move(req->done), status,
                       bytes = std::move(bytes)] {
                        auto self = weak.lock();
                        if (!self)
                          return;
                        {
                          std::lock_guard guard{self->mtx};
                          if (self->channel == nullptr)
                            return;
                        }
                        done(status, bytes);
                      });
  }

  void sock_state(int fd, bool readable, bool writable) {
    if (!readable && !writable) {
      // c-ares closes the socket next: stop watching it first.
      if (auto i = watches.find(fd); i != watches.end()) {
        i->second->descriptor.release();
        watches.erase(i);
      }
      return;
    }
    auto& w = watches[fd];
    if (!w)
      w = std::make_shared<watch>(io, fd);
    if (!w->ok)
      return;
    w->want_read = readable;
    w->want_write = writable;
    arm(w);
  }

  // -- driving the channel (under `mtx`) -------------------------------------

  bool current(const std::shared_ptr<watch>& w) const {
    auto i = watches.find(w->fd);
    return i != watches.end() && i->second == w;
  }

  void arm(const std::shared_ptr<watch>& w) {
    using boost::asio::posix::descriptor_base;
    std::weak_ptr<impl> weak = shared_from_this();
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->descriptor.async_wait(descriptor_base::wait_read,
                               [weak, w](boost::system::error_code ec) {
                                 if (auto self = weak.lock())
                                   self->on_ready(w, true, ec);
                               });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->descriptor.async_wait(descriptor_base::wait_write,
                               [weak, w](boost::system::error_code ec) {
                                 if (auto self = weak.lock())
                                   self->on_ready(w, false, ec);
                               });
    }
  }

  void on_ready(const std::shared_ptr<watch>& w, bool read,
                boost::system::error_code ec) {
    std::lock_guard guard{mtx};
    (read ? w->reading : w->writing) = false;
    if (ec || channel == nullptr || !current(w))
      return;
    process(w->fd, read);
    // Asio's reactor is edge-triggered and keeps no readiness for a wait
    // that was not queued yet: re-arm first, then look once more, so that
    // a reply arriving between c-ares' last read and the re-arm is not
    // left until the next timeout.
    for (int i = 0; i < 8 && current(w); ++i) {
      arm(w);
      auto more = read ? w->want_read && ready_now(w->fd, POLLIN)
                       : w->want_write && ready_now(w->fd, POLLOUT);
      if (!more)
        break;
      process(w->fd, read);
    }
    reset_timer();
  }

  void process(int fd, bool read) {
    ares_process_fd(channel, read ? fd : ARES_SOCKET_BAD,
                    read ? ARES_SOCKET_BAD : fd);
  }

  void reset_timer() {
    if (channel == nullptr)
      return;
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv) == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds{tv.tv_sec}
                        + std::chrono::microseconds{tv.tv_usec});
    std::weak_ptr<impl> weak = shared_from_this();
    timer.async_wait([weak](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec)
        self->on_timeout();
    });
  }

  void on_timeout() {
    std::lock_guard guard{mtx};
    if (channel == nullptr)
      return;
    ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    reset_timer();
  }

  void destroy_channel() {
    if (channel == nullptr)
      return;
    // Calls back every pending query (ARES_EDESTRUCTION) and reports each
    // socket closed (sock_state with nothing to watch) before closing it.
    ares_destroy(channel);
    channel = nullptr;
    for (auto& [fd, w] : watches)
      w->descriptor.release();
    watches.clear();
    timer.cancel();
  }

  boost::asio::io_context& io;
  mutable std::mutex mtx;
  ares_channel channel = nullptr;
  boost::asio::steady_timer timer;
  std::map<int, std::shared_ptr<watch>> watches;
};

expected<std::unique_ptr<dns_resolver>, std::string>
dns_resolver::make(boost::asio::io_context& io, dns_resolver_options opts) {
  std::call_once(library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  auto ptr = std::make_shared<impl>(io);
  ares_options ao{};
  ao.sock_state_cb = &impl::on_sock_state;
  ao.sock_state_cb_data = ptr.get();
  ao.timeout = static_cast<int>(opts.timeout.count());
  ao.tries = opts.tries;
  auto mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  std::lock_guard guard{ptr->mtx};
  if (auto rc = ares_init_options(&ptr->channel, &ao, mask);
      rc != ARES_SUCCESS) {
    ptr->channel = nullptr;
    return unexpected{std::string{"c-ares: "} + ares_strerror(rc)};
  }
  if (!opts.servers.empty()) {
    if (auto rc = ares_set_servers_ports_csv(ptr->channel,
                                             opts.servers.c_str());
        rc != ARES_SUCCESS) {
      ptr->destroy_channel();
      return unexpected{"bad DNS server list '" + opts.servers
                        + "' (want HOST:PORT[,HOST:PORT]): "
                        + ares_strerror(rc)};
    }
  }
  return std::unique_ptr<dns_resolver>{new dns_resolver(std::move(ptr))};
}

dns_resolver::dns_resolver(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

dns_resolver::~dns_resolver() {
  close();
}

void dns_resolver::query(const std::string& name, dns_type type, handler done) {
  std::lock_guard guard{impl_->mtx};
  if (impl_->channel == nullptr)
    return;
  auto req = new impl::pending{impl_, std::move(done)};
  ares_search(impl_->channel, name.c_str(), class_in, record_type(type),
              &impl::on_reply, req);
  impl_->reset_timer();
}

void dns_resolver::close() {
  std::lock_guard guard{impl_->mtx};
  impl_->destroy_channel();
}

size_t dns_resolver::open_sockets() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->watches.size();
}

} // namespace cafe::discovery
