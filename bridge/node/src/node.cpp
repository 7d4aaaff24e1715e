#include "cafe/node/node.hpp"

#include "cafe/handshake/cookie.hpp"
#include "cafe/handshake/node_name.hpp"
#include "cafe/log.hpp"
#include "cafe/node/mailbox.hpp"
#include "net_kernel.hpp"
#include "node_impl.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <future>
#include <netdb.h>
#include <unistd.h>

namespace cafe::node {

local_process::~local_process() {
  // nop
}

std::string_view host_of(std::string_view node_name) {
  auto at = node_name.find('@');
  return at == std::string_view::npos ? std::string_view{}
                                      : node_name.substr(at + 1);
}

std::string_view alive_of(std::string_view node_name) {
  return node_name.substr(0, node_name.find('@'));
}

namespace {

using namespace std::chrono_literals;

/// Completes `alive` to `alive@host` the way `erl` does.
expected<std::string, std::string> full_name(const config& cfg) {
  if (cfg.name.find('@') != std::string::npos)
    return cfg.name;
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0)
    return unexpected{std::string{"cannot read the host name"}};
  std::string host = buf;
  if (!cfg.long_names)
    return cfg.name + "@" + host.substr(0, host.find('.'));
  if (host.find('.') == std::string::npos)
    return unexpected{"the host name " + host
                      + " is not fully qualified: give --name alive@host"};
  return cfg.name + "@" + host;
}

/// `address`, plus the loopback addresses `host` resolves to when
/// `address` is loopback itself. Debian maps the host name to 127.0.1.1:
/// peers that dial `name@host` must find EPMD and the listener there too.
std::vector<std::string> with_host_aliases(const std::string& address,
                                           std::string_view host) {
  std::vector<std::string> result{address};
  if (address.rfind("127.", 0) != 0 || host.empty())
    return result;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(std::string{host}.c_str(), nullptr, &hints, &found) != 0)
    return result;
  for (auto p = found; p != nullptr; p = p->ai_next) {
    char text[INET_ADDRSTRLEN] = {};
    auto sin = reinterpret_cast<const sockaddr_in*>(p->ai_addr);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    std::string alias = text;
    if (alias.rfind("127.", 0) == 0
        && std::find(result.begin(), result.end(), alias) == result.end())
      result.push_back(alias);
  }
  freeaddrinfo(found);
  return result;
}

} // namespace

expected<std::shared_ptr<node>, std::string>
node::start(boost::asio::io_context& io, config cfg) {
  auto ptr = std::make_shared<impl>(io, cfg);
  auto& log = cafe::logger();
  // Name.
  auto name = full_name(cfg);
  if (!name)
    return unexpected{name.error()};
  auto domain = cfg.long_names ? handshake::name_domain::longnames
                               : handshake::name_domain::shortnames;
  if (auto ok = handshake::validate_node_name(*name, domain); !ok)
    return unexpected{"invalid node name " + *name + ": " + ok.error().detail};
  ptr->name_text = *name;
  ptr->name = etf::atom{*name};
  // Cookie.
  if (!cfg.cookie.empty()) {
    ptr->cookie = cfg.cookie;
  } else {
    auto cookie = handshake::read_or_create_cookie();
    if (!cookie)
      return unexpected{"no cookie: " + cookie.error().detail};
    ptr->cookie = *cookie;
  }
  // EPMD: use a running one, else start our own.
  if (!connection::epmd_client::reachable(io, cfg.epmd_address, cfg.epmd_port,
                                          2s)) {
    if (!cfg.embedded_epmd)
      return unexpected{"no epmd answers on " + cfg.epmd_address + ":"
                        + std::to_string(cfg.epmd_port)};
    auto addresses = with_host_aliases(cfg.epmd_address, host_of(*name));
    auto srv = connection::epmd_server::start(io, addresses, cfg.epmd_port);
    if (!srv)
      return unexpected{srv.error()};
    ptr->epmd = *srv;
    log.info("epmd: none running, started an embedded one on port {}",
             cfg.epmd_port);
  }
  // Listen first: EPMD needs the port, and the handshakes need the creation
  // EPMD hands out. Peers wait in the backlog until the listener runs.
  auto lst = connection::listener::bind(
    io, with_host_aliases(cfg.listen_address, host_of(*name)), cfg.listen_port);
  // Whatever started so far must not outlive a failed start.
  auto fail = [&ptr](std::string why) {
    if (ptr->listener)
      ptr->listener->stop();
    if (ptr->epmd)
      ptr->epmd->stop();
    return unexpected{std::move(why)};
  };
  if (!lst)
    return fail(lst.error());
  ptr->listener = *lst;
  epmd::node_info info;
  info.name = std::string{alive_of(ptr->name_text)};
  info.port = ptr->listener->port();
  auto reg = connection::epmd_client::register_node(io, cfg.epmd_address,
                                                    cfg.epmd_port, info, 5s);
  if (!reg)
    return fail(reg.error());
  ptr->creation = (*reg)->creation();
  ptr->registration = std::move(*reg);
  ptr->settings = cfg.connection;
  ptr->settings.ticktime = cfg.ticktime;
  ptr->settings.busy_limit = cfg.busy_limit;
  ptr->settings.handshake.node = ptr->name_text;
  ptr->settings.handshake.cookie = ptr->cookie;
  ptr->settings.handshake.hidden = cfg.hidden;
  ptr->settings.handshake.creation = ptr->creation;
  std::shared_ptr<node> result{new node(ptr)};
  ptr->self = result;
  ptr->listener->run(ptr->settings, ptr);
  // The BEAM's net_kernel, as far as peers need it.
  auto nk = std::make_shared<net_kernel>(result);
  result->add_process(nk->self(), nk);
  result->register_name(etf::atom{"net_kernel"}, nk->self());
  log.info("node {} up: listening on port {}, creation {}", ptr->name_text,
           info.port, ptr->creation);
  return result;
}

