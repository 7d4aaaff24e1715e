#include "cafe/test/netns.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace cafe::test {

bool in_private_network_namespace(std::string_view marker) {
  return std::getenv(std::string{marker}.c_str()) != nullptr;
}

int reexec_in_network_namespace(char** argv, std::string_view marker,
                                std::string_view suite) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::cerr << suite << ": cannot find its own binary: " << ec.message()
              << '\n';
    return 1;
  }
  // Loopback up, multicast on, and a route for the multicast range, as
  // ENVIRONMENT.md describes; then the suite itself.
  std::string script = "PATH=\"$PATH:/usr/sbin:/sbin\"; "
                       "command -v ip >/dev/null || { echo '"
                       + std::string{suite}
                       + ": no ip command (install iproute2)' >&2; exit 1; }; "
                         "ip link set lo up && ip link set lo multicast on "
                         "&& ip route add 224.0.0.0/4 dev lo src 127.0.0.1 "
                         "&& exec \"$0\" \"$@\"";
  std::vector<std::string> args{"unshare",      "--net",      "--pid",
                                "--mount-proc", "--fork",     "--kill-child",
                                "--",           "/bin/sh",    "-c",
                                script,         self.string()};
  for (auto arg = argv + 1; *arg != nullptr; ++arg)
    args.emplace_back(*arg);
  std::vector<char*> cargs;
  for (auto& a : args)
    cargs.push_back(a.data());
  cargs.push_back(nullptr);
  ::setenv(std::string{marker}.c_str(), "1", 1);
  ::execvp("unshare", cargs.data());
  std::cerr << suite
            << ": cannot run unshare (util-linux): " << std::strerror(errno)
            << "; the suite needs root to make a private network namespace\n";
  return 1;
}

} // namespace cafe::test
