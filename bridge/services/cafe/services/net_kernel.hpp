#pragma once

#include "cafe/etf/term.hpp"
#include "cafe/node/local_process.hpp"
#include "cafe/node/node.hpp"

#include <memory>

namespace cafe::services {

/// The part of the BEAM's net_kernel that peers talk to: it answers
/// `{'$gen_call', {From, Tag}, {is_auth, Node}}` with `{Tag, yes}`, which is
/// what `net_adm:ping` asks. Registered as `net_kernel` on every node.
class net_kernel : public node::local_process {
public:
  explicit net_kernel(const std::shared_ptr<node::node>& owner);

  const etf::pid& self() const noexcept {
    return self_;
  }

  void deliver(const std::optional<etf::pid>& from, etf::term msg) override;

  void exit_signal(const etf::pid&, const etf::term&, bool) override {
    // net_kernel outlives its links.
  }

  void down(const etf::reference&, const etf::term&,
            const etf::term&) override {
    // nop
  }

private:
  std::weak_ptr<node::node> owner_;
  etf::pid self_;
};

} // namespace cafe::services
