#include "cafe/node/node.hpp"

#include "cafe/handshake/cookie.hpp"
#include "cafe/log.hpp"
#include "cafe/node/epmd_registrar.hpp"
#include "cafe/node/gen_call.hpp"
#include "cafe/node/mailbox.hpp"
#include "node_impl.hpp"

#include <algorithm>
#include <future>

namespace cafe::node {

local_process::~local_process() {
  // nop
}

namespace {

std::shared_ptr<registrar> default_registrar(boost::asio::io_context& io,
                                             const config& cfg) {
  epmd_settings epmd;
  epmd.address = cfg.epmd_address;
  epmd.port = cfg.epmd_port;
  epmd.embedded = cfg.embedded_epmd;
  epmd.listen_addresses = cfg.epmd_listen_addresses;
  if (cfg.erl_epmd_port != 0)
    return make_fixed_port_registrar(io, cfg.erl_epmd_port, std::move(epmd));
  return make_epmd_registrar(io, std::move(epmd));
}

} // namespace

expected<std::shared_ptr<node>, std::string>
node::start(boost::asio::io_context& io, config cfg) {
  auto ptr = std::make_shared<impl>(io, cfg);
  auto name = complete_node_name(cfg.name, cfg.long_names);
  if (!name)
    return unexpected{name.error()};
  ptr->name_text = *name;
  ptr->name = etf::atom{*name};
  if (!cfg.cookie.empty()) {
    ptr->cookie = cfg.cookie;
  } else {
    auto cookie = handshake::read_or_create_cookie();
    if (!cookie)
      return unexpected{"no cookie: " + cookie.error().detail};
    ptr->cookie = *cookie;
  }
  ptr->registrar = cfg.peer_registrar ? cfg.peer_registrar
                                      : default_registrar(io, cfg);
  // Listen first: the registrar needs the port, and the handshakes need the
  // creation it hands out. Peers wait in the backlog until the listener
  // runs.
  auto lst = connection::listener::bind(
    io, {cfg.listen_address}, ptr->registrar->listen_port(cfg.listen_port));
  if (!lst)
    return unexpected{lst.error()};
  ptr->listener = *lst;
  auto creation = ptr->registrar->announce(std::string{alive_of(*name)},
                                           ptr->listener->port());
  if (!creation) {
    ptr->listener->stop();
    return unexpected{creation.error()};
  }
  ptr->creation = *creation;
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
  logger().info("node {} up: listening on port {}, creation {}", ptr->name_text,
                ptr->listener->port(), ptr->creation);
  return result;
}

node::node(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

node::~node() {
  stop();
}

void node::on_stop(std::function<void()> fn) {
  {
    std::lock_guard guard{impl_->mtx};
    if (!impl_->stopped) {
      impl_->stop_hooks.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void node::stop() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    hooks.swap(impl_->stop_hooks);
  }
  for (auto i = hooks.rbegin(); i != hooks.rend(); ++i)
    (*i)();
  hooks.clear();
  std::vector<std::shared_ptr<connection::dist_connection>> conns;
  // Let go of the spawn server after the lock: it may own what owns us.
  spawn_server spawns;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->stopped)
      return;
    impl_->stopped = true;
    conns = impl_->peers.connections();
    spawns = std::move(impl_->spawns);
    impl_->spawns = nullptr;
  }
  if (impl_->listener)
    impl_->listener->stop();
  for (auto& c : conns)
    c->close("node stopped");
  impl_->registrar->withdraw();
}

etf::atom node::name() const noexcept {
  return impl_->name;
}

uint32_t node::creation() const noexcept {
  return impl_->creation;
}

bool node::runs_embedded_epmd() const noexcept {
  return impl_->registrar->runs_embedded_epmd();
}

uint16_t node::port() const noexcept {
  return impl_->listener ? impl_->listener->port() : 0;
}

const std::string& node::cookie() const noexcept {
  return impl_->cookie;
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
  impl_->processes.add(pid, std::move(proc));
}

void node::remove_process(const etf::pid& pid, const etf::term& reason) {
  impl_->process_down(pid, reason);
}

bool node::register_name(etf::atom name, const etf::pid& pid) {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.register_name(name, pid);
}

void node::unregister_name(etf::atom name) {
  std::lock_guard guard{impl_->mtx};
  impl_->processes.unregister_name(name);
}

std::optional<etf::pid> node::whereis(etf::atom name) const {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.whereis(name);
}

size_t node::process_count() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.size();
}

