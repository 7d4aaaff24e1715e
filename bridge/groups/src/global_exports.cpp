#include "cafe/groups/global_exports.hpp"

#include "cafe/rpc/outcome.hpp"

namespace cafe::groups {

namespace {

using namespace etf::literals;

const etf::pid& pid_arg(const etf::term& x) {
  auto p = x.get_if<etf::pid>();
  if (!p)
    rpc::raise_error("badarg"_atom);
  return *p;
}

/// What a blocking call's error becomes: global itself would wait forever,
/// cafe gives up after the server's timeout.
[[noreturn]] void timed_out(const std::string& why) {
  rpc::raise_exit(etf::make_tuple("timeout"_atom, etf::binary{why}));
}

} // namespace

void add_global_exports(rpc::exports& table,
                        std::shared_ptr<global::server> server) {
  using rpc::call;
  auto now = rpc::execution::caller_thread;
  table.add_raw(
    "global", "whereis_name", 1,
    [server](const call& c) -> etf::term {
      if (auto p = server->whereis_name(c.args[0]))
        return *p;
      return "undefined"_atom;
    },
    now);
  table.add_raw(
    "global", "registered_names", 0,
    [server](const call&) -> etf::term {
      return etf::list{server->registered_names()};
    },
    now);
  table.add_raw(
    "global", "send", 2,
    [server](const call& c) -> etf::term {
      if (auto p = server->send(c.args[0], c.args[1]))
        return *p;
      rpc::raise_exit(
        etf::make_tuple("badarg"_atom, etf::make_tuple(c.args[0], c.args[1])));
    },
    now);
  table.add_raw(
    "global", "resolve_it", 4,
    [server](const call& c) -> etf::term {
      return server->resolve_it(c.args[0], c.args[1], pid_arg(c.args[2]),
                                pid_arg(c.args[3]));
    },
    now);
  // The rest take the cluster-wide lock: on the scheduler, never on the
  // io thread the call came on.
  for (size_t arity : {2, 3}) {
    table.add_raw(
      "global", "register_name", arity, [server](const call& c) -> etf::term {
        auto& pid = pid_arg(c.args[1]);
        auto res = c.args.size() == 3
                     ? server->register_name(c.args[0], pid, c.args[2])
                     : server->register_name(c.args[0], pid);
        if (!res)
          timed_out(res.error());
        return *res ? "yes"_atom : "no"_atom;
      });
    table.add_raw("global", "re_register_name", arity,
                  [server](const call& c) -> etf::term {
                    auto& pid = pid_arg(c.args[1]);
                    auto res = c.args.size() == 3
                                 ? server->re_register_name(c.args[0], pid,
                                                            c.args[2])
                                 : server->re_register_name(c.args[0], pid);
                    if (!res)
                      timed_out(res.error());
                    return "yes"_atom;
                  });
  }
  table.add_raw("global", "unregister_name", 1,
                [server](const call& c) -> etf::term {
                  if (auto res = server->unregister_name(c.args[0]); !res)
                    timed_out(res.error());
                  return "ok"_atom;
                });
  table.add_raw("global", "sync", 0, [server](const call&) -> etf::term {
    if (auto res = server->sync(); !res)
      timed_out(res.error());
    return "ok"_atom;
  });
}

} // namespace cafe::groups
