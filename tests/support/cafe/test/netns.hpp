#pragma once

#include <string_view>

namespace cafe::test {

/// For suites that must not send on the host's network (multicast and
/// broadcast discovery): whether this process already runs in the private
/// namespace `reexec_in_network_namespace` made.
bool in_private_network_namespace(std::string_view marker);

/// Re-executes this binary (with `argv`'s arguments) inside a fresh
/// network and PID namespace (`unshare --net --pid --mount-proc --fork
/// --kill-child`, as root) with loopback up, multicast on and a route for
/// 224.0.0.0/4 on it, and the environment variable `marker` set. Returns
/// only on failure, having said why on stderr (the suite then fails: it
/// never runs outside, and never skips). The PID namespace takes every
/// process the suite starts down with it.
int reexec_in_network_namespace(char** argv, std::string_view marker,
                                std::string_view suite);

} // namespace cafe::test