std::vector<etf::pid> node::processes() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.pids();
}

std::vector<etf::atom> node::registered() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.names();
}

bool node::alive(const etf::pid& pid) const {
  std::lock_guard guard{impl_->mtx};
  return impl_->processes.contains(pid);
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

send_status node::send_noconnect(const etf::pid& from, const etf::pid& to,
                                 const etf::term& msg) {
  if (impl_->is_local(to) || to.node == impl_->name)
    return send(from, to, msg, true);
  return impl_->send_message(from, to, msg, true, false);
}

send_status node::send(const etf::pid& from, etf::atom name, etf::atom to_node,
                       const etf::term& msg, bool force) {
  if (to_node == impl_->name) {
    if (auto pid = whereis(name))
      impl_->deliver_local(*pid, from, msg);
    return send_status::ok;
  }
  return impl_->send_control(
    to_node, distribution::reg_send{from, etf::atom{}, name}, &msg, force);
}

send_status node::send_to_alias(const etf::pid& from,
                                const etf::reference& alias,
                                const etf::term& msg, bool force) {
  // cafe hands out no aliases of its own: a local alias names nothing.
  if (alias.node == impl_->name)
    return send_status::ok;
  return impl_->send_control(alias.node, distribution::alias_send{from, alias},
                             &msg, force);
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

void node::serve_spawns(spawn_server fn) {
  std::lock_guard guard{impl_->mtx};
  impl_->spawns = std::move(fn);
}

void node::spawned(const incoming_spawn& req, const etf::pid& pid) {
  impl_->spawned(req, pid);
}

void node::refuse_spawn(const incoming_spawn& req, etf::atom reason) {
  impl_->refuse_spawn(req, reason);
}

bool node::monitored(const etf::reference& ref) const {
  std::lock_guard guard{impl_->mtx};
  return impl_->monitors.holds_incoming(ref);
}

etf::reference node::spawn_request(const etf::pid& from, etf::atom to_node,
                                   etf::atom module, etf::atom function,
                                   etf::list args, spawn_options opts,
                                   const etf::pid& group_leader) {
  return impl_->spawn_request(from, to_node, module, function, std::move(args),
                              opts, group_leader, make_ref());
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
  if (impl_->peers.up(peer)) {
    guard.unlock();
    done(true);
    return;
  }
  impl_->peers.add_waiter(peer, std::move(done));
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
  std::lock_guard guard{impl_->mtx};
  return impl_->peers.up_nodes(hidden);
}

bool node::ping(etf::atom peer, std::chrono::milliseconds timeout) {
  if (peer == impl_->name)
    return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!connect(peer, timeout))
    return false;
  // net_adm:ping: gen:call(net_kernel, {is_auth, node()}) -> yes.
  auto mb = make_mailbox();
  auto res = gen_call(*mb, etf::atom{"net_kernel"}, peer,
                      etf::make_tuple(etf::atom{"is_auth"}, name()), deadline);
  mb->close(etf::atom{"normal"});
  auto pong = res.end == call_end::replied
              && res.value == etf::term{etf::atom{"yes"}};
  if (!pong)
    disconnect(peer);
  return pong;
}

void node::monitor_nodes(std::function<void(etf::atom, bool)> fn) {
  std::lock_guard guard{impl_->mtx};
  impl_->peers.watch(std::move(fn));
}

std::shared_ptr<connection::dist_connection>
node::connection_to(etf::atom peer) {
  std::lock_guard guard{impl_->mtx};
  return impl_->peers.connection(peer);
}

} // namespace cafe::node
