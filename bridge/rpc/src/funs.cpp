#include "funs.hpp"

#include "cafe/log.hpp"

#include <atomic>

namespace cafe::rpc {

void note_fun_refused(etf::atom from_node, const etf::fun& fn) {
  static std::atomic<bool> told{false};
  if (told.exchange(true))
    return;
  cafe::logger().warn(
    "rpc: {} asked to run a fun of module {} here; funs are BEAM code and "
    "cannot run on a cafe node, so it ends with undef (export a C++ "
    "function and call or spawn M:F(Args) instead)",
    from_node.text(), fn->module.text());
}

etf::term fun_undef_stack(const etf::term& fn, const etf::term& args) {
  return etf::term{etf::list{{etf::make_tuple(fn, args, etf::list{})}}};
}

} // namespace cafe::rpc