node::node(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

node::~node() {
  stop();
}

void node::stop() {
  std::vector<std::shared_ptr<connection::dist_connection>> conns;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    impl_->stopped = true;
    for (auto& [peer, st] : impl_->peers)
      if (st.conn)
        conns.push_back(st.conn);
  }
  if (impl_->listener)
    impl_->listener->stop();
  for (auto& c : conns)
    c->close("node stopped");
  if (impl_->registration)
    impl_->registration->close();
  if (impl_->epmd)
    impl_->epmd->stop();
}

etf::atom node::name() const noexcept {
  return impl_->name;
}

uint32_t node::creation() const noexcept {
  return impl_->creation;
}

uint16_t node::port() const noexcept {
  return impl_->listener ? impl_->listener->port() : 0;
}

const std::string& node::cookie() const noexcept {
  return impl_->cookie;
}

bool node::runs_embedded_epmd() const noexcept {
  return impl_->epmd != nullptr;
}

etf::pid node::make_pid() {
  // The classic layout (15-bit number, 13-bit serial) keeps our pids
  // printable and valid for peers with or without V4_NC.
  auto n = impl_->next_pid.fetch_add(1);
  etf::pid p;
  p.node = impl_->name;
  p.id = static_cast<uint32_t>(n & 0x7FFF);
  p.serial = static_cast<uint32_t>((n >> 15) & 0x1FFF);
  p.creation = impl_->creation;
  return p;
}

etf::reference node::make_ref() {
  auto n = impl_->next_ref.fetch_add(1);
  etf::reference r;
  r.node = impl_->name;
  r.creation = impl_->creation;
  r.size = 3;
  r.words = {static_cast<uint32_t>(n & 0x3FFFF), static_cast<uint32_t>(n >> 18),
             impl_->creation, 0, 0};
  return r;
}

std::shared_ptr<mailbox> node::make_mailbox(std::optional<std::string> name) {
  auto mb = std::make_shared<mailbox>(weak_from_this(), make_pid());
  add_process(mb->self(), mb);
  if (name)
    register_name(etf::atom{*name}, mb->self());
  return mb;
}

void node::add_process(const etf::pid& pid,
                       std::shared_ptr<local_process> proc) {
  std::lock_guard guard{impl_->mtx};
  impl_->procs[pid] = std::move(proc);
}

void node::remove_process(const etf::pid& pid, const etf::term& reason) {
  impl_->process_down(pid, reason);
}

bool node::register_name(etf::atom name, const etf::pid& pid) {
  std::lock_guard guard{impl_->mtx};
  return impl_->names.emplace(name, pid).second;
}

void node::unregister_name(etf::atom name) {
  std::lock_guard guard{impl_->mtx};
  impl_->names.erase(name);
}

