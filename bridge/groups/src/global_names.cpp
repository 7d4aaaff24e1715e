#include "cafe/groups/global_names.hpp"

namespace cafe::groups {

global_names::global_names(std::shared_ptr<actor::bridge> br,
                           std::shared_ptr<global::server> server)
  : bridge_(std::move(br)), server_(std::move(server)) {
  // nop
}

global::server& global_names::server() const noexcept {
  return *server_;
}

expected<bool, std::string> global_names::register_name(const etf::term& name,
                                                        const caf::actor& x) {
  return server_->register_name(name, bridge_->pid_of(x));
}

expected<void, std::string>
global_names::re_register_name(const etf::term& name, const caf::actor& x) {
  return server_->re_register_name(name, bridge_->pid_of(x));
}

expected<void, std::string>
global_names::unregister_name(const etf::term& name) {
  return server_->unregister_name(name);
}

std::optional<caf::actor> global_names::whereis(const etf::term& name) const {
  auto pid = server_->whereis_name(name);
  if (!pid)
    return std::nullopt;
  auto x = bridge_->actor_of(*pid);
  if (!x)
    return std::nullopt;
  return x;
}

std::vector<etf::term> global_names::registered_names() const {
  return server_->registered_names();
}

bool global_names::send(const etf::term& name, const etf::term& msg) const {
  return server_->send(name, msg).has_value();
}

expected<bool, std::string> global_names::set_lock(const etf::term& id) const {
  return server_->set_lock(id);
}

expected<void, std::string> global_names::del_lock(const etf::term& id) const {
  return server_->del_lock(id);
}

std::optional<etf::term>
global_names::trans(const etf::term& id,
                    const std::function<etf::term()>& fn) const {
  return server_->trans(id, fn);
}

expected<void, std::string> global_names::sync() const {
  return server_->sync();
}

} // namespace cafe::groups
