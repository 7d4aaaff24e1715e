#pragma once

#include "cafe/expected.hpp"
#include "cafe/handshake/failure.hpp"
#include "cafe/handshake/random.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace cafe::handshake {

/// Where `erl` looks for its cookie (kernel auth.erl `read_cookie`): first
/// `home_file`, then `xdg_file`; if neither exists it creates `home_file`
/// (or `xdg_file` when there is no home).
struct cookie_paths {
  /// $HOME/.erlang.cookie; empty without HOME.
  std::filesystem::path home_file;
  /// $XDG_CONFIG_HOME/erlang/.erlang.cookie, by default under
  /// $HOME/.config; empty without both variables.
  std::filesystem::path xdg_file;
};

/// The paths from the environment (HOME, XDG_CONFIG_HOME).
expected<cookie_paths, failure> default_cookie_paths();

/// The cookie as `erl` reads it from file content: the printable ASCII
/// characters (' '..'~') up to the first other byte, after which only
/// '\n', '\r' and ' ' may follow; at least one character.
expected<std::string, failure> parse_cookie(std::string_view content);

/// Reads the cookie, or creates `home_file` like `erl` does: 20 random
/// uppercase letters, mode 0400. A file that others may access, or that is
/// not a regular file, is refused like `erl` refuses it. This is the only
/// function of the module that touches the file system.
expected<std::string, failure> read_or_create_cookie(const cookie_paths& paths,
                                                     random_source random = {});

/// `read_or_create_cookie(default_cookie_paths())`.
expected<std::string, failure> read_or_create_cookie();

} // namespace cafe::handshake