std::optional<etf::pid> node::whereis(etf::atom name) const {
  std::lock_guard guard{impl_->mtx};
  if (auto i = impl_->names.find(name); i != impl_->names.end())
    return i->second;
  return std::nullopt;
}

size_t node::process_count() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->procs.size();
}

send_status node::send(const etf::pid& from, const etf::pid& to,
                       const etf::term& msg, bool force) {
  if (impl_->is_local(to)) {
    impl_->deliver_local(to, from, msg);
    return send_status::ok;
  }
  if (to.node == impl_->name)
    return send_status::ok; // an old incarnation of us: dropped, like OTP
  return impl_->send_message(from, to, msg, force);
}

send_status node::send(const etf::pid& from, etf::atom name, etf::atom to_node,
                       const etf::term& msg, bool force) {
  if (to_node == impl_->name) {
    if (auto pid = whereis(name))
      impl_->deliver_local(*pid, from, msg);
    return send_status::ok;
  }
  return impl_->send_control(to_node, dist::reg_send{from, etf::atom{}, name},
                             &msg, force);
}

send_status node::send_to_alias(const etf::pid& from,
                                const etf::reference& alias,
                                const etf::term& msg, bool force) {
  // cafe hands out no aliases of its own: a local alias names nothing.
  if (alias.node == impl_->name)
    return send_status::ok;
  return impl_->send_control(alias.node, dist::alias_send{from, alias}, &msg,
                             force);
}

bool node::wait_writable(etf::atom peer, std::chrono::milliseconds timeout) {
  auto conn = connection_to(peer);
  return conn && conn->wait_writable(timeout);
}

void node::link(const etf::pid& from, const etf::pid& to) {
  impl_->link(from, to);
}

void node::unlink(const etf::pid& from, const etf::pid& to) {
  impl_->unlink(from, to);
}

etf::reference node::monitor(const etf::pid& from, const etf::term& to,
                             etf::atom to_node) {
  return impl_->monitor(from, to, to_node, make_ref());
}

void node::monitor(const etf::pid& from, const etf::term& to, etf::atom to_node,
                   const etf::reference& ref) {
  impl_->monitor(from, to, to_node, ref);
}

void node::demonitor(const etf::pid& from, const etf::reference& ref) {
  impl_->demonitor(from, ref);
}

void node::exit(const etf::pid& from, const etf::pid& to,
                const etf::term& reason) {
  impl_->exit2(from, to, reason);
}

void node::connect(etf::atom peer, std::function<void(bool)> done) {
  if (peer == impl_->name) {
    done(true);
    return;
  }
  std::unique_lock guard{impl_->mtx};
  auto& st = impl_->peers[peer];
  if (st.up) {
    guard.unlock();
    done(true);
    return;
  }
  st.waiters.push_back(std::move(done));
  impl_->connect_locked(peer);
}

bool node::connect(etf::atom peer, std::chrono::milliseconds timeout) {
  auto result = std::make_shared<std::promise<bool>>();
  auto fut = result->get_future();
  connect(peer, [result](bool ok) { result->set_value(ok); });
  if (fut.wait_for(timeout) != std::future_status::ready)
    return false;
  return fut.get();
}

bool node::disconnect(etf::atom peer) {
  auto conn = connection_to(peer);
  if (!conn)
    return false;
  conn->close("disconnected");
  return true;
}

std::vector<etf::atom> node::nodes(bool hidden) const {
  std::vector<etf::atom> result;
  std::lock_guard guard{impl_->mtx};
  for (auto& [peer, st] : impl_->peers) {
    if (!st.up)
      continue;
    auto published = (st.conn->flags() & dist::flag::published) != 0;
    if (published || hidden)
      result.push_back(peer);
  }
  return result;
}

bool node::ping(etf::atom peer, std::chrono::milliseconds timeout) {
  if (peer == impl_->name)
    return true;
  auto start = std::chrono::steady_clock::now();
  if (!connect(peer, timeout))
    return false;
  // net_adm:ping is a gen:call to net_kernel with {is_auth, node()}.
  auto mb = make_mailbox();
  auto ref = make_ref();
  auto req = etf::make_tuple(etf::atom{"$gen_call"},
                             etf::make_tuple(mb->self(), ref),
                             etf::make_tuple(etf::atom{"is_auth"}, name()));
  bool pong = false;
  if (mb->send(etf::atom{"net_kernel"}, peer, req)) {
    auto left = timeout
                - std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start);
    auto reply = mb->receive_if(
      [&ref](const etf::term& x) {
        auto t = x.get_if<etf::tuple>();
        return t && t->size() == 2 && t->elements[0] == etf::term{ref};
      },
      std::max(left, std::chrono::milliseconds{0}));
    pong = reply && reply->get<etf::tuple>()[1] == etf::term{etf::atom{"yes"}};
  }
  mb->close(etf::atom{"normal"});
  if (!pong)
    disconnect(peer);
  return pong;
}

void node::monitor_nodes(std::function<void(etf::atom, bool)> fn) {
  std::lock_guard guard{impl_->mtx};
  impl_->node_watchers.push_back(std::move(fn));
}

std::shared_ptr<connection::dist_connection>
node::connection_to(etf::atom peer) {
  std::lock_guard guard{impl_->mtx};
  if (auto i = impl_->peers.find(peer); i != impl_->peers.end())
    return i->second.conn;
  return nullptr;
}

// -- sending
// -------------------------------------------------------------------

dist::flags_t node::impl::flags_of(etf::atom peer) const {
  std::lock_guard guard{mtx};
  if (auto i = peers.find(peer); i != peers.end() && i->second.up)
    return i->second.flags;
  return 0;
}

send_status node::impl::send_message(const etf::pid& from, const etf::pid& to,
                                     const etf::term& msg, bool force) {
  std::shared_ptr<connection::dist_connection> conn;
  dist::flags_t fs = 0;
  {
    std::lock_guard guard{mtx};
    if (auto i = peers.find(to.node); i != peers.end() && i->second.up) {
      conn = i->second.conn;
      fs = i->second.flags;
    }
  }
  // Not up yet: queued (and connected) by send_control; SEND is what every
  // peer understands.
  if (!conn)
    return send_control(to.node, dist::send{etf::atom{}, to}, &msg, force);
  // SEND_SENDER tells the receiver who sent; SEND is for old peers.
  if (fs & dist::flag::send_sender)
    return conn->send(dist::send_sender{from, to}, &msg, force);
  return conn->send(dist::send{etf::atom{}, to}, &msg, force);
}

send_status node::impl::send_control(etf::atom peer, dist::control_message ctl,
                                     const etf::term* payload, bool force) {
  std::unique_lock guard{mtx};
  if (stopped)
    return send_status::closed;
  auto& st = peers[peer];
  if (st.up) {
    auto conn = st.conn;
    guard.unlock();
    return conn->send(ctl, payload, force);
  }
  if (!force && st.queue.size() >= cfg.max_pending_messages)
    return send_status::busy;
  st.queue.push_back({std::move(ctl), payload
                                        ? std::optional<etf::term>{*payload}
                                        : std::optional<etf::term>{}});
  connect_locked(peer);
  return send_status::ok;
}

void node::impl::connect_locked(etf::atom peer) {
  auto& st = peers[peer];
  if (st.conn || st.connecting || stopped)
    return;
  st.connecting = true;
  auto host = std::string{host_of(peer.text())};
  auto alive = std::string{alive_of(peer.text())};
  auto weak = weak_from_this();
  connection::epmd_client::async_port_please(
    io, host, cfg.epmd_port, alive, settings.setup_time,
    [weak, peer, host](expected<epmd::node_info, std::string> res) {
      auto self = weak.lock();
      if (!self)
        return;
      if (!res) {
        cafe::logger().warn("dist: cannot connect to {}: {}", peer.text(),
                            res.error());
        self->connect_failed(peer);
        return;
      }
      std::lock_guard guard{self->mtx};
      auto i = self->peers.find(peer);
      if (i == self->peers.end() || i->second.conn || self->stopped)
        return;
      i->second.connecting = false;
      i->second.conn = connection::dist_connection::connect(
        self->io, self->settings, self, std::string{peer.text()}, host,
        res->port);
    });
}

void node::impl::connect_failed(etf::atom peer) {
  std::vector<std::function<void(bool)>> waiters;
  {
    std::lock_guard guard{mtx};
    auto i = peers.find(peer);
    if (i == peers.end() || i->second.conn)
      return;
    waiters = std::move(i->second.waiters);
    peers.erase(i);
  }
  for (auto& w : waiters)
    w(false);
  node_down(peer);
}

} // namespace cafe::node
